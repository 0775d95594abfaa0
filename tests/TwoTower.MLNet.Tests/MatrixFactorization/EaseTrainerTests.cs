using TwoTower.MLNet.MatrixFactorization;
using TwoTower.MLNet.Training;
using TwoTower.MLNet.Persistence;

namespace TwoTower.MLNet.Tests.MatrixFactorization;

[TestClass]
public sealed class EaseTrainerTests
{
    [TestMethod]
    public void Fit_TinyMatrix_MatchesDirectDenseInverseWithZeroDiagonal()
    {
        var x = MfTestData.Random(8, 5, 0.4, seed: 21);
        const float lambda = 2f;
        var model = new EaseTrainer(new EaseOptions { Lambda = lambda, Threads = 1 }).Fit(x);
        var n = 5;
        var g = new double[n, n];
        var m = x.ToUserItemMatrix();
        for (var u = 0; u < m.Rows; u++)
            foreach (var i in m.RowIndices(u))
                foreach (var j in m.RowIndices(u)) g[i, j] += 1;
        for (var i = 0; i < n; i++) g[i, i] += lambda;
        var p = MfTestData.InverseDense(g);
        var b = model.Weights.Span;
        for (var i = 0; i < n; i++)
            for (var j = 0; j < n; j++)
            {
                var expected = i == j ? 0.0 : -p[i, j] / p[j, j];
                Assert.AreEqual(expected, b[i * n + j], 1e-5, $"B[{i},{j}]");
            }
        for (var i = 0; i < n; i++) Assert.AreEqual(0f, b[i * n + i], $"diagonal {i}");
    }

    [TestMethod]
    [DataRow(1)]
    [DataRow(2)]
    public void Invert_LargerThanOneBlock_GivesIdentityProduct(int threads)
    {
        // 300 > the 128 block size, so the blocked panel, trailing-update and triangular-inverse paths all run.
        const int n = 300;
        var rng = new Random(4);
        var f = new double[n, 40];
        for (var i = 0; i < n; i++) for (var d = 0; d < 40; d++) f[i, d] = rng.Next(2);
        var a = new float[n * n];
        var ad = new double[n, n];
        for (var i = 0; i < n; i++)
            for (var j = 0; j < n; j++)
            {
                double s = i == j ? 5.0 : 0.0;
                for (var d = 0; d < 40; d++) s += f[i, d] * f[j, d];
                ad[i, j] = s;
                a[i * n + j] = (float)s;
            }
        var inv = DenseSpdInverse.Invert(a, n, threads);
        double maxErr = 0;
        for (var i = 0; i < n; i += 7)
            for (var j = 0; j < n; j++)
            {
                double s = 0;
                for (var l = 0; l < n; l++) s += ad[i, l] * inv[l * n + j];
                maxErr = Math.Max(maxErr, Math.Abs(s - (i == j ? 1 : 0)));
            }
        Assert.IsLessThan(1e-3, maxErr);
    }

    [TestMethod]
    public void Fit_CancelledDuringTheInverse_StopsWithinABlockInsteadOfFinishingIt()
    {
        // 5000 items: the O(n³) inverse takes seconds (about 4 on two AVX-512 cores), each of its blocks (n² · 128 multiply-adds) a tenth or less.
        var x = MfTestData.Random(400, 5000, 0.002, seed: 31);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(1));
        var sw = System.Diagnostics.Stopwatch.StartNew();
        Assert.ThrowsExactly<OperationCanceledException>(() => new EaseTrainer(new EaseOptions { Threads = 2 }).Fit(x, null, cts.Token));
        Assert.IsLessThan(4.0, sw.Elapsed.TotalSeconds, "seconds from the start of Fit to its OperationCanceledException (cancelled at 1 s; about 1 s with the fix, 6.8 s without, idle)");
    }

    [TestMethod]
    public void Invert_NotPositiveDefinite_ThrowsInvalidOperation()
    {
        var a = new float[] { 1, 2, 2, 1 };
        var ex = Assert.ThrowsExactly<TrainingFailedException>(() => DenseSpdInverse.Invert(a, 2, 1));
        StringAssert.Contains(ex.Message, "positive definite");
    }

    [TestMethod]
    public void Score_KnownUser_IsSumOfHistoryRowsAndUnknownUserGetsPopularity()
    {
        var x = MfTestData.Random(10, 6, 0.3, seed: 23);
        var model = new EaseTrainer(new EaseOptions { Lambda = 3f }).Fit(x);
        var scores = new float[2 * 6];
        model.Score(new[] { 1, -1 }, scores);
        var m = x.ToUserItemMatrix();
        var b = model.Weights.Span;
        for (var j = 0; j < 6; j++)
        {
            var expected = 0f;
            foreach (var i in m.RowIndices(1)) expected += b[i * 6 + j];
            Assert.AreEqual(expected, scores[j], 1e-5);
        }
        var counts = x.ItemCounts();
        var max = counts.Max();
        for (var j = 0; j < 6; j++) Assert.AreEqual((float)counts[j] / max, scores[6 + j], 1e-6);
    }

    [TestMethod]
    public void Fit_RepeatedPairs_CountOnce()
    {
        var once = MfTestData.Random(12, 7, 0.3, seed: 25);
        var rows = Enumerable.Range(0, once.Count).Select(r => (once.UserKeys[r], once.ItemKeys[r], 1f)).ToList();
        var twice = MfTestData.Make(12, 7, [.. rows, .. rows.Take(10)]);
        var o = new EaseOptions { Lambda = 4f, Threads = 1 };
        var a = new EaseTrainer(o).Fit(once);
        var b = new EaseTrainer(o).Fit(twice);
        CollectionAssert.AreEqual(a.Weights.ToArray(), b.Weights.ToArray());
        var keys = Enumerable.Range(-1, 13).ToArray();
        var (s1, s2) = (new float[keys.Length * 7], new float[keys.Length * 7]);
        a.Score(keys, s1);
        b.Score(keys, s2);
        CollectionAssert.AreEqual(s1, s2);
    }

    [TestMethod]
    public void SaveLoad_RoundTrip_IdenticalScores()
    {
        var x = MfTestData.Random(12, 7, 0.3, seed: 25);
        var model = new EaseTrainer(new EaseOptions { Lambda = 4f }).Fit(x);
        var path = MfTestData.TempPath(".zip");
        try
        {
            ModelRegistry.Save(model, path);
            var loaded = ModelRegistry.Load(path);
            Assert.IsInstanceOfType<EaseModel>(loaded);
            var keys = Enumerable.Range(-1, 13).ToArray();
            var s1 = new float[keys.Length * 7];
            var s2 = new float[keys.Length * 7];
            model.Score(keys, s1);
            loaded.Score(keys, s2);
            CollectionAssert.AreEqual(s1, s2);
            Assert.AreEqual(4f, ((EaseModel)loaded).Lambda);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [TestMethod]
    [DataRow(0f)]
    [DataRow(-3f)]
    public void Options_NonPositiveLambda_ThrowsNamingLambda(float lambda)
    {
        var ex = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new EaseTrainer(new EaseOptions { Lambda = lambda }));
        Assert.AreEqual("Lambda", ex.ParamName);
        StringAssert.Contains(ex.Message, lambda.ToString(System.Globalization.CultureInfo.CurrentCulture));
    }

    [TestMethod]
    public void Fit_EmptyInteractions_ThrowsArgumentException()
    {
        var empty = MfTestData.Make(2, 2, Array.Empty<(int, int, float)>());
        Assert.ThrowsExactly<ArgumentException>(() => new EaseTrainer().Fit(empty));
    }
}
