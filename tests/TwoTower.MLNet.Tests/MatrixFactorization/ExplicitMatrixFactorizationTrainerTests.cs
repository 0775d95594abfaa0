using TwoTower.MLNet.MatrixFactorization;
using TwoTower.MLNet.Persistence;
using TwoTower.MLNet.Training;

namespace TwoTower.MLNet.Tests.MatrixFactorization;

[TestClass]
public sealed class ExplicitMatrixFactorizationTrainerTests
{
    // Ratings from a rank-2 model with biases, observed on about half of the cells.
    private static (TwoTower.MLNet.Data.Interactions Train, TwoTower.MLNet.Data.Interactions Test) Planted()
    {
        var rng = new Random(31);
        const int users = 40, items = 30;
        var xu = Enumerable.Range(0, users * 2).Select(_ => (float)rng.NextDouble()).ToArray();
        var yi = Enumerable.Range(0, items * 2).Select(_ => (float)rng.NextDouble()).ToArray();
        var train = new List<(int, int, float)>();
        var test = new List<(int, int, float)>();
        for (var u = 0; u < users; u++)
            for (var i = 0; i < items; i++)
            {
                var r = 3f + 0.02f * (u % 5) - 0.03f * (i % 4) + xu[2 * u] * yi[2 * i] + xu[2 * u + 1] * yi[2 * i + 1];
                var roll = rng.NextDouble();
                if (roll < 0.5) train.Add((u, i, r));
                else if (roll < 0.6) test.Add((u, i, r));
            }
        var tr = MfTestData.Make(users, items, train);
        var te = new TwoTower.MLNet.Data.Interactions(tr.Users, tr.Items, test.Select(t => t.Item1).ToArray(), test.Select(t => t.Item2).ToArray(),
            test.Select(t => t.Item3).ToArray(), new long[test.Count]);
        return (tr, te);
    }

    [TestMethod]
    public void Fit_PlantedLowRank_ObjectiveDecreasesAndTestRmseIsSmall()
    {
        var (train, test) = Planted();
        var log = new MfTestData.ProgressLog();
        var model = new ExplicitMatrixFactorizationTrainer(new ExplicitMatrixFactorizationOptions { Factors = 4, Regularization = 0.01f, Iterations = 12 })
            .Fit(train, test, log);
        var losses = log.Reports.Select(r => r.Loss!.Value).ToArray();
        for (var i = 1; i < losses.Length; i++)
            Assert.IsLessThanOrEqualTo(losses[i - 1] * (1 + 1e-5), losses[i], $"iteration {i + 1}");
        Assert.IsTrue(log.Reports[^1].Metrics!.ContainsKey("RMSE(valid)"));
        var m = RatingMetrics.Evaluate(model, test);
        Assert.IsLessThan(0.1, m.RootMeanSquaredError, $"RMSE {m.RootMeanSquaredError}");
        Assert.AreEqual(test.Count, m.Count);
        Assert.IsTrue(model.HasBiases);
    }

    [TestMethod]
    [DataRow(true)]
    [DataRow(false)]
    public void HalfStep_TinyCase_MatchesDirectNormalEquations(bool biases)
    {
        // 3 users × 4 items, 2 factors: each user's [x_u, b_u] solves (Σ ỹỹᵀ + λ n_u I) z = Σ (r − μ − b_i) ỹ, ỹ = [y_i, 1].
        const int k = 2, w = k + 1;
        const float mu = 3f, reg = 0.3f;
        (int U, int I, float R)[] rows = [(0, 0, 4f), (0, 2, 1f), (1, 0, 3f), (1, 1, 5f), (1, 3, 2f), (2, 2, 1f), (2, 1, 2f), (2, 3, 5f)];
        var x = MfTestData.Make(3, 4, rows);
        var rng = new Random(3);
        var other = Enumerable.Range(0, 4 * w).Select(_ => (float)rng.NextDouble() - 0.5f).ToArray();
        var target = new float[3 * w];
        ExplicitMatrixFactorizationTrainer.HalfStep(x.ToUserItemMatrix(binary: false), other, target, k, mu, reg, biases, 1, x.Users);
        var dim = biases ? w : k;
        for (var u = 0; u < 3; u++)
        {
            var a = new double[dim, dim];
            var b = new double[dim];
            var mine = rows.Where(r => r.U == u).ToArray();
            foreach (var (_, i, r) in mine)
            {
                var g = new double[dim];
                for (var d = 0; d < k; d++) g[d] = other[i * w + d];
                if (biases) g[k] = 1;
                var t = r - mu - (biases ? other[i * w + k] : 0);
                for (var p = 0; p < dim; p++)
                {
                    b[p] += t * g[p];
                    for (var q = 0; q < dim; q++) a[p, q] += g[p] * g[q];
                }
            }
            for (var p = 0; p < dim; p++) a[p, p] += reg * mine.Length;
            var expected = MfTestData.SolveDense(a, b);
            for (var p = 0; p < dim; p++) Assert.AreEqual(expected[p], target[u * w + p], 1e-5, $"user {u}, unknown {p}");
            if (!biases) Assert.AreEqual(0f, target[u * w + k], "without biases the bias column stays 0");
        }
    }

    [TestMethod]
    public void Fit_SameSeedDifferentThreads_IdenticalModel()
    {
        var x = MfTestData.Random(60, 40, 0.2, seed: 9, ratings: true);
        MatrixFactorizationModel Fit(int threads) =>
            new ExplicitMatrixFactorizationTrainer(new ExplicitMatrixFactorizationOptions { Factors = 8, Iterations = 4, Threads = threads }).Fit(x);
        var (a, b) = (Fit(1), Fit(2));
        CollectionAssert.AreEqual(a.UserFactors.ToArray(), b.UserFactors.ToArray());
        CollectionAssert.AreEqual(a.ItemFactors.ToArray(), b.ItemFactors.ToArray());
        CollectionAssert.AreEqual(a.UserBiases.ToArray(), b.UserBiases.ToArray());
        CollectionAssert.AreEqual(a.ItemBiases.ToArray(), b.ItemBiases.ToArray());
    }

    [TestMethod]
    public void Fit_RepeatedPair_TheLastRatingWins()
    {
        // (u0, i1) is rated 1 and then 5: the model equals one fitted on the 5 alone, global mean included.
        (int, int, float)[] rows = [(0, 0, 4f), (1, 0, 3f), (1, 1, 5f), (2, 2, 1f), (2, 1, 2f), (0, 2, 3f)];
        var o = new ExplicitMatrixFactorizationOptions { Factors = 2, Iterations = 3, Threads = 1 };
        var last = new ExplicitMatrixFactorizationTrainer(o).Fit(MfTestData.Make(3, 3, [.. rows, (0, 1, 5f)]));
        var both = new ExplicitMatrixFactorizationTrainer(o).Fit(MfTestData.Make(3, 3, [(0, 1, 1f), .. rows, (0, 1, 5f)]));
        Assert.AreEqual(last.GlobalMean, both.GlobalMean);
        CollectionAssert.AreEqual(last.UserFactors.ToArray(), both.UserFactors.ToArray());
        CollectionAssert.AreEqual(last.ItemBiases.ToArray(), both.ItemBiases.ToArray());
    }

    [TestMethod]
    public void RatingMetrics_HandComputed_RmseAndMae()
    {
        var m = RatingMetrics.Compute(new float[] { 1, 2, 3 }, new float[] { 1, 3, 5 });
        Assert.AreEqual(Math.Sqrt(5.0 / 3.0), m.RootMeanSquaredError, 1e-12);
        Assert.AreEqual(1.0, m.MeanAbsoluteError, 1e-12);
        Assert.AreEqual(3, m.Count);
    }

    [TestMethod]
    public void RatingMetrics_LengthMismatch_Throws()
    {
        var ex = Assert.ThrowsExactly<ArgumentException>(() => RatingMetrics.Compute(new float[2], new float[3]));
        Assert.AreEqual("predicted", ex.ParamName);
    }

    [TestMethod]
    public void Predict_WithBiases_EqualsMeanPlusBiasesPlusDot()
    {
        var (train, _) = Planted();
        var model = new ExplicitMatrixFactorizationTrainer(new ExplicitMatrixFactorizationOptions { Factors = 3, Iterations = 3 }).Fit(MfTestData.Data(train));
        var x = model.UserFactors.Span;
        var y = model.ItemFactors.Span;
        var expected = model.GlobalMean + model.UserBiases.Span[2] + model.ItemBiases.Span[5];
        for (var d = 0; d < 3; d++) expected += x[2 * 3 + d] * y[5 * 3 + d];
        Assert.AreEqual(expected, model.Predict(2, 5), 1e-5);
        var scores = new float[30];
        model.Score(new[] { 2 }, scores);
        Assert.AreEqual(expected, scores[5], 1e-4);
        // Unknown users: zero factors and zero bias, so μ + b_i.
        Assert.AreEqual(model.GlobalMean + model.ItemBiases.Span[5], model.Predict(-1, 5), 1e-5);
    }

    [TestMethod]
    public void SaveLoad_WithBiases_IdenticalScores()
    {
        var (train, _) = Planted();
        var model = new ExplicitMatrixFactorizationTrainer(new ExplicitMatrixFactorizationOptions { Factors = 3, Iterations = 3 }).Fit(MfTestData.Data(train));
        var path = MfTestData.TempPath(".zip");
        try
        {
            ModelRegistry.Save(model, path);
            var loaded = (MatrixFactorizationModel)ModelRegistry.Load(path);
            Assert.AreEqual("mf", loaded.ModelType);
            var keys = new[] { -1, 0, 7, 39 };
            var s1 = new float[4 * 30];
            var s2 = new float[4 * 30];
            model.Score(keys, s1);
            loaded.Score(keys, s2);
            CollectionAssert.AreEqual(s1, s2);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [TestMethod]
    public void Options_ZeroFactorsOrNegativeRegularization_Throws()
    {
        Assert.AreEqual("Factors", Assert.ThrowsExactly<ArgumentOutOfRangeException>(() =>
            new ExplicitMatrixFactorizationTrainer(new ExplicitMatrixFactorizationOptions { Factors = 0 })).ParamName);
        Assert.AreEqual("Regularization", Assert.ThrowsExactly<ArgumentOutOfRangeException>(() =>
            new ExplicitMatrixFactorizationTrainer(new ExplicitMatrixFactorizationOptions { Regularization = -0.1f })).ParamName);
    }

    [TestMethod]
    public void Fit_SingularSystemWithoutRidge_ThrowsNamingTheUserById()
    {
        // Found by an audit: the message said "The normal equations of row 0 are singular", not whether row 0 was a user or
        // an item, nor which one. With λ = 0, 4 factors and a bias, a user with fewer than 5 ratings has no unique solution.
        var x = MfTestData.Make(3, 3, [(0, 0, 4f), (1, 0, 3f), (1, 1, 5f), (2, 2, 1f), (2, 1, 2f)]);
        var ex = Assert.ThrowsExactly<TrainingFailedException>(() => new ExplicitMatrixFactorizationTrainer(
            new ExplicitMatrixFactorizationOptions { Factors = 4, Regularization = 0f, Iterations = 1, Threads = 1 }).Fit(x));
        StringAssert.Contains(ex.Message, "user 'u0' (1 rating)");
        // 5 unknowns (4 factors and the bias) need 5 ratings at least, not more than 5: 5 independent ones solve the system.
        StringAssert.Contains(ex.Message, "needs at least as many ratings as its 5 unknowns");
        StringAssert.Contains(ex.Message, "use Regularization > 0");
    }

    [TestMethod]
    [DataRow(float.NaN)]
    [DataRow(float.PositiveInfinity)]
    public void Fit_NonFiniteRating_ThrowsNamingRowIdsAndValue(float bad)
    {
        // Found by an audit: Interactions built in code are not checked like loaded files, and a NaN rating ended in
        // "The normal equations of row 0 overflowed float precision: the ratings or factors are too large".
        var x = MfTestData.Make(3, 3, [(0, 0, 4f), (1, 2, bad), (2, 1, 3f)]);
        var ex = Assert.ThrowsExactly<ArgumentException>(() => new ExplicitMatrixFactorizationTrainer(new ExplicitMatrixFactorizationOptions { Factors = 2 }).Fit(x));
        StringAssert.Contains(ex.Message, "Training row 1 (user 'u1', item 'i2')");
        StringAssert.Contains(ex.Message, $"rating {bad}");
    }

    [TestMethod]
    public void Fit_EmptyInteractions_ThrowsArgumentException()
    {
        var empty = MfTestData.Make(2, 2, Array.Empty<(int, int, float)>());
        Assert.ThrowsExactly<ArgumentException>(() => new ExplicitMatrixFactorizationTrainer().Fit(empty));
    }
}
