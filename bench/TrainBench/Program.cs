// TrainBench: two-tower training throughput and quality on the ML-100K splits.
//   dotnet run -c Release --project bench/TrainBench -- speed [--epochs 3] [--threads 2]
//   dotnet run -c Release --project bench/TrainBench -- quality p1|p2|p1-tune|p2-tune [--set Option=Value ...] [--diagnose] [--held-out-scoring]
//        [--baseline-set Option=Value ...]   (also trains the defaults plus these, and prints the paired difference of the two)
//   dotnet run -c Release --project bench/TrainBench -- bag p1-tune [--bags 4] [--out-of-fold] [--diagnose] [--set ...]   (bagging experiment, TFRS protocol)
//        [--member twotower|ials|ease] [--als-set Option=Value] [--ease-set Option=Value]   (the members' model and its options)
//   dotnet run -c Release --project bench/TrainBench -- userfold p1-tune [--bags 4] [--set ...] [--diagnose]   (user-level cross-fitting: each user scored as a new user, from history + features, by the member that never saw them)
//   dotnet run -c Release --project bench/TrainBench -- mix p1-tune [--set ...] [--als-set ...] [--diagnose]   (two-tower + iALS, per-user standardised scores, several weights)
//   dotnet run -c Release --project bench/TrainBench -- gcn p1-tune [--gset Layers=3] [--gset Lr=0.002] ...   (LightGCN-style propagation experiment, GraphPropagationExperiment.cs)
//   dotnet run -c Release --project bench/TrainBench -- project p1-tune [--bags 8] [--als-set ...] [--pset Tau=0.5,1] [--pset Lambda=0.01] [--pset Teacher=oof|insample|self]   (ProjectionExperiment.cs)
//   dotnet run -c Release --project bench/TrainBench -- profile     (time of each part of one training step, peer configuration)
// Data: $TWOTOWER_DATA (a folder holding ml-100k/ and splits/ml-100k/), else ../shared/datasets.
using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Text.Json;
using TwoTower.MLNet.Data;
using TwoTower.MLNet.Evaluation;
using TwoTower.MLNet.Training;
using TwoTower.MLNet.TwoTowerModel;

var root = Environment.GetEnvironmentVariable("TWOTOWER_DATA") ?? Path.Combine("..", "shared", "datasets");
var ml = Path.Combine(root, "ml-100k");
var splits = Path.Combine(root, "splits", "ml-100k");
var mode = args.Length > 0 ? args[0] : "speed";
var options = new TwoTowerTrainerOptions();
var epochs = 3;
var json = false;
var diagnose = false;
var heldOutScoring = false;
var bags = 4;
var outOfFold = false;
var graphSet = new Dictionary<string, string>();
var projectionSet = new Dictionary<string, string>();
var baselineSets = new List<string>();
var member = "twotower";
var easeOptions = new TwoTower.MLNet.MatrixFactorization.EaseOptions();
var alsOptions = new TwoTower.MLNet.MatrixFactorization.ImplicitAlsOptions();
string split = "p1";
for (var a = 1; a < args.Length; a++)
{
    switch (args[a])
    {
        case "--epochs": epochs = int.Parse(args[++a], CultureInfo.InvariantCulture); break;
        case "--threads": options.Threads = int.Parse(args[++a], CultureInfo.InvariantCulture); break;
        case "--json": json = true; break;
        case "--diagnose": diagnose = true; break;
        case "--held-out-scoring": heldOutScoring = true; break;
        case "--bags": bags = int.Parse(args[++a], CultureInfo.InvariantCulture); break;
        case "--out-of-fold": outOfFold = true; break;
        case "--set": OptionAssignment.Apply(options, args[++a]); break;
        case "--ease-set": OptionAssignment.Apply(easeOptions, args[++a]); break;
        case "--member": member = args[++a]; break;
        case "--als-set": OptionAssignment.Apply(alsOptions, args[++a]); break;
        case "--gset": { var kv = args[++a].Split('=', 2); graphSet[kv[0]] = kv[1]; break; }
        case "--pset": { var kv = args[++a].Split('=', 2); projectionSet[kv[0]] = kv[1]; break; }
        case "--baseline-set": baselineSets.Add(args[++a]); break;
        default: split = args[a]; break;
    }
}
var items = MovieLens100K.LoadItems(ml);
var users = MovieLens100K.LoadUsers(ml);
Console.WriteLine($"# TrainBench {mode} {split} {TwoTower.MLNet.Index.Benchmarking.RunEnvironment.Line(options.Threads == 0 ? Environment.ProcessorCount : options.Threads)} · load {File.ReadAllText("/proc/loadavg").Trim()}");

if (mode == "profile")
{
    Profile(items, splits);
    return;
}

if (mode == "speed")
{
    // The PyTorch peer's configuration, the one `twotower bench train` times (the engine's defaults are another model).
    var peer = TrainingThroughputBenchmark.PeerConfiguration(epochs, options.Threads);
    var train = CsvInteractions.Load(Path.Combine(splits, "p1", "train.csv"));
    var data = TrainingData.Create(train, null, items, null);
    var speed = TrainingThroughputBenchmark.Run(data, peer);
    var rates = speed.EpochExamplesPerSecond;
    Console.WriteLine($"epochs {speed.Epochs}, ex/s per epoch: {string.Join(", ", rates.Select(r => r.ToString("F0", CultureInfo.InvariantCulture)))}; median {speed.ExamplesPerSecond:F0}; total {speed.TotalSeconds:F2} s");
    if (json) Console.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object> { ["examples_per_s"] = speed.ExamplesPerSecond, ["epochs"] = speed.Epochs, ["threads"] = speed.Threads, ["batch"] = speed.BatchSize }));
    return;
}

var dir = Path.Combine(splits, split);
var tune = split.EndsWith("-tune", StringComparison.Ordinal);
var trainLog = CsvInteractions.Load(Path.Combine(dir, "train.csv"));
var evalLog = CsvInteractions.Load(Path.Combine(dir, tune ? "valid.csv" : "test.csv"));
var tfrs = split.StartsWith("p1", StringComparison.Ordinal);
if (tune) options.ValidationMetric = tfrs ? "top_100" : "NDCG@10";
string Metrics(EvaluationResult e) => string.Join(" ", e.OrderedMetrics.Select(kv => $"{kv.Key}={kv.Value:F4}" + (e.StandardErrors.TryGetValue(kv.Key, out var se) ? $"±{se:F4}" : "")));
EvaluationResult Evaluate(TwoTower.MLNet.Models.IRecommender model, EvaluationSet s) =>
    tfrs ? RetrievalEvaluator.EvaluateTfrs(model, s.History, s.Test) : RetrievalEvaluator.EvaluateFullRanking(model, s.History, s.Test);

if (mode == "bag")
{
    // Member m trains on every row but fold m (rows dealt to folds by a seeded shuffle), early-stopped on the split's validation rows.
    var fullData = TrainingData.Create(trainLog, null, items, users);
    var fold = Enumerable.Range(0, trainLog.Count).ToArray();
    new Random(options.Seed).Shuffle(fold);
    // iALS members differ by their rows only (their options' seed stays); two-tower members also by seed.
    TwoTower.MLNet.Models.IRecommender FitMember(TrainingData d, TwoTowerTrainerOptions o) => member switch
    {
        "ease" => new TwoTower.MLNet.MatrixFactorization.EaseTrainer(easeOptions).Fit(d),
        "ials" => new TwoTower.MLNet.MatrixFactorization.ImplicitAlsTrainer(alsOptions).Fit(d),
        "twotower" => new TwoTowerTrainer(o).Train(d, new SynchronousProgress<TrainingProgress>(_ => { })),
        _ => throw new ArgumentException($"--member {member}: expected twotower, ials or ease."),
    };
    var members = new List<TwoTower.MLNet.Models.IRecommender>();
    var swb = Stopwatch.StartNew();
    for (var m = 0; m < bags; m++)
    {
        var rows = Enumerable.Range(0, trainLog.Count).Where(row => bags == 1 || fold[row] % bags != m).ToArray();
        var memberOptions = options.Clone();
        memberOptions.Seed = options.Seed + m;
        var memberData = TrainingData.Create(trainLog.Subset(rows), tune ? evalLog : null, items, users);
        members.Add(FitMember(memberData, memberOptions));
        Console.WriteLine($"member {m} ({member}): {rows.Length} rows" + (members[^1] is TwoTowerRecommender tt ? $", best epoch {tt.Report!.BestEpoch}" : ""));
    }
    Dictionary<(int, int), int>? folds = null;
    if (outOfFold)
    {
        // Analysis only: each train pair scored by the member that did not see it (reads the train set at scoring time).
        folds = new Dictionary<(int, int), int>();
        for (var row = 0; row < trainLog.Count; row++)
            folds[(fullData.Users.GetKey(trainLog.Users[row]), fullData.Items.GetKey(trainLog.Items[row]))] = fold[row] % bags;
    }
    var bagged = new BaggedRecommender(fullData.Users, fullData.Items, members) { OutOfFold = folds };
    var bagSet = EvaluationSet.Create(bagged, trainLog, evalLog);
    Console.WriteLine($"bagging {bags}: fit {swb.Elapsed.TotalSeconds:F1} s " + Metrics(RetrievalEvaluator.EvaluateTfrs(bagged, bagSet.History, bagSet.Test)));
    if (diagnose) SeenItemDiagnostics.Run(bagged, bagSet.History, bagSet.Test);
    return;
}
if (mode == "userfold")
{
    // Member m trains on the rows of the users outside user fold m; a user of fold m is then embedded by member m from features + history.
    // A member never trains the id row of a fold user, so the user tower reads the history bag and the features only.
    options.UseUserIdEmbedding = false;
    options.UseUserHistory = true;
    var full = TrainingData.Create(trainLog, tune ? evalLog : null, items, users);
    var (uf, itf) = new TwoTowerTrainer(options).BuildFeatures(full);
    var order = Enumerable.Range(0, full.Users.Count).ToArray();
    new Random(options.Seed).Shuffle(order);
    var foldOfUser = new int[order.Length];
    for (var p = 0; p < order.Length; p++) foldOfUser[order[p]] = p % bags;
    var members = new List<TwoTower.MLNet.Models.IRecommender>();
    var swu = Stopwatch.StartNew();
    var t = full.Train;
    for (var m = 0; m < bags; m++)
    {
        var rows = Enumerable.Range(0, t.Count).Where(row => bags == 1 || foldOfUser[t.UserKeys[row]] != m).ToArray();
        var sub = new Interactions(t.Users, t.Items, rows.Select(x => t.UserKeys[x]).ToArray(), rows.Select(x => t.ItemKeys[x]).ToArray(),
            rows.Select(x => t.Ratings[x]).ToArray(), rows.Select(x => t.Timestamps[x]).ToArray());
        var memberOptions = options.Clone();
        memberOptions.Seed = options.Seed + m;
        var model = new TwoTowerTrainer(memberOptions).Train(TrainingData.FromEncoded(sub, full.Validation, items, users), uf, itf);
        members.Add(model);
        Console.WriteLine($"member {m}: {rows.Length} rows, best epoch {model.Report!.BestEpoch}");
    }
    var uff = new UserFoldRecommender(members, foldOfUser);
    var ufSet = EvaluationSet.Create(uff, trainLog, evalLog);
    Console.WriteLine($"user folds {bags}: fit {swu.Elapsed.TotalSeconds:F1} s " + Metrics(Evaluate(uff, ufSet)));
    if (diagnose) SeenItemDiagnostics.Run(uff, ufSet.History, ufSet.Test);
    return;
}
var td = TrainingData.Create(trainLog, tune ? evalLog : null, items, users);
if (mode == "gcn")
{
    GraphPropagationExperiment.Run(td, trainLog, evalLog, graphSet, options.Seed);
    return;
}
if (mode == "project")
{
    ProjectionExperiment.Run(trainLog, evalLog, items, users, options, alsOptions, bags, projectionSet, diagnose, Evaluate, Metrics);
    return;
}
if (mode == "mix")
{
    var tt = new TwoTowerTrainer(options).Train(td, new SynchronousProgress<TrainingProgress>(_ => { }));
    var als = new TwoTower.MLNet.MatrixFactorization.ImplicitAlsTrainer(alsOptions).Fit(td);
    foreach (var w in new[] { 0f, 0.1f, 0.2f, 0.35f, 0.5f, 1f, float.PositiveInfinity })
    {
        var mix = new MixedRecommender(tt, als, w);
        var ms = EvaluationSet.Create(mix, trainLog, evalLog);
        Console.WriteLine($"weight {w}: " + Metrics(Evaluate(mix, ms)));
        if (diagnose) SeenItemDiagnostics.Run(mix, ms.History, ms.Test);
    }
    return;
}
var swq = Stopwatch.StartNew();
var trained = new TwoTowerTrainer(options).Train(td, new ConsoleProgress());
var fitSeconds = swq.Elapsed.TotalSeconds;
var set = EvaluationSet.Create(trained, trainLog, evalLog);
var result = Evaluate(trained, set);
Console.WriteLine($"fit {fitSeconds:F2} s, epochs {trained.Report!.EpochsRun}, best {trained.Report.BestEpoch}");
Console.WriteLine(Metrics(result));
if (diagnose) SeenItemDiagnostics.Run(trained, set.History, set.Test);
if (baselineSets.Count > 0)
{
    // The same split and seed with the baseline's options (the defaults plus --baseline-set), compared user by user.
    var baselineOptions = new TwoTowerTrainerOptions { Seed = options.Seed, Threads = options.Threads, ValidationMetric = options.ValidationMetric };
    foreach (var assignment in baselineSets) OptionAssignment.Apply(baselineOptions, assignment);
    var baseline = new TwoTowerTrainer(baselineOptions).Train(td, new SynchronousProgress<TrainingProgress>(_ => { }));
    var baselineResult = Evaluate(baseline, EvaluationSet.Create(baseline, trainLog, evalLog));
    Console.WriteLine($"baseline ({string.Join(" ", baselineSets)}): {Metrics(baselineResult)}");
    foreach (var c in EvaluationComparison.Compare(result, baselineResult).Where(c => c.Metric is "top_100" or "f_top_100" or "NDCG@10" or "HR@10" or "Recall@100"))
        Console.WriteLine($"  {c.Metric,-10} variant − baseline {c.Difference:+0.0000;-0.0000} ± {c.StandardError:0.0000} (paired over {c.Users} users), p {c.PValue:0.000}");
}
if (heldOutScoring)
{
    var heldOut = new HeldOutHistoryScoring(trained, new TwoTowerTrainer(options).BuildFeatures(td).Users);
    Console.WriteLine("held-out history scoring: " + Metrics(Evaluate(heldOut, set)));
    if (diagnose) SeenItemDiagnostics.Run(heldOut, set.History, set.Test);
}
var r = trained.Report;
Console.WriteLine($"coherence {r.NeighbourGenreCoherence:F3} vs base {r.GenreBaseRate:F3}; coverage@10 {r.CatalogueCoverageAt10:F3}; item norms [{string.Join(", ", r.ItemIdEmbeddingNorms.Select(x => x.ToString("F3", CultureInfo.InvariantCulture)))}]");

// Times the parts of a training step on the peer configuration with batch-sized shapes (users and items of a real p1 batch).
static void Profile(TwoTower.MLNet.Data.ItemMetadata items, string splits)
{
    var train = CsvInteractions.Load(Path.Combine(splits, "p1", "train.csv"));
    var data = TrainingData.Create(train, null, items, null);
    var o = TrainingThroughputBenchmark.PeerConfiguration();
    var itemFeatures = TwoTower.MLNet.Features.ItemFeatureBuilder.Build(data.Items, data.ItemMetadata);
    var userFeatures = TwoTower.MLNet.Features.FeatureTable.Empty(data.Users.Count);
    var arch = new TwoTower.MLNet.Towers.TowerArchitecture(true, o.IdEmbeddingDimension, o.FeatureEmbeddingDimension, o.HiddenLayers, o.EmbeddingDimension, true, 0f);
    var user = new TwoTower.MLNet.Towers.ManagedTower("user", arch, userFeatures, 1);
    var item = new TwoTower.MLNet.Towers.ManagedTower("item", arch, itemFeatures, 2);
    var rng = new Random(1);
    var rows = Enumerable.Range(0, 1024).Select(_ => rng.Next(data.Train.Count)).ToArray();
    var us = rows.Select(r => data.Train.UserKeys[r]).Distinct().ToArray();
    var its = rows.Select(r => data.Train.ItemKeys[r]).Distinct().ToArray();
    int d = o.EmbeddingDimension, nu = us.Length, ni = its.Length;
    Console.WriteLine($"batch 1024: {nu} distinct users, {ni} distinct items, item input width {item.InputWidth}");
    var s = new float[nu * ni];
    var gu = new float[nu * d];
    var gi = new float[ni * d];
    var adam = new TwoTower.MLNet.Optimizers.AdamOptimizer();
    void Time(string what, Action a, double flops = 0)
    {
        for (var w = 0; w < 20; w++) a();
        const int reps = 200;
        var sw = Stopwatch.StartNew();
        for (var r = 0; r < reps; r++) a();
        var ms = sw.Elapsed.TotalMilliseconds / reps;
        Console.WriteLine($"  {what,-34} {ms,7:F3} ms" + (flops > 0 ? $"  {flops / ms / 1e6,6:F1} GFLOPS" : ""));
    }
    double TowerFlops(TwoTower.MLNet.Towers.ManagedTower t, int n) => 2.0 * n * (t.InputWidth * 256 + 256 * 128 + 128 * 128);
    var uOut = new float[nu * d];
    var iOut = new float[ni * d];
    Time("user forward", () => user.Forward(us, true).CopyTo(uOut), TowerFlops(user, nu));
    Time("user forward+backward", () => { user.Forward(us, true); user.Backward(gu); }, 3 * TowerFlops(user, nu));
    Time("item forward", () => item.Forward(its, true).CopyTo(iOut), TowerFlops(item, ni));
    Time("item forward+backward", () => { item.Forward(its, true); item.Backward(gi); }, 3 * TowerFlops(item, ni));
    Time("logits U·Iᵀ (1 thread)", () => TwoTower.MLNet.Index.Kernels.Gemm.MultiplyTransposedB(uOut, iOut, s, nu, ni, d), 2.0 * nu * ni * d);
    Time("logits U·Iᵀ (2 threads)", () => TwoTower.MLNet.Index.Kernels.Gemm.MultiplyTransposedB(uOut, iOut, s, nu, ni, d, maxThreads: 2), 2.0 * nu * ni * d);
    Time("dU = dS·I", () => TwoTower.MLNet.Index.Kernels.Gemm.Multiply(s, iOut, gu, nu, d, ni), 2.0 * nu * ni * d);
    Time("dI = dSᵀ·U", () => TwoTower.MLNet.Index.Kernels.Gemm.MultiplyTransposedA(s, uOut, gi, ni, d, nu), 2.0 * nu * ni * d);
    var loss = new TwoTower.MLNet.Losses.InBatchSoftmaxLoss(0.05f);
    var exRows = rows.Select(r => Array.IndexOf(us, data.Train.UserKeys[r])).ToArray();
    var exCols = rows.Select(r => Array.IndexOf(its, data.Train.ItemKeys[r])).ToArray();
    var ds = new float[nu * ni];
    var logq = new float[ni];
    Time("softmax loss + gradient", () => loss.Compute(s, nu, ni, exRows, exCols, logq, ds));
    long step = 0;
    Time("Adam, item tower (after backward)", () => { item.Forward(its, true); item.Backward(gi); foreach (var p in item.Parameters) { adam.Step(p, 1e-3f, ++step); p.ClearGradient(); } });
}

sealed class ConsoleProgress : IProgress<TrainingProgress>
{
    public void Report(TrainingProgress p) =>
        Console.WriteLine($"  epoch {p.Step}/{p.TotalSteps} loss {p.Loss:F4} {p.ExamplesPerSecond:F0} ex/s {p.Seconds:F2} s " +
            (p.Metrics is null ? "" : string.Join(" ", p.Metrics.Where(kv => kv.Key is "top_100" or "f_top_100" or "NDCG@10" or "HR@10" or "top_10").Select(kv => $"{kv.Key}={kv.Value:F4}"))));
}
