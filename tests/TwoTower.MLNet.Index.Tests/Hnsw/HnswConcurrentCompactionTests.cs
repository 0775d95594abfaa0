using TwoTower.MLNet.Index;
using TwoTower.MLNet.Index.Hnsw;
using static TwoTower.MLNet.Index.Tests.Hnsw.HnswTestData;

namespace TwoTower.MLNet.Index.Tests.Hnsw;

[TestClass]
public sealed class HnswConcurrentCompactionTests
{
    private const int D = 16;
    private const int N = 1500;

    [TestMethod]
    public void Compact_WritesAndSearchesWhileTheRebuildIsPaused_AllFinishAndTheResultHoldsTheLatestVectors()
    {
        // The rebuild held the index's write lock throughout: an Add, Remove or Replace waited for all of it (seconds at 100k).
        var data = Clustered(N, D, 15, 21);
        var extra = Clustered(200, D, 15, 22);
        using var index = new HnswIndex(D, VectorMetric.L2, new HnswOptions { BuildThreads = 1, EfConstruction = 64 });
        index.Add(Ids(N), data);
        for (long id = 0; id < N; id += 3) index.Remove(id);
        var latest = new Dictionary<long, float[]>();
        for (long id = 0; id < N; id++) if (id % 3 != 0) latest[id] = data.AsSpan((int)id * D, D).ToArray();

        using var paused = new ManualResetEventSlim();
        using var resume = new ManualResetEventSlim();
        int compactingThread = -1;
        index.NodeLinked = node => { if (node == 100 && Environment.CurrentManagedThreadId == Volatile.Read(ref compactingThread)) { paused.Set(); resume.Wait(); } };
        var compaction = Task.Factory.StartNew(() => { Volatile.Write(ref compactingThread, Environment.CurrentManagedThreadId); index.Compact(); }, TaskCreationOptions.LongRunning);
        try
        {
            Assert.IsTrue(paused.Wait(TimeSpan.FromSeconds(30)), "the rebuild reached node 100");
            var removedMeanwhile = new HashSet<long>();
            var writes = Task.Run(() =>
            {
                // New ids, removed live ids, replaced live ids, an id removed then added back, a new id removed again.
                for (int i = 0; i < 150; i++)
                {
                    long id = N + i;
                    index.Add([id], extra.AsSpan(i * D, D));
                    latest[id] = extra.AsSpan(i * D, D).ToArray();
                }
                for (long id = 1; id < 300; id += 3) { Assert.IsTrue(index.Remove(id)); latest.Remove(id); removedMeanwhile.Add(id); }
                for (long id = 2; id < 600; id += 3)
                {
                    var moved = latest[id].Select(v => v + 0.5f).ToArray();
                    index.Replace(id, moved);
                    latest[id] = moved;
                }
                index.Add([1L], extra.AsSpan(160 * D, D));
                latest[1] = extra.AsSpan(160 * D, D).ToArray();
                removedMeanwhile.Remove(1);
                Assert.IsTrue(index.Remove(N + 7));
                latest.Remove(N + 7);
                removedMeanwhile.Add(N + 7);
                var hits = index.Search(extra.AsSpan(0, 20 * D), 20, new SearchOptions { EfSearch = 200 });
                Assert.IsFalse(hits.Ids.Any(removedMeanwhile.Contains), "a search during the rebuild returned a removed id");
            });
            Assert.IsTrue(writes.Wait(TimeSpan.FromSeconds(20)), "writes waited for the paused rebuild");
            Assert.IsFalse(compaction.IsCompleted, "the rebuild is still paused");
        }
        finally
        {
            resume.Set();
        }
        compaction.Wait();
        index.NodeLinked = null;

        Assert.AreEqual(latest.Count, index.Count);
        Assert.AreEqual(index.Count + index.RemovedCount, index.NodeCount, "only the tombstones of the writes during the rebuild are left");
        var all = index.Search(latest[2], index.Count + 50, new SearchOptions { EfSearch = 2000 });
        Assert.IsFalse(all.Ids.Any(id => id >= 0 && !latest.ContainsKey(id)), "a removed id came back after the compaction");
        foreach (var (id, vector) in latest)
        {
            var hit = index.Search(vector, 1, new SearchOptions { EfSearch = 100 });
            Assert.AreEqual(id, hit.Ids[0], $"id {id} is found at its latest vector");
        }
    }

    [TestMethod]
    public void Compact_SecondCallWhileOneRuns_WaitsAndLeavesNoTombstone()
    {
        var data = Clustered(N, D, 15, 23);
        using var index = new HnswIndex(D, VectorMetric.L2, new HnswOptions { BuildThreads = 1, EfConstruction = 64 });
        index.Add(Ids(N), data);
        for (long id = 0; id < N; id += 4) index.Remove(id);
        using var paused = new ManualResetEventSlim();
        using var resume = new ManualResetEventSlim();
        int compactingThread = -1;
        index.NodeLinked = node => { if (node == 50 && Environment.CurrentManagedThreadId == Volatile.Read(ref compactingThread)) { paused.Set(); resume.Wait(); } };
        var first = Task.Factory.StartNew(() => { Volatile.Write(ref compactingThread, Environment.CurrentManagedThreadId); index.Compact(); }, TaskCreationOptions.LongRunning);
        Task second;
        try
        {
            Assert.IsTrue(paused.Wait(TimeSpan.FromSeconds(30)));
            var remove = Task.Run(() => index.Remove(1));
            Assert.IsTrue(remove.Wait(TimeSpan.FromSeconds(20)), "a remove waited for the paused rebuild");
            Assert.IsTrue(remove.Result);
            second = Task.Run(index.Compact);
            Assert.IsFalse(second.Wait(200), "the second compaction waits for the running one");
        }
        finally
        {
            resume.Set();
        }
        first.Wait();
        second.Wait();
        Assert.AreEqual(0, index.RemovedCount, "the second compaction reclaimed the tombstone written during the first");
        Assert.AreEqual(index.Count, index.NodeCount);
    }

    [TestMethod]
    public void Compact_Cancelled_LeavesTheIndexAsItWas()
    {
        var data = Clustered(N, D, 15, 24);
        using var index = new HnswIndex(D, VectorMetric.L2, new HnswOptions { BuildThreads = 1 });
        index.Add(Ids(N), data);
        for (long id = 0; id < N; id += 4) index.Remove(id);
        using var cts = new CancellationTokenSource();
        index.NodeLinked = node => { if (node == 50) cts.Cancel(); };
        Assert.ThrowsExactly<OperationCanceledException>(() => ((IVectorIndex)index).Compact(cts.Token));
        index.NodeLinked = null;
        Assert.AreEqual(N, index.NodeCount);
        Assert.AreEqual(N / 4, index.RemovedCount);
        Assert.AreEqual(5L, index.Search(data.AsSpan(5 * D, D), 1).Ids[0]);
        index.Compact();
        Assert.AreEqual(N - N / 4, index.NodeCount);
    }

    [TestMethod]
    public void Compact_NothingRunsMeanwhile_SameGraphAsAnIndexBuiltFromTheSurvivors()
    {
        // One build thread and a seed give one graph: the compacted index is the index of the surviving rows, added in order.
        var data = Clustered(N, D, 15, 25);
        var options = new HnswOptions { BuildThreads = 1, Seed = 9 };
        using var compacted = new HnswIndex(D, VectorMetric.Cosine, options);
        compacted.Add(Ids(N), data);
        for (long id = 0; id < N; id += 5) compacted.Remove(id);
        compacted.Compact();
        var survivors = Enumerable.Range(0, N).Where(i => i % 5 != 0).ToArray();
        using var fresh = new HnswIndex(D, VectorMetric.Cosine, options);
        fresh.Add(survivors.Select(i => (long)i).ToArray(), survivors.SelectMany(i => data.AsSpan(i * D, D).ToArray()).ToArray());
        var a = compacted.Graph;
        var b = fresh.Graph;
        Assert.AreEqual(b.NodeCount, a.NodeCount);
        Assert.AreEqual(b.Entry, a.Entry);
        for (int node = 0; node < a.NodeCount; node++)
        {
            Assert.AreEqual(b.Labels[node], a.Labels[node]);
            Assert.AreEqual(b.Levels[node], a.Levels[node]);
            for (int layer = 0; layer <= a.Levels[node]; layer++)
                CollectionAssert.AreEqual(b.LinksAt(node, layer).ToArray(), a.LinksAt(node, layer).ToArray(), $"node {node} layer {layer}");
        }
    }
}
