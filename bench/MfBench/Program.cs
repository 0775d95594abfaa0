// MfBench: tunes on the -tune splits, reports on p2 test, times fits on ML-100K.
// usage: dotnet run -c Release --project bench/MfBench -- [all|tune-ials|tune-ials-fine|tune-ials-nu|tune-ials-nu-fine|tune-ease|tune-solver|p2|speed|explicit] [--data DIR] [--threads N]
using System.Diagnostics;
using System.Globalization;
using TwoTower.MLNet.Data;
using TwoTower.MLNet.Evaluation;
using TwoTower.MLNet.MatrixFactorization;
using TwoTower.MLNet.Models;

CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
var mode = args.Length > 0 && !args[0].StartsWith("--", StringComparison.Ordinal) ? args[0] : "all";
var dataRoot = Arg("--data") ?? Environment.GetEnvironmentVariable("TWOTOWER_DATA") ?? Path.Combine("..", "shared", "datasets");
var threads = int.Parse(Arg("--threads") ?? "2", CultureInfo.InvariantCulture);
var splits = Path.Combine(dataRoot, "splits", "ml-100k");

Console.WriteLine($"# MfBench {TwoTower.MLNet.Index.Benchmarking.RunEnvironment.Line(threads)}");

if (mode is "all" or "tune-ials") TuneIals(new[] { ConfidenceScaling.Linear, ConfidenceScaling.Log }, new[] { 0.05f, 1f, 10f, 20f, 50f, 100f }, new[] { 1f, 2f, 5f, 10f, 20f, 40f });
if (mode is "all" or "tune-ials-fine") TuneIals(new[] { ConfidenceScaling.Linear }, new[] { 5f, 10f, 15f, 20f, 30f }, new[] { 0.5f, 1f, 1.5f, 2f, 3f });
if (mode is "all" or "tune-ials-nu")
{
    TuneIals(new[] { ConfidenceScaling.Linear }, new[] { 0.1f, 0.3f, 1f, 3f }, new[] { 1f, 3f, 10f }, nu: 1f);
    TuneIals(new[] { ConfidenceScaling.Linear }, new[] { 1f, 2f, 4f, 8f }, new[] { 1f, 3f, 10f }, nu: 0.5f);
}
if (mode is "all" or "tune-ials-nu-fine") TuneIals(new[] { ConfidenceScaling.Linear }, new[] { 0.3f, 0.5f, 1f, 1.5f }, new[] { 0.3f, 0.5f, 1f, 2f }, nu: 0.5f);
if (mode is "tune-folds") TuneFolds(new[] { 64, 128 }, new[] { 0.5f, 1f, 2f, 4f }, new[] { 0.5f, 1f, 2f, 4f });
if (mode is "tune-recency") TuneFolds(new[] { 128 }, new[] { 1f }, new[] { 0.5f, 1f }, new[] { 0f, 1f, 3f, 10f });
if (mode is "tune-folds-wide") TuneFolds(new[] { 128, 192, 256 }, new[] { 0.7f, 1f, 1.5f }, new[] { 1f, 2f });
if (mode is "all" or "tune-ease") TuneEase();
if (mode is "tune-solver") TuneSolver();
if (mode is "all" or "p2") P2();
if (mode is "all" or "speed") Speed();
if (mode is "all" or "explicit") Explicit();
return;

string? Arg(string name)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
}

InteractionLog Load(string split, string file) => CsvInteractions.Load(Path.Combine(splits, split, file));

EvaluationResult Evaluate(IRecommender model, InteractionLog history, InteractionLog test)
{
    var set = EvaluationSet.Create(model, history, test);
    return RetrievalEvaluator.EvaluateFullRanking(model, set.History, set.Test, new[] { 10, 50, 100 }, threads);
}

string Fmt(EvaluationResult r) =>
    string.Join(" ", new[] { "HR@10", "NDCG@10", "Recall@50", "Recall@100", "MRR" }.Select(k => $"{k}={r.Metrics[k]:F4}"));

void TuneIals(ConfidenceScaling[] scalings, float[] regs, float[] alphas, float nu = 0f)
{
    var train = Load("p2-tune", "train.csv");
    var valid = Load("p2-tune", "valid.csv");
    var data = TwoTower.MLNet.Training.TrainingData.Create(train);
    Console.WriteLine("\n== iALS tuning on p2-tune (fit train.csv, NDCG@10 on valid.csv, train items excluded), 64 factors, 15 iterations");
    var best = (ndcg: 0.0, desc: "");
    foreach (var scaling in scalings)
        foreach (var reg in regs)
            foreach (var alpha in alphas)
            {
                var o = new ImplicitAlsOptions { Regularization = reg, Alpha = alpha, ConfidenceScaling = scaling, RegularizationExponent = nu, Threads = threads, ComputeLoss = false };
                var sw = Stopwatch.StartNew();
                var model = new ImplicitAlsTrainer(o).Fit(data);
                var fit = sw.Elapsed.TotalSeconds;
                var r = Evaluate(model, train, valid);
                var desc = $"{scaling} reg={reg} nu={nu} alpha={alpha}";
                Console.WriteLine($"  {desc,-32} val {Fmt(r)}  fit {fit:F2}s");
                if (r.Metrics["NDCG@10"] > best.ndcg) best = (r.Metrics["NDCG@10"], desc);
            }
    Console.WriteLine($"best iALS on p2-tune: {best.desc} NDCG@10={best.ndcg:F4}");
}

// Three nested leave-last-out folds of the tune data (p2-tune train+valid, never p2 test): hold out each user's last,
// second-last and third-last item in turn. Averaging 3 × 943 held-out rows cuts the selection noise of one 943-row set.
List<(InteractionLog Train, InteractionLog Valid)> TuneFolds3()
{
    var all = InteractionLog.Concat("p2-tune", Load("p2-tune", "train.csv"), Load("p2-tune", "valid.csv"));
    var folds = new List<(InteractionLog, InteractionLog)>();
    var rest = all;
    for (var f = 0; f < 3; f++)
    {
        var s = TwoTower.MLNet.Splits.LeaveLastOutSplit.Split(rest);
        folds.Add((InteractionLog.Concat("train", s.Train, s.Valid), s.Test));
        rest = InteractionLog.Concat("rest", s.Train, s.Valid);
    }
    return folds;
}

void TuneFolds(int[] factorList, float[] regs, float[] alphas, float[]? boosts = null)
{
    var folds = TuneFolds3();
    var datas = folds.Select(f => TwoTower.MLNet.Training.TrainingData.Create(f.Train)).ToArray();
    Console.WriteLine("\n== iALS tuning on 3 nested leave-last-out folds of p2-tune (mean NDCG@10), 15 iterations, nu 0.5, Linear");
    var results = new List<(double Ndcg, string Desc)>();
    foreach (var factors in factorList)
        foreach (var reg in regs)
            foreach (var alpha in alphas)
            foreach (var boost in boosts ?? new[] { 0f })
            {
                var nd = new double[folds.Count];
                for (var f = 0; f < folds.Count; f++)
                {
                    var o = new ImplicitAlsOptions { Factors = factors, Regularization = reg, Alpha = alpha, RegularizationExponent = 0.5f, RecencyBoost = boost, Threads = threads, ComputeLoss = false };
                    nd[f] = Evaluate(new ImplicitAlsTrainer(o).Fit(datas[f]), folds[f].Train, folds[f].Valid).Metrics["NDCG@10"];
                }
                var desc = $"factors={factors} reg={reg} alpha={alpha} recency={boost}";
                results.Add((nd.Average(), desc));
                Console.WriteLine($"  {desc,-32} folds {string.Join(" ", nd.Select(v => v.ToString("F4")))}  mean {nd.Average():F4}");
            }
    foreach (var (ndcg, desc) in results.OrderByDescending(r => r.Ndcg).Take(5)) Console.WriteLine($"top: {desc} mean NDCG@10={ndcg:F4}");
}

// The library defaults with each row solver (and CG step count), seeds 1-3, on the 3 nested folds of p2-tune.
void TuneSolver()
{
    var folds = TuneFolds3();
    var datas = folds.Select(f => TwoTower.MLNet.Training.TrainingData.Create(f.Train)).ToArray();
    Console.WriteLine("\n== iALS defaults by row solver on 3 nested leave-last-out folds of p2-tune (NDCG@10), seeds 1-3");
    foreach (var (solver, steps) in new[] { (AlsSolver.Cholesky, 0), (AlsSolver.ConjugateGradient, 2), (AlsSolver.ConjugateGradient, 3), (AlsSolver.ConjugateGradient, 4) })
    {
        var nd = new List<double>();
        var seconds = 0.0;
        foreach (var seed in new[] { 1, 2, 3 })
            for (var f = 0; f < folds.Count; f++)
            {
                var o = new ImplicitAlsOptions { Solver = solver, Seed = seed, Threads = threads, ComputeLoss = false };
                if (steps > 0) o.ConjugateGradientSteps = steps;
                var sw = Stopwatch.StartNew();
                var model = new ImplicitAlsTrainer(o).Fit(datas[f]);
                seconds += sw.Elapsed.TotalSeconds;
                nd.Add(Evaluate(model, folds[f].Train, folds[f].Valid).Metrics["NDCG@10"]);
            }
        var mean = nd.Average();
        var se = Math.Sqrt(nd.Sum(v => (v - mean) * (v - mean)) / (nd.Count - 1) / nd.Count);
        Console.WriteLine($"  {solver}{(steps > 0 ? $" {steps} steps" : ""),-10} mean NDCG@10 {mean:F4} (± {se:F4} over {nd.Count} fits: {string.Join(" ", nd.Select(v => v.ToString("F4")))})  mean fit {seconds / nd.Count:F3}s");
    }
}

void TuneEase()
{
    var train = Load("p2-tune", "train.csv");
    var valid = Load("p2-tune", "valid.csv");
    var data = TwoTower.MLNet.Training.TrainingData.Create(train);
    Console.WriteLine("\n== EASE tuning on p2-tune (NDCG@10 on valid.csv)");
    foreach (var lambda in new[] { 50f, 100f, 200f, 300f, 500f, 800f, 1000f, 1500f, 2000f, 3000f })
    {
        var sw = Stopwatch.StartNew();
        var model = new EaseTrainer(new EaseOptions { Lambda = lambda, Threads = threads }).Fit(data);
        var fit = sw.Elapsed.TotalSeconds;
        Console.WriteLine($"  lambda={lambda,-6} val {Fmt(Evaluate(model, train, valid))}  fit {fit:F2}s");
    }
}

void P2()
{
    var train = Load("p2", "train.csv");
    var test = Load("p2", "test.csv");
    var data = TwoTower.MLNet.Training.TrainingData.Create(train);
    Console.WriteLine("\n== p2 test (fit on p2/train.csv, rank all items except the user's train items), defaults");
    var ials = new ImplicitAlsTrainer(new ImplicitAlsOptions { Threads = threads, ComputeLoss = false });
    var sw = Stopwatch.StartNew();
    var m = ials.Fit(data);
    var fit = sw.Elapsed.TotalSeconds;
    Console.WriteLine($"iALS ({ials.Options.Factors}f, reg={ials.Options.Regularization}, nu={ials.Options.RegularizationExponent}, alpha={ials.Options.Alpha}, {ials.Options.ConfidenceScaling}, 15 it) test: {Fmt(Evaluate(m, train, test))}  fit {fit:F3}s");
    // Seed spread of the default on test: context for the size of test noise (not used to choose anything).
    var nd = new List<double>();
    for (var seed = 1; seed <= 5; seed++)
        nd.Add(Evaluate(new ImplicitAlsTrainer(new ImplicitAlsOptions { Threads = threads, ComputeLoss = false, Seed = seed }).Fit(data), train, test).Metrics["NDCG@10"]);
    var mean = nd.Average();
    var sd = Math.Sqrt(nd.Sum(v => (v - mean) * (v - mean)) / (nd.Count - 1));
    Console.WriteLine($"iALS defaults, seeds 1-5: NDCG@10 {string.Join(" ", nd.Select(v => v.ToString("F4")))}  mean {mean:F4} sd {sd:F4}");
    var cg = new ImplicitAlsTrainer(new ImplicitAlsOptions { Threads = threads, ComputeLoss = false, Solver = AlsSolver.ConjugateGradient });
    sw.Restart();
    m = cg.Fit(data);
    fit = sw.Elapsed.TotalSeconds;
    Console.WriteLine($"iALS CG-3 (same options) test: {Fmt(Evaluate(m, train, test))}  fit {fit:F3}s");
    var constant = new ImplicitAlsTrainer(new ImplicitAlsOptions { Threads = threads, ComputeLoss = false, Regularization = 15f, Alpha = 1.5f, RegularizationExponent = 0f });
    m = constant.Fit(data);
    Console.WriteLine($"iALS best constant-lambda on p2-tune (reg=15, nu=0, alpha=1.5) test: {Fmt(Evaluate(m, train, test))}");
    var peer = new ImplicitAlsTrainer(new ImplicitAlsOptions { Threads = threads, ComputeLoss = false, Regularization = 0.05f, Alpha = 20f, RegularizationExponent = 0f });
    m = peer.Fit(data);
    Console.WriteLine($"iALS peer's brief-range choice (reg=0.05, nu=0, alpha=20) test: {Fmt(Evaluate(m, train, test))}");
    var ease = new EaseTrainer(new EaseOptions { Threads = threads });
    sw.Restart();
    var e = ease.Fit(data);
    fit = sw.Elapsed.TotalSeconds;
    Console.WriteLine($"EASE (lambda={ease.Options.Lambda}) test: {Fmt(Evaluate(e, train, test))}  fit {fit:F3}s");
}

void Speed()
{
    var log = DatasetLoader.LoadInteractions(Path.Combine(dataRoot, "ml-100k"));
    var data = TwoTower.MLNet.Training.TrainingData.Create(log);
    Console.WriteLine($"\n== speed on ML-100K u.data ({log.Count} rows), {threads} threads, best of 5 after one warm-up");
    foreach (var solver in new[] { AlsSolver.Cholesky, AlsSolver.ConjugateGradient })
    {
        var o = new ImplicitAlsOptions { Factors = 64, Iterations = 15, Threads = threads, Solver = solver, ComputeLoss = false };
        var t = Best(() => new ImplicitAlsTrainer(o).Fit(data));
        Console.WriteLine($"iALS {solver} 64f 15 it: fit {t:F3}s ({t / 15:F4}s/iteration; numpy peer 0.16 s/iteration = 2.4 s)");
    }
    foreach (var solver in new[] { AlsSolver.Cholesky, AlsSolver.ConjugateGradient })
    {
        var t128 = Best(() => new ImplicitAlsTrainer(new ImplicitAlsOptions { Threads = threads, ComputeLoss = false, Solver = solver }).Fit(data));
        Console.WriteLine($"iALS defaults (128f) with {solver} 15 it: fit {t128:F3}s");
    }
    var te = Best(() => new EaseTrainer(new EaseOptions { Threads = threads }).Fit(data));
    Console.WriteLine($"EASE lambda=300 ({data.Items.Count} items): fit {te:F3}s (numpy peer 0.4 s)");
    var tm = Best(() => new ExplicitMatrixFactorizationTrainer(new ExplicitMatrixFactorizationOptions { Threads = threads }).Fit(data));
    Console.WriteLine($"explicit MF 32f 15 it: fit {tm:F3}s");
}

double Best(Action fit)
{
    fit();
    var best = double.MaxValue;
    for (var i = 0; i < 5; i++)
    {
        var sw = Stopwatch.StartNew();
        fit();
        best = Math.Min(best, sw.Elapsed.TotalSeconds);
    }
    return best;
}

void Explicit()
{
    Console.WriteLine("\n== explicit MF rating prediction: tune on p1-tune (train.csv -> valid.csv RMSE), report p1 test (80k/20k random split)");
    var tTrain = Load("p1-tune", "train.csv");
    var tData = TwoTower.MLNet.Training.TrainingData.Create(tTrain);
    var tValid = Interactions.Encode(Load("p1-tune", "valid.csv"), tData.Users, tData.Items, UnknownIdPolicy.Drop);
    foreach (var f in new[] { 16, 32, 64 })
        foreach (var reg in new[] { 0.05f, 0.1f, 0.15f, 0.2f })
        {
            var m = new ExplicitMatrixFactorizationTrainer(new ExplicitMatrixFactorizationOptions { Factors = f, Regularization = reg, Threads = threads }).Fit(tData);
            var r = RatingMetrics.Evaluate(m, tValid);
            Console.WriteLine($"  factors={f} reg={reg}: valid RMSE={r.RootMeanSquaredError:F4} MAE={r.MeanAbsoluteError:F4}");
        }
    var data = TwoTower.MLNet.Training.TrainingData.Create(Load("p1", "train.csv"));
    var test = Interactions.Encode(Load("p1", "test.csv"), data.Users, data.Items, UnknownIdPolicy.Drop);
    var trainer = new ExplicitMatrixFactorizationTrainer(new ExplicitMatrixFactorizationOptions { Threads = threads });
    var sw = Stopwatch.StartNew();
    var model = trainer.Fit(data);
    var fit = sw.Elapsed.TotalSeconds;
    var t = RatingMetrics.Evaluate(model, test);
    Console.WriteLine($"explicit MF defaults (factors={trainer.Options.Factors}, reg={trainer.Options.Regularization}) p1 test: RMSE={t.RootMeanSquaredError:F4} MAE={t.MeanAbsoluteError:F4} (n={t.Count}, dropped {test.DroppedRows})  fit {fit:F3}s");
}
