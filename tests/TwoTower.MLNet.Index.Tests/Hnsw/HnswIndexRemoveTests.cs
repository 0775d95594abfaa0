using FsCheck;
using FsCheck.Fluent;
using TwoTower.MLNet.Index;
using TwoTower.MLNet.Index.Hnsw;
using static TwoTower.MLNet.Index.Tests.Hnsw.HnswTestData;

namespace TwoTower.MLNet.Index.Tests.Hnsw;

[TestClass]
public sealed class HnswIndexRemoveTests
{
    private const int D = 16;

    [TestMethod]
    public void Remove_RandomIds_NeverReturnedAndCountDrops()
    {
        var property = Prop.ForAll(Arb.From(Gen.Choose(1, 100_000)), seed =>
        {
            const int n = 1500;
            var data = Clustered(n, D, 15, seed);
            var ids = Ids(n);
            using var index = new HnswIndex(D, VectorMetric.Cosine, new HnswOptions { EfConstruction = 64 });
            index.Add(ids, data);
            var rng = new Random(seed);
            var removed = new HashSet<long>();
            while (removed.Count < 300) removed.Add(rng.Next(n));
            foreach (long id in removed) index.Remove(id);
            // Queries at the removed vectors themselves: their own ids would otherwise be the best hits.
            var queries = removed.Take(30).SelectMany(id => data.AsSpan((int)id * D, D).ToArray()).ToArray();
            var r = index.Search(queries, 10);
            bool none = r.Ids.All(id => id >= 0 && !removed.Contains(id));
            double recall = Recall(r, VectorMetric.Cosine, data, ids, D, queries, 10, id => !removed.Contains(id));
            return (none && index.Count == n - 300 && recall >= 0.9).Label($"seed {seed}: none {none}, count {index.Count}, recall {recall:F3}");
        });
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(4), property);
    }

    [TestMethod]
    [DataRow(VectorMetric.Cosine)]
    [DataRow(VectorMetric.L2)]
    public void Replace_FlippedBetweenTwoVectorsWithoutCompaction_StaysReachable(VectorMetric metric)
    {
        // Each flip inserts a node whose nearest neighbours are its own tombstoned copies (distance 0): linked only to them,
        // and dropped from their full lists by the pruning, the new node became unreachable after about 30 flips.
        const int n = 300;
        var data = Clustered(n, D, 10, 5);
        using var index = new HnswIndex(D, metric, new HnswOptions { BuildThreads = 1 });
        index.Add(Ids(n), data);
        var vectors = new[] { data.AsSpan(7 * D, D).ToArray(), data.AsSpan(8 * D, D).ToArray() };
        var options = new SearchOptions { EfSearch = 64 };
        for (var flip = 0; flip < 400; flip++)
        {
            var v = vectors[flip % 2];
            index.Replace(7, v);
            var hits = index.Search(v, 3, options).Ids;
            Assert.Contains(7L, hits, $"flip {flip}: id 7 not among the 3 nearest to its own vector ({string.Join(",", hits)}); {index.RemovedCount} tombstones");
        }
        Assert.AreEqual(n, index.Count);
    }

    [TestMethod]
    public void Remove_UnknownOrRemovedTwice_ReturnsFalse()
    {
        using var index = new HnswIndex(2, VectorMetric.L2);
        index.Add([1, 2], [0, 0, 1, 1]);
        Assert.IsTrue(index.Remove(1));
        Assert.IsFalse(index.Remove(1));
        Assert.IsFalse(index.Remove(77));
        Assert.AreEqual(1, index.Count);
        CollectionAssert.AreEqual(new long[] { 2, -1 }, index.Search([0, 0], 2).Ids);
    }

    [TestMethod]
    public void Add_IdRemovedEarlier_IsAcceptedAgainWithTheNewVector()
    {
        using var index = new HnswIndex(2, VectorMetric.L2);
        index.Add([1, 2], [0, 0, 5, 5]);
        index.Remove(1);
        index.Add([1], [5, 6]);
        var r = index.Search([5, 6], 2);
        CollectionAssert.AreEqual(new long[] { 1, 2 }, r.Ids);
        Assert.AreEqual(0f, r.Scores[0]);
    }

    [TestMethod]
    public void Compact_AfterRemovals_KeepsResultsAndDropsTombstones()
    {
        const int n = 3000;
        var data = Clustered(n, D, 30, 5);
        var queries = Clustered(40, D, 30, 6);
        var ids = Ids(n);
        using var index = new HnswIndex(D, VectorMetric.L2);
        index.Add(ids, data);
        var removed = new HashSet<long>(Enumerable.Range(0, n).Where(i => i % 7 == 3).Select(i => (long)i));
        foreach (long id in removed) index.Remove(id);
        var before = index.Search(queries, 10);
        index.Compact();
        var after = index.Search(queries, 10);
        Assert.AreEqual(n - removed.Count, index.Count);
        Assert.AreEqual(index.Count, index.NodeCount);
        Assert.IsTrue(after.Ids.All(id => id >= 0 && !removed.Contains(id)));
        double recallBefore = Recall(before, VectorMetric.L2, data, ids, D, queries, 10, id => !removed.Contains(id));
        double recallAfter = Recall(after, VectorMetric.L2, data, ids, D, queries, 10, id => !removed.Contains(id));
        Assert.IsTrue(recallAfter >= 0.95 && recallBefore >= 0.95, $"recall before {recallBefore:F3}, after {recallAfter:F3}");
        Assert.IsFalse(index.Remove(ids[3]), "a compacted-away id must stay unknown");
        index.Add([ids[3]], data.AsSpan(3 * D, D));
        Assert.AreEqual(ids[3], index.Search(data.AsSpan(3 * D, D), 1).Ids[0]);
    }

    [TestMethod]
    public void Compact_CalledOutsideABusyThreadPool_DoesNotWaitForAPoolThread()
    {
        // Parallel.For waited for the helper it had queued: with searches keeping the pool busy, compacting 30 vectors from a
        // thread outside the pool (an app's own thread) took 2 s, the pool's delay before it adds a thread.
        const int n = 200;
        var data = Clustered(n, D, 10, 8);
        using var index = new HnswIndex(D, VectorMetric.Cosine, new HnswOptions { BuildThreads = 2 });
        index.Add(Ids(n), data);
        for (int i = 0; i < n; i += 4) index.Remove(i);
        var milliseconds = BusyThreadPool.Milliseconds(() => index.Compact(), TimeSpan.FromSeconds(30), "the compaction");
        // Tens of ms at most under load (the spinners share the cores); waiting for the pool took about 5 s: the bound leaves room for a busy CI machine.
        Assert.IsLessThan(1500.0, milliseconds, "the compaction waited for a pool thread");
        Assert.AreEqual(n - n / 4, index.NodeCount);
        Assert.AreEqual(0, index.RemovedCount);
        Assert.AreEqual(1L, index.Search(data.AsSpan(D, D), 1).Ids[0]);
    }
}
