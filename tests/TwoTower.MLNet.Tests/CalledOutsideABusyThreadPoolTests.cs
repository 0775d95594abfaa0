using TwoTower.MLNet.Batch;
using TwoTower.MLNet.Evaluation;
using TwoTower.MLNet.Features;
using TwoTower.MLNet.MatrixFactorization;
using TwoTower.MLNet.Models.Baselines;
using TwoTower.MLNet.Tests.MatrixFactorization;
using TwoTower.MLNet.Training;
using TwoTower.MLNet.TwoTowerModel;

namespace TwoTower.MLNet.Tests;

/// <summary>Fits, scoring and evaluation called from an app's own thread (a web app's request, a job's main thread) while the thread pool is busy.</summary>
[TestClass]
[DoNotParallelize] // each test keeps every pool thread spinning
public sealed class CalledOutsideABusyThreadPoolTests
{
    [TestMethod]
    [DataRow("implicit ALS fit")]
    [DataRow("explicit MF fit")]
    [DataRow("EASE fit")]
    [DataRow("dense Cholesky")]
    [DataRow("item-item fit")]
    [DataRow("batch scoring")]
    [DataRow("full-ranking evaluation")]
    [DataRow("genre coherence")]
    public void Call_WithTwoThreads_DoesNotWaitForAPoolThread(string call)
    {
        // Found by an audit (as 726aee9 found for the indexes): Parallel.For waits for every replica it queued, so with the pool
        // busy (a server under load) each parallel loop of these calls, made from a thread outside the pool, waited seconds for
        // the pool to add a thread although the calling thread could do all the work itself.
        var run = Call(call);
        // Warm up the code path (JIT) before the pool is made busy.
        run();
        var milliseconds = BusyThreadPool.Milliseconds(run, TimeSpan.FromSeconds(60), call);
        // Tens of ms at most under load (the spinners share the cores); waiting for the pool took seconds per loop: the bound leaves room for a busy CI machine.
        Assert.IsLessThan(1500.0, milliseconds, $"{call} waited for a pool thread");
    }

    private static Action Call(string call)
    {
        var implicitData = MfTestData.Data(MfTestData.Random(80, 60, 0.1, 1));
        switch (call)
        {
            case "implicit ALS fit":
                return () => new ImplicitAlsTrainer(new ImplicitAlsOptions { Factors = 8, Iterations = 1, Threads = 2 }).Fit(implicitData);
            case "explicit MF fit":
                var ratings = MfTestData.Data(MfTestData.Random(80, 60, 0.1, 1, ratings: true));
                return () => new ExplicitMatrixFactorizationTrainer(new ExplicitMatrixFactorizationOptions { Factors = 8, Iterations = 1, Threads = 2 }).Fit(ratings);
            case "EASE fit":
                // 60 items: the inverse's GEMM stays on one thread, the Gram matrix and the weights are split over two.
                return () => new EaseTrainer(new EaseOptions { Threads = 2 }).Fit(implicitData);
            case "dense Cholesky":
                // 150 rows: one trailing block of 22 rows, whose GEMM stays on one thread while its rows are split over two.
                var spd = Spd(150);
                return () => DenseSpdInverse.FactorLower((float[])spd.Clone(), 150, threads: 2);
            case "item-item fit":
                return () => new ItemItemTrainer(new ItemItemOptions { Threads = 2 }).Fit(implicitData);
            case "batch scoring":
                var model = new PopularityTrainer().Fit(implicitData);
                var users = implicitData.Users.RawIds.ToArray();
                return () => Assert.AreEqual(users.Length, BatchScorer.Score(model, null, users, new BatchScoringOptions { K = 5, BlockSize = 8, Threads = 2 }).Users);
            case "full-ranking evaluation":
                var popularity = new PopularityTrainer().Fit(implicitData);
                // 80 users with test rows: three blocks of 32 users.
                return () => RetrievalEvaluator.EvaluateFullRanking(popularity, implicitData.Train, implicitData.Train, [10], threads: 2);
            case "genre coherence":
                const int n = 200, d = 8;
                var rng = new Random(3);
                var vectors = Enumerable.Range(0, n * d).Select(_ => (float)rng.NextDouble() - 0.5f).ToArray();
                var genres = new BagFeature(ItemFeatureBuilder.Genres, 3, Enumerable.Range(0, n + 1).ToArray(), Enumerable.Range(0, n).Select(i => i % 3).ToArray());
                // 200 queries: four blocks of 64.
                return () => Assert.IsNotNull(EmbeddingDiagnostics.NeighbourGenreCoherence(vectors, n, d, genres, threads: 2));
            default:
                throw new ArgumentOutOfRangeException(nameof(call), call, "no such call");
        }
    }

    // A symmetric positive definite n × n matrix: diagonally dominant with small random off-diagonal values.
    private static float[] Spd(int n)
    {
        var rng = new Random(5);
        var a = new float[n * n];
        for (var i = 0; i < n; i++)
            for (var j = 0; j < i; j++) a[i * n + j] = a[j * n + i] = (float)rng.NextDouble() * 0.1f;
        for (var i = 0; i < n; i++) a[i * n + i] = n;
        return a;
    }
}
