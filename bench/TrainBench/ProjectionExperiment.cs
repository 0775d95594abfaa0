// Experiment (p1 route, twelfth+ session): user vectors fitted to a cross-fitted teacher with the two-tower's item vectors fixed.
// The fourth session distilled a cross-fitted teacher into a whole two-tower student, which re-learned the training pairs through
// its item embeddings (AUC back to .46-.48). Here only each user's vector is fitted: w_u minimises the cross-entropy between
// softmax(z_u / tau) (z_u = the user's per-user standardised out-of-fold teacher scores) and softmax(V w_u), plus lambda/2 |w_u|^2,
// with V the trained item vectors, by Newton's method (the objective is convex in w_u). Scoring is then a plain dot product.
// With --pset ItemVectors=userfold, user u is fitted in the item vectors of a two-tower that never saw u's rows (user folds, --bags).
//   dotnet TrainBench.dll project p1-tune [--bags 8] [--als-set ...] [--set ...] [--pset Tau=0.5,1] [--pset Lambda=0.01] [--pset Teacher=oof|insample|self] [--pset ItemVectors=full|userfold] [--diagnose]
using System.Globalization;
using System.Numerics.Tensors;
using TwoTower.MLNet.Data;
using TwoTower.MLNet.Evaluation;
using TwoTower.MLNet.Models;
using TwoTower.MLNet.Training;
using TwoTower.MLNet.TwoTowerModel;

static class ProjectionExperiment
{
    public static void Run(InteractionLog trainLog, InteractionLog evalLog, ItemMetadata items, UserMetadata users, TwoTowerTrainerOptions options,
        TwoTower.MLNet.MatrixFactorization.ImplicitAlsOptions alsOptions, int bags, IReadOnlyDictionary<string, string> set, bool diagnose,
        Func<IRecommender, EvaluationSet, EvaluationResult> evaluate, Func<EvaluationResult, string> metrics)
    {
        double[] List(string key, string fallback) => (set.TryGetValue(key, out var v) ? v : fallback).Split(',').Select(x => double.Parse(x, CultureInfo.InvariantCulture)).ToArray();
        var taus = List("Tau", "0.5,1,2");
        var lambdas = List("Lambda", "0.01");
        var teacherKind = set.TryGetValue("Teacher", out var tk) ? tk : "oof";
        var userFolds = set.TryGetValue("ItemVectors", out var iv) && iv == "userfold";

        var full = TrainingData.Create(trainLog, evalLog, items, users);
        var tt = new TwoTowerTrainer(options).Train(full, new SynchronousProgress<TrainingProgress>(_ => { }));
        var ttSet = EvaluationSet.Create(tt, trainLog, evalLog);
        Console.WriteLine($"two-tower (best epoch {tt.Report!.BestEpoch}): " + metrics(evaluate(tt, ttSet)));
        if (diagnose) SeenItemDiagnostics.Run(tt, ttSet.History, ttSet.Test);

        // The teacher's scores of every user over the catalogue, in the two-tower's keys.
        IRecommender teacher;
        if (teacherKind == "self") teacher = tt;
        else
        {
            var fold = Enumerable.Range(0, trainLog.Count).ToArray();
            new Random(options.Seed).Shuffle(fold);
            var members = new List<IRecommender>();
            for (var m = 0; m < bags; m++)
            {
                var rows = Enumerable.Range(0, trainLog.Count).Where(row => bags == 1 || fold[row] % bags != m).ToArray();
                members.Add(new TwoTower.MLNet.MatrixFactorization.ImplicitAlsTrainer(alsOptions).Fit(TrainingData.Create(trainLog.Subset(rows), null, items, users)));
            }
            Dictionary<(int, int), int>? folds = null;
            if (teacherKind == "oof")
            {
                folds = new Dictionary<(int, int), int>();
                for (var row = 0; row < trainLog.Count; row++)
                    folds[(full.Users.GetKey(trainLog.Users[row]), full.Items.GetKey(trainLog.Items[row]))] = fold[row] % bags;
            }
            teacher = new BaggedRecommender(full.Users, full.Items, members) { OutOfFold = folds };
            var teacherSet = EvaluationSet.Create(teacher, trainLog, evalLog);
            Console.WriteLine($"teacher ({teacherKind}, {bags} iALS members): " + metrics(evaluate(teacher, teacherSet)));
        }
        var n = tt.Items.Count;
        var d = tt.Dimension;
        var scorer = new KeyMappedScorer(teacher, tt.Users, tt.Items);
        var targets = new float[tt.Users.Count][];
        for (var u = 0; u < targets.Length; u++)
        {
            targets[u] = new float[n];
            scorer.Score(u, targets[u]);
            Standardise(targets[u]);
        }
        // Item vectors per user: the full model's, or those of the member trained without the user's fold of users.
        var foldOfUser = new int[tt.Users.Count];
        var spaces = new List<float[]> { tt.ItemVectors.ToArray() };
        if (userFolds)
        {
            var order = Enumerable.Range(0, tt.Users.Count).ToArray();
            new Random(options.Seed).Shuffle(order);
            for (var p = 0; p < order.Length; p++) foldOfUser[order[p]] = p % bags;
            spaces.Clear();
            var t = full.Train;
            for (var m = 0; m < bags; m++)
            {
                var rows = Enumerable.Range(0, t.Count).Where(row => foldOfUser[tt.Users.GetKey(full.Users.GetRawId(t.UserKeys[row]))] != m).ToArray();
                var sub = new Interactions(t.Users, t.Items, rows.Select(x => t.UserKeys[x]).ToArray(), rows.Select(x => t.ItemKeys[x]).ToArray(),
                    rows.Select(x => t.Ratings[x]).ToArray(), rows.Select(x => t.Timestamps[x]).ToArray());
                var member = new TwoTowerTrainer(options).Train(TrainingData.FromEncoded(sub, full.Validation, items, users), new SynchronousProgress<TrainingProgress>(_ => { }));
                // The member's items in the full model's keys (same maps: the data were encoded once).
                spaces.Add(member.ItemVectors.ToArray());
                Console.WriteLine($"user fold {m}: {rows.Length} rows, best epoch {member.Report!.BestEpoch}");
            }
        }
        foreach (var tau in taus)
            foreach (var lambda in lambdas)
            {
                var w = new float[tt.Users.Count * d];
                var sw = System.Diagnostics.Stopwatch.StartNew();
                Parallel.For(0, tt.Users.Count, new ParallelOptions { MaxDegreeOfParallelism = 2 }, u => Fit(spaces[foldOfUser[u] % spaces.Count], n, d, targets[u], tau, lambda, w.AsSpan(u * d, d)));
                var student = new UserFoldVectorRecommender(tt.Users, tt.Items, d, w, spaces, spaces.Count == 1 ? new int[tt.Users.Count] : foldOfUser);
                var s = EvaluationSet.Create(student, trainLog, evalLog);
                Console.WriteLine($"student tau {tau} lambda {lambda} ({sw.Elapsed.TotalSeconds:F1} s): " + metrics(evaluate(student, s)));
                if (diagnose) SeenItemDiagnostics.Run(student, s.History, s.Test);
            }
    }

    private static void Standardise(float[] x)
    {
        var mean = TensorPrimitives.Sum(x) / x.Length;
        var sd = MathF.Sqrt(Math.Max(1e-12f, TensorPrimitives.SumOfSquares(x) / x.Length - mean * mean));
        for (var i = 0; i < x.Length; i++) x[i] = (x[i] - mean) / sd;
    }

    // Newton's method on L(w) = logsumexp(Vw) - p.(Vw) + lambda/2 |w|^2, p = softmax(z / tau); backtracking keeps each step a descent.
    private static void Fit(float[] v, int n, int d, float[] z, double tau, double lambda, Span<float> result)
    {
        var p = new double[n];
        var zmax = z.Max();
        double zs = 0;
        for (var i = 0; i < n; i++) zs += p[i] = Math.Exp((z[i] - zmax) / tau);
        for (var i = 0; i < n; i++) p[i] /= zs;
        var w = new double[d];
        var s = new double[n];
        var q = new double[n];
        var g = new double[d];
        var h = new double[d * d];
        var step = new double[d];
        double Loss(double[] ww)
        {
            double max = double.NegativeInfinity, dot = 0;
            for (var i = 0; i < n; i++)
            {
                double si = 0;
                for (var j = 0; j < d; j++) si += v[i * d + j] * ww[j];
                s[i] = si;
                max = Math.Max(max, si);
                dot += p[i] * si;
            }
            double sum = 0;
            for (var i = 0; i < n; i++) sum += Math.Exp(s[i] - max);
            double reg = 0;
            for (var j = 0; j < d; j++) reg += ww[j] * ww[j];
            return max + Math.Log(sum) - dot + lambda / 2 * reg;
        }
        var loss = Loss(w);
        for (var iter = 0; iter < 30; iter++)
        {
            // q = softmax(s) at the current w (s was filled by Loss(w)).
            var max = s.Max();
            double sum = 0;
            for (var i = 0; i < n; i++) sum += q[i] = Math.Exp(s[i] - max);
            for (var i = 0; i < n; i++) q[i] /= sum;
            Array.Clear(g);
            Array.Clear(h);
            var mean = new double[d];
            for (var i = 0; i < n; i++)
            {
                var diff = q[i] - p[i];
                for (var a = 0; a < d; a++)
                {
                    var via = v[i * d + a];
                    g[a] += diff * via;
                    mean[a] += q[i] * via;
                    var qa = q[i] * via;
                    for (var b = 0; b <= a; b++) h[a * d + b] += qa * v[i * d + b];
                }
            }
            for (var a = 0; a < d; a++)
            {
                g[a] += lambda * w[a];
                for (var b = 0; b <= a; b++) h[a * d + b] += -mean[a] * mean[b] + (a == b ? lambda : 0);
            }
            var gnorm = Math.Sqrt(g.Sum(x => x * x));
            if (gnorm < 1e-6) break;
            Solve(h, d, g, step);
            var t = 1.0;
            var next = new double[d];
            double nextLoss;
            while (true)
            {
                for (var a = 0; a < d; a++) next[a] = w[a] - t * step[a];
                nextLoss = Loss(next);
                if (nextLoss <= loss - 1e-4 * t * Dot(g, step) || t < 1e-6) break;
                t /= 2;
            }
            if (nextLoss > loss) { Loss(w); break; }
            Array.Copy(next, w, d);
            loss = nextLoss;
        }
        for (var a = 0; a < d; a++) result[a] = (float)w[a];
    }

    private static double Dot(double[] a, double[] b)
    {
        double s = 0;
        for (var i = 0; i < a.Length; i++) s += a[i] * b[i];
        return s;
    }

    // Cholesky solve of H x = g, H symmetric positive definite given by its lower triangle (overwritten).
    private static void Solve(double[] h, int d, double[] g, double[] x)
    {
        for (var j = 0; j < d; j++)
        {
            var sum = h[j * d + j];
            for (var k = 0; k < j; k++) sum -= h[j * d + k] * h[j * d + k];
            var diag = Math.Sqrt(Math.Max(sum, 1e-12));
            h[j * d + j] = diag;
            for (var i = j + 1; i < d; i++)
            {
                var s2 = h[i * d + j];
                for (var k = 0; k < j; k++) s2 -= h[i * d + k] * h[j * d + k];
                h[i * d + j] = s2 / diag;
            }
        }
        var y = new double[d];
        for (var i = 0; i < d; i++)
        {
            var s3 = g[i];
            for (var k = 0; k < i; k++) s3 -= h[i * d + k] * y[k];
            y[i] = s3 / h[i * d + i];
        }
        for (var i = d - 1; i >= 0; i--)
        {
            var s4 = y[i];
            for (var k = i + 1; k < d; k++) s4 -= h[k * d + i] * x[k];
            x[i] = s4 / h[i * d + i];
        }
    }
}

/// <summary>Scores each user against the item vectors of its user fold (one space: every user against the same vectors; analysis only).</summary>
sealed class UserFoldVectorRecommender(IdMap users, IdMap items, int d, float[] userVectors, List<float[]> spaces, int[] foldOfUser) : AnalysisRecommender("userfold-vectors", users, items)
{
    public override void Score(ReadOnlySpan<int> userKeys, Span<float> scores)
    {
        var n = Items.Count;
        for (var r = 0; r < userKeys.Length; r++)
        {
            var u = userKeys[r];
            var row = scores.Slice(r * n, n);
            if (u < 0) { row.Clear(); continue; }
            var v = spaces[foldOfUser[u]];
            var q = userVectors.AsSpan(u * d, d);
            for (var i = 0; i < n; i++) row[i] = TensorPrimitives.Dot(q, v.AsSpan(i * d, d));
        }
    }
}
