namespace TwoTower.MLNet.Index.Tests.Ivf;

/// <summary>Adds and threaded searches called from an app's own thread while searches keep the thread pool busy.</summary>
[TestClass]
[DoNotParallelize] // each test keeps every pool thread spinning
public sealed class IvfThreadPoolTests
{
    private const int D = 8;

    [TestMethod]
    [DataRow("IVF8,Flat", "add")]
    [DataRow("IVF8,PQ4", "add")]
    [DataRow("Flat", "search")]
    [DataRow("IVF8,Flat", "search")]
    [DataRow("IVF8,PQ4", "search")]
    public void CalledOutsideABusyThreadPool_DoesNotWaitForAPoolThread(string spec, string call)
    {
        // Found by an audit (as 726aee9 found for HNSW): Parallel.For waits for every replica it queued, so with the pool busy an
        // IVF Add of one vector (k-means assignment over IvfOptions.BuildThreads, even for a single block) and a search with
        // Threads = 2 waited for the pool to add a thread, seconds, when called from a thread outside the pool.
        const int n = 600;
        var x = TestData.Clustered(n, D, 8, 0.4f, 3);
        using var index = IndexFactory.Create(spec, D, VectorMetric.L2, buildThreads: 1);
        index.Train(x);
        index.Add(TestData.Ids(n), x);
        var queries = x.AsSpan(0, 64 * D).ToArray();
        var fresh = TestData.Gaussian(1, D, 9);
        // Warm up the code path (JIT) before the pool is made busy.
        Run();
        var milliseconds = BusyThreadPool.Milliseconds(Run, TimeSpan.FromSeconds(60), $"{spec} {call}");
        // Tens of ms at most under load (the spinners share the cores); waiting for the pool took about 5 s: the bound leaves room for a busy CI machine.
        Assert.IsLessThan(1500.0, milliseconds, $"{spec} {call} waited for a pool thread");

        void Run()
        {
            switch (call)
            {
                case "add":
                    index.Remove(n + 1);
                    index.Add([n + 1], fresh);
                    break;
                default:
                    Assert.AreEqual(64, index.Search(queries, 3, new SearchOptions { Threads = 2, NProbe = 2 }).QueryCount);
                    break;
            }
        }
    }
}
