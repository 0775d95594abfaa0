using TwoTower.MLNet.Data;
using TwoTower.MLNet.MatrixFactorization;
using TwoTower.MLNet.Training;

namespace TwoTower.MLNet.Tests.MatrixFactorization;

[TestClass]
public sealed class ImplicitAlsTrainerTests
{
    private static MatrixFactorizationModel Fit(Interactions x, ImplicitAlsOptions o, MfTestData.ProgressLog? log = null) =>
        new ImplicitAlsTrainer(o).Fit(MfTestData.Data(x), log);

    [TestMethod]
    [DataRow(ConfidenceScaling.Linear, AlsSolver.Cholesky, 0f)]
    [DataRow(ConfidenceScaling.Log, AlsSolver.Cholesky, 0f)]
    [DataRow(ConfidenceScaling.Linear, AlsSolver.ConjugateGradient, 0f)]
    [DataRow(ConfidenceScaling.Linear, AlsSolver.Cholesky, 0.5f)]
    [DataRow(ConfidenceScaling.Linear, AlsSolver.ConjugateGradient, 0.5f)]
    public void Fit_AnyIteration_ObjectiveDoesNotIncrease(ConfidenceScaling scaling, AlsSolver solver, float nu)
    {
        var x = MfTestData.Random(40, 30, 0.15, seed: 3);
        var log = new MfTestData.ProgressLog();
        Fit(x, new ImplicitAlsOptions { Factors = 5, Iterations = 10, Regularization = 0.5f, Alpha = 10f, ConfidenceScaling = scaling, Solver = solver, RegularizationExponent = nu, Threads = 2 }, log);
        var losses = log.Reports.Select(r => r.Loss!.Value).ToArray();
        Assert.HasCount(10, losses);
        for (var i = 1; i < losses.Length; i++)
            Assert.IsLessThanOrEqualTo(losses[i - 1] * (1 + 1e-5), losses[i], $"iteration {i + 1}: {losses[i]} after {losses[i - 1]}");
        Assert.IsLessThan(losses[0], losses[^1] * 1.0001, "the objective should improve over the run");
        Assert.IsTrue(log.Reports.All(r => r.Stage == "iteration" && r.TotalSteps == 10));
    }

    [TestMethod]
    [DataRow(AlsSolver.Cholesky, ColdUserStrategy.MeanUser)]
    [DataRow(AlsSolver.ConjugateGradient, ColdUserStrategy.MeanUser)]
    [DataRow(AlsSolver.ConjugateGradient, ColdUserStrategy.Zero)]
    public void Fit_UserWithoutInteractions_GetsTheColdStartVectorOfAnUnknownUser(AlsSolver solver, ColdUserStrategy cold)
    {
        // Users 0..29 have rows; user 30 is known (e.g. from user metadata) but has none. It was left at ~0, scoring every item ~0.
        var x = MfTestData.Random(30, 20, 0.2, seed: 4);
        var rows = Enumerable.Range(0, x.Count).Select(r => (x.UserKeys[r], x.ItemKeys[r], 1f)).ToList();
        var withIdle = MfTestData.Make(31, 20, rows);
        var model = Fit(withIdle, new ImplicitAlsOptions { Factors = 4, Iterations = 3, Solver = solver, ColdUser = cold, Threads = 1 });
        var idle = new float[4];
        var unknown = new float[4];
        model.EmbedUsers([30], idle);
        model.EmbedUsers([-1], unknown);
        for (var d = 0; d < 4; d++) Assert.AreEqual(unknown[d], idle[d], 1e-6f, $"component {d}");
        if (cold == ColdUserStrategy.MeanUser) Assert.IsGreaterThan(1e-3f, idle.Max(MathF.Abs), "the mean user is not zero");
        else Assert.IsTrue(idle.All(v => v == 0f));
    }

    [TestMethod]
    [DataRow(AlsSolver.Cholesky)]
    [DataRow(AlsSolver.ConjugateGradient)]
    public void Fit_ItemWithoutInteractions_HasAZeroRowWithEverySolver(AlsSolver solver)
    {
        // Found by an audit: conjugate gradient (the default solver) started item 20, which nobody chose, from its random row and
        // only shrank it (to about 1e-12) instead of giving the exact solution 0 that Cholesky gives; the two-tower warm start
        // then counted it among the items with factors ("21/21 items got factors") and copied the leftover noise.
        var x = MfTestData.Random(30, 20, 0.2, seed: 4);
        var rows = Enumerable.Range(0, x.Count).Select(r => (x.UserKeys[r], x.ItemKeys[r], 1f)).ToList();
        var data = MfTestData.Data(MfTestData.Make(30, 21, rows));
        var model = new ImplicitAlsTrainer(new ImplicitAlsOptions { Factors = 4, Iterations = 3, Solver = solver, Threads = 1 }).Fit(data);
        var idle = model.ItemFactors.Span.Slice(20 * 4, 4).ToArray();
        Assert.IsTrue(idle.All(v => v == 0f), string.Join(", ", idle));
        var (_, items) = TwoTower.MLNet.TwoTowerModel.WarmStart.UseFactors(new TwoTower.MLNet.TwoTowerModel.TwoTowerTrainerOptions(), model, data);
        Assert.AreEqual(20, items);
    }

    [TestMethod]
    [DataRow(AlsSolver.Cholesky)]
    [DataRow(AlsSolver.ConjugateGradient)]
    public void Fit_EveryPairTwice_EqualsEveryPairOnceWithTwiceTheAlpha(AlsSolver solver)
    {
        // Repeats add up: a pair seen twice has c = 1 + α·2, the confidence of a pair seen once under 2α (Linear scaling).
        var once = MfTestData.Random(25, 15, 0.2, seed: 8);
        var rows = Enumerable.Range(0, once.Count).Select(r => (once.UserKeys[r], once.ItemKeys[r], 1f)).ToList();
        var twice = MfTestData.Make(25, 15, [.. rows, .. rows]);
        ImplicitAlsOptions Options(float alpha) => new() { Factors = 4, Iterations = 3, Alpha = alpha, RecencyBoost = 0f, Solver = solver, Threads = 1 };
        var a = Fit(twice, Options(3f));
        var b = Fit(once, Options(6f));
        CollectionAssert.AreEqual(b.UserFactors.ToArray(), a.UserFactors.ToArray());
        CollectionAssert.AreEqual(b.ItemFactors.ToArray(), a.ItemFactors.ToArray());
    }

    [TestMethod]
    public void Objective_TinyCase_MatchesBruteForceSumOverAllCells()
    {
        var x = MfTestData.Random(6, 5, 0.3, seed: 5);
        var o = new ImplicitAlsOptions { Factors = 3, Alpha = 4f };
        var conf = BuildConfidence(x, o);
        var rng = new Random(1);
        var xf = Enumerable.Range(0, 6 * 3).Select(_ => (float)rng.NextDouble() - 0.5f).ToArray();
        var yf = Enumerable.Range(0, 5 * 3).Select(_ => (float)rng.NextDouble() - 0.5f).ToArray();
        double brute = 0;
        for (var u = 0; u < 6; u++)
            for (var i = 0; i < 5; i++)
            {
                double s = 0;
                for (var d = 0; d < 3; d++) s += xf[u * 3 + d] * yf[i * 3 + d];
                var observed = conf.Contains(u, i);
                var c = observed ? 1 + 4.0 : 1.0;
                var p = observed ? 1.0 : 0.0;
                brute += c * (p - s) * (p - s);
            }
        brute += 0.7 * (xf.Sum(v => (double)v * v) + yf.Sum(v => (double)v * v));
        var fast = ImplicitAlsTrainer.Objective(conf, xf, yf, 3, 0.7f, 1);
        Assert.AreEqual(brute, fast, 1e-4 * Math.Abs(brute));
    }

    [TestMethod]
    [DataRow(0f)]
    [DataRow(0.5f)]
    public void SolveRows_Cholesky_MatchesBruteForceNormalEquations(float nu)
    {
        const int k = 3;
        var x = MfTestData.Random(5, 4, 0.4, seed: 7);
        var o = new ImplicitAlsOptions { Factors = k, Alpha = 3f, Regularization = 0.2f };
        var conf = BuildConfidence(x, o);
        var rng = new Random(2);
        var y = Enumerable.Range(0, 4 * k).Select(_ => (float)rng.NextDouble() - 0.5f).ToArray();
        var gram = new float[k * k];
        ImplicitAlsTrainer.ComputeGram(y, 4, k, gram, 1);
        var target = new float[5 * k];
        ImplicitAlsTrainer.SolveRows(conf, y, gram, target, k, 0.2f, AlsSolver.Cholesky, 3, 1, nu);
        for (var u = 0; u < 5; u++)
        {
            // Normal equations summed over every item, observed or not: Σ c_ui y_i y_iᵀ + λI, Σ c_ui p_ui y_i.
            var a = new double[k, k];
            var b = new double[k];
            for (var i = 0; i < 4; i++)
            {
                var observed = conf.Contains(u, i);
                var c = observed ? 1 + 3.0 : 1.0;
                for (var r = 0; r < k; r++)
                {
                    for (var s = 0; s < k; s++) a[r, s] += c * y[i * k + r] * y[i * k + s];
                    if (observed) b[r] += c * y[i * k + r];
                }
            }
            var lambda = 0.2 * Math.Pow(conf.RowLength(u), nu); // frequency-scaled L2: λ n_u^ν
            for (var r = 0; r < k; r++) a[r, r] += lambda;
            var expected = MfTestData.SolveDense(a, b);
            for (var r = 0; r < k; r++) Assert.AreEqual(expected[r], target[u * k + r], 1e-4, $"user {u}, factor {r}");
        }
    }

    [TestMethod]
    public void SolveRows_ConjugateGradientWithKSteps_MatchesCholesky()
    {
        const int k = 6;
        var x = MfTestData.Random(20, 15, 0.3, seed: 11);
        var o = new ImplicitAlsOptions { Factors = k, Alpha = 5f, Regularization = 1f };
        var conf = BuildConfidence(x, o);
        var rng = new Random(3);
        var y = Enumerable.Range(0, 15 * k).Select(_ => (float)rng.NextDouble() - 0.5f).ToArray();
        var gram = new float[k * k];
        ImplicitAlsTrainer.ComputeGram(y, 15, k, gram, 1);
        var exact = new float[20 * k];
        ImplicitAlsTrainer.SolveRows(conf, y, gram, exact, k, 1f, AlsSolver.Cholesky, 0, 1);
        var cg = new float[20 * k]; // zero start
        ImplicitAlsTrainer.SolveRows(conf, y, gram, cg, k, 1f, AlsSolver.ConjugateGradient, 2 * k, 1);
        for (var j = 0; j < exact.Length; j++) Assert.AreEqual(exact[j], cg[j], 1e-3, $"entry {j}");
    }

    [TestMethod]
    public void Fit_ConjugateGradientThreeSteps_ObjectiveCloseToCholesky()
    {
        var x = MfTestData.Random(60, 40, 0.1, seed: 13);
        var chol = new MfTestData.ProgressLog();
        var cg = new MfTestData.ProgressLog();
        Fit(x, new ImplicitAlsOptions { Factors = 8, Iterations = 15, Regularization = 1f, Alpha = 10f }, chol);
        Fit(x, new ImplicitAlsOptions { Factors = 8, Iterations = 15, Regularization = 1f, Alpha = 10f, Solver = AlsSolver.ConjugateGradient }, cg);
        var a = chol.Reports[^1].Loss!.Value;
        var b = cg.Reports[^1].Loss!.Value;
        Assert.AreEqual(a, b, 0.03 * a, $"Cholesky {a}, CG {b}");
    }

    [TestMethod]
    public void Fit_SameSeedDifferentThreads_IdenticalFactors()
    {
        var x = MfTestData.Random(50, 30, 0.15, seed: 17);
        var a = Fit(x, new ImplicitAlsOptions { Factors = 8, Iterations = 3, Seed = 5, Threads = 1 });
        var b = Fit(x, new ImplicitAlsOptions { Factors = 8, Iterations = 3, Seed = 5, Threads = 2 });
        var c = Fit(x, new ImplicitAlsOptions { Factors = 8, Iterations = 3, Seed = 6, Threads = 2 });
        CollectionAssert.AreEqual(a.UserFactors.ToArray(), b.UserFactors.ToArray());
        CollectionAssert.AreEqual(a.ItemFactors.ToArray(), b.ItemFactors.ToArray());
        CollectionAssert.AreNotEqual(a.ItemFactors.ToArray(), c.ItemFactors.ToArray());
    }

    [TestMethod]
    public void Fit_PlantedBlocks_RanksOwnBlockFirst()
    {
        // Two user groups that each interact with one half of the items: unseen same-block items must score higher.
        var rows = new List<(int, int, float)>();
        for (var u = 0; u < 20; u++)
            for (var i = 0; i < 10; i++)
                if ((u < 10) == (i < 5) && (u + i) % 4 != 0) rows.Add((u, i, 1f));
        var model = Fit(MfTestData.Make(20, 10, rows), new ImplicitAlsOptions { Factors = 4, Iterations = 10, Regularization = 0.1f, Alpha = 10f });
        var scores = new float[10];
        model.Score(new[] { 0 }, scores); // user 0 has not seen item 4 ((0 + 4) % 4 == 0)
        Assert.IsGreaterThan(scores[7], scores[4]);
        Assert.IsGreaterThan(scores[9], scores[4]);
    }

    [TestMethod]
    public void Fit_ValidateEachIteration_ReportsValidationMetricsPerIteration()
    {
        var train = MfTestData.Random(30, 20, 0.2, seed: 19);
        var valid = new Interactions(train.Users, train.Items, new[] { 0, 1, 2 }, new[] { 5, 6, 7 }, new[] { 1f, 1f, 1f }, new long[3]);
        var log = new MfTestData.ProgressLog();
        new ImplicitAlsTrainer(new ImplicitAlsOptions { Factors = 4, Iterations = 3, ValidateEachIteration = true })
            .Fit(TwoTower.MLNet.Training.TrainingData.FromEncoded(train, valid), log);
        Assert.HasCount(3, log.Reports);
        foreach (var r in log.Reports)
        {
            Assert.IsNotNull(r.Metrics);
            Assert.IsTrue(r.Metrics.ContainsKey("NDCG@10"));
            Assert.IsTrue(r.Metrics["NDCG@10"] is >= 0 and <= 1);
        }
    }

    [TestMethod]
    [DataRow(AlsSolver.Cholesky)]
    [DataRow(AlsSolver.ConjugateGradient)]
    public void Fit_ValidateEachIteration_LastReportEqualsTheReturnedModelsEvaluation(AlsSolver solver)
    {
        // User 30 is known (e.g. from user metadata) and has validation rows but no training rows. The returned model gives it
        // the cold-start vector; the per-iteration snapshot must score it the same way, or the last report is not the model's.
        var x = MfTestData.Random(30, 20, 0.2, seed: 19);
        var rows = Enumerable.Range(0, x.Count).Select(r => (x.UserKeys[r], x.ItemKeys[r], 1f)).ToList();
        var train = MfTestData.Make(31, 20, rows);
        var valid = new Interactions(train.Users, train.Items, [0, 1, 2, 30, 30], [5, 6, 7, 3, 11], [1f, 1f, 1f, 1f, 1f], new long[5]);
        var log = new MfTestData.ProgressLog();
        var model = new ImplicitAlsTrainer(new ImplicitAlsOptions { Factors = 4, Iterations = 3, ValidateEachIteration = true, Solver = solver, Threads = 1 })
            .Fit(TwoTower.MLNet.Training.TrainingData.FromEncoded(train, valid), log);
        var final = TwoTower.MLNet.Evaluation.RetrievalEvaluator.EvaluateFullRanking(model, train, valid, threads: 1).Metrics;
        foreach (var (name, value) in final)
            Assert.AreEqual(value, log.Reports[^1].Metrics![name], 1e-12, name);
    }

    [TestMethod]
    public void Options_ZeroFactors_ThrowsNamingFactors()
    {
        var ex = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new ImplicitAlsTrainer(new ImplicitAlsOptions { Factors = 0 }));
        Assert.AreEqual("Factors", ex.ParamName);
        StringAssert.Contains(ex.Message, "0");
    }

    [TestMethod]
    [DataRow("Regularization")]
    [DataRow("Alpha")]
    public void Options_Negative_ThrowsNamingOptionAndValue(string name)
    {
        var o = new ImplicitAlsOptions();
        if (name == "Regularization") o.Regularization = -1.5f; else o.Alpha = -1.5f;
        var ex = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new ImplicitAlsTrainer(o));
        Assert.AreEqual(name, ex.ParamName);
        StringAssert.Contains(ex.Message, "-1.5");
    }

    [TestMethod]
    public void Options_ExponentAboveOne_ThrowsNamingOption()
    {
        var ex = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new ImplicitAlsTrainer(new ImplicitAlsOptions { RegularizationExponent = 1.5f }));
        Assert.AreEqual("RegularizationExponent", ex.ParamName);
        StringAssert.Contains(ex.Message, "1.5");
    }

    [TestMethod]
    public void Options_NaNRegularization_Throws()
    {
        var ex = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new ImplicitAlsTrainer(new ImplicitAlsOptions { Regularization = float.NaN }));
        Assert.AreEqual("Regularization", ex.ParamName);
    }

    [TestMethod]
    public void Fit_EmptyInteractions_ThrowsArgumentException()
    {
        var empty = MfTestData.Make(2, 2, Array.Empty<(int, int, float)>());
        var ex = Assert.ThrowsExactly<ArgumentException>(() => new ImplicitAlsTrainer().Fit(empty));
        StringAssert.Contains(ex.Message, "empty");
    }

    [TestMethod]
    public void Options_ZeroRegularization_RefusedForEverySolver()
    {
        // Without a ridge, a row with fewer interactions than factors has a singular system: Cholesky failed on it and
        // conjugate gradient returned factors of 1e20 or NaN. Both are refused up front now.
        foreach (var solver in new[] { AlsSolver.Cholesky, AlsSolver.ConjugateGradient })
        {
            var ex = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new ImplicitAlsTrainer(new ImplicitAlsOptions { Factors = 8, Regularization = 0f, Solver = solver }));
            StringAssert.Contains(ex.Message, "Regularization must be a finite number > 0");
        }
    }

    [TestMethod]
    [DataRow(AlsSolver.Cholesky, 1e30f, 1f)]
    [DataRow(AlsSolver.ConjugateGradient, 1e30f, 1f)]
    [DataRow(AlsSolver.ConjugateGradient, 1f, 1e30f)]
    public void Fit_ConfidenceOrRidgeBeyondFloat_ThrowsNamingTheCause(AlsSolver solver, float alpha, float reg)
    {
        // Found by an audit: Cholesky said "not positive definite (Regularization = 2); use Regularization > 0" with λ > 0,
        // conjugate gradient silently kept the random initial factors (alpha 1e20 and up), and λ = 1e30 gave
        // "userFactors[0] is NaN" from the model constructor.
        var x = MfTestData.Random(40, 30, 0.15, seed: 3);
        var ex = Assert.ThrowsExactly<TrainingFailedException>(() =>
            Fit(x, new ImplicitAlsOptions { Factors = 5, Iterations = 2, Alpha = alpha, Regularization = reg, Solver = solver, Threads = 2 }));
        StringAssert.Contains(ex.Message, "beyond float precision");
        StringAssert.Contains(ex.Message, "user key");
        StringAssert.Contains(ex.Message, "lower Alpha");
    }

    [TestMethod]
    public void Fit_LargeButRepresentableAlpha_FitsFiniteFactors()
    {
        var x = MfTestData.Random(40, 30, 0.15, seed: 3);
        foreach (var solver in new[] { AlsSolver.Cholesky, AlsSolver.ConjugateGradient })
        {
            var m = Fit(x, new ImplicitAlsOptions { Factors = 5, Iterations = 2, Alpha = 1e4f, Solver = solver, Threads = 1 });
            Assert.IsTrue(m.UserFactors.ToArray().All(float.IsFinite) && m.ItemFactors.ToArray().All(float.IsFinite), solver.ToString());
        }
    }

    internal static SparseMatrix BuildConfidence(Interactions x, ImplicitAlsOptions o)
    {
        var ones = Enumerable.Repeat(1f, x.Count).ToArray();
        var m = SparseMatrix.FromCoordinates(x.Users.Count, x.Items.Count, x.UserKeys, x.ItemKeys, ones, (a, b) => a + b);
        ImplicitAlsTrainer.ToConfidenceMinusOne(m.Values, o);
        return m;
    }

    [TestMethod]
    public void RecencyWeights_HandComputed_NewestCountsOnePlusBoost()
    {
        // User 0 has rows at times 30, 10, 20 (row order scrambled); user 1 has one row; user 2 ties at time 5 (item key breaks it).
        var x = new Interactions(new IdMap("user", ["a", "b", "c"]), new IdMap("item", ["i", "j", "k"]),
            [0, 0, 0, 1, 2, 2], [0, 1, 2, 0, 2, 1], [1, 1, 1, 1, 1, 1], [30, 10, 20, 7, 5, 5]);
        var w = global::TwoTower.MLNet.Training.RecencyExampleWeights.Compute(x, 2f, halfLife: 0);
        CollectionAssert.AreEqual(new[] { 3f, 1f, 2f, 3f, 3f, 1f }, w);
        CollectionAssert.AreEqual(new[] { 1f, 1f, 1f, 1f, 1f, 1f }, global::TwoTower.MLNet.Training.RecencyExampleWeights.Compute(x, 0f, halfLife: 0));
    }

    [TestMethod]
    public void Options_NegativeRecencyBoost_ThrowsNamingOption()
    {
        var ex = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new ImplicitAlsTrainer(new ImplicitAlsOptions { RecencyBoost = -1f }));
        Assert.AreEqual("RecencyBoost", ex.ParamName);
    }
}
