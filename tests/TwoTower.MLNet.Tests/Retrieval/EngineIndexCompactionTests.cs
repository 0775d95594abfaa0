using TwoTower.MLNet.Data;
using TwoTower.MLNet.Index;
using TwoTower.MLNet.Retrieval.Engine;

namespace TwoTower.MLNet.Tests.Retrieval;

/// <summary>The engine compacts its index on a background task: the write that passes the tombstone share does not wait for it.</summary>
[TestClass]
public sealed class EngineIndexCompactionTests
{
    [TestMethod]
    public void RemoveItem_PassesTheTombstoneShare_ReturnsWhileTheCompactionIsPausedAndSearchesStayRight()
    {
        // The compaction ran inside the write that triggered it, under the engine's write lock: that PUT or DELETE, every
        // other write and Save waited for the whole rebuild (seconds at 100k items).
        PausedCompactionIndex? paused = null;
        using var e = Engine(d => paused = new PausedCompactionIndex(IndexFactory.Create("HNSW16", d, VectorMetric.InnerProduct)));
        var removed = Enumerable.Range(1, 8).Select(i => i.ToString()).ToArray();
        var putVector = e.Catalog.GetLive("20")!.Vector!.Select(v => -v).ToArray();
        try
        {
            var writes = Task.Run(() =>
            {
                foreach (var id in removed) Assert.IsTrue(e.RemoveItem(id));
                e.PutItem(new ItemRecord("new", "New", [], null), putVector);
                e.AppendHistory("someone", ["new"]);
            });
            Assert.IsTrue(paused!.Entered.Wait(TimeSpan.FromSeconds(20)), "8 tombstones beside 22 live vectors start a compaction");
            Assert.IsTrue(writes.Wait(TimeSpan.FromSeconds(20)), "the writes waited for the paused compaction");
            var similar = e.Similar("20", 30).Select(s => s.ItemId).ToArray();
            Assert.IsFalse(similar.Intersect(removed).Any(), "a search during the compaction returned a removed item");
            CollectionAssert.Contains(e.Similar("21", 30).Select(s => s.ItemId).ToArray(), "new", "the item put during the compaction is found");
        }
        finally
        {
            paused!.Release.Set();
        }
        e.WaitForIndexCompaction();
        Assert.AreEqual(0, e.Index!.RemovedCount);
        Assert.AreEqual(23, e.Index.Count);
        var after = e.Similar("21", 30).Select(s => s.ItemId).ToArray();
        Assert.IsFalse(after.Intersect(removed).Any(), "a removed item came back after the compaction");
        CollectionAssert.Contains(after, "new");
    }

    [TestMethod]
    public void Dispose_WhileACompactionIsPaused_CancelsItAndReturns()
    {
        PausedCompactionIndex? paused = null;
        var e = Engine(d => paused = new PausedCompactionIndex(IndexFactory.Create("HNSW16", d, VectorMetric.InnerProduct)));
        var writes = Task.Run(() => { for (var i = 1; i <= 8; i++) e.RemoveItem(i.ToString()); });
        Assert.IsTrue(paused!.Entered.Wait(TimeSpan.FromSeconds(20)));
        Assert.IsTrue(writes.Wait(TimeSpan.FromSeconds(20)), "the writes waited for the paused compaction");
        var dispose = Task.Run(e.Dispose);
        Assert.IsTrue(dispose.Wait(TimeSpan.FromSeconds(20)), "Dispose cancelled the paused compaction");
        Assert.IsTrue(paused.Cancelled, "the compaction saw the cancel");
        Assert.ThrowsExactly<ObjectDisposedException>(() => e.RemoveItem("9"));
    }

    private static RetrievalEngine Engine(Func<int, IVectorIndex> createIndex) =>
        RetrievalEngine.Create(RetrievalFixture.Model(), RetrievalFixture.Items(), null, new RetrievalEngineOptions
        {
            ProjectionMinInteractions = 0, CompactIndexAtRemovedShare = 0.25f, CreateIndex = createIndex,
        });

    // An index whose compaction signals Entered, then waits for Release or a cancel before it compacts.
    private sealed class PausedCompactionIndex(IVectorIndex inner) : ForwardingIndex(inner)
    {
        public ManualResetEventSlim Entered { get; } = new();
        public ManualResetEventSlim Release { get; } = new();
        public volatile bool Cancelled;

        public override void Compact() => Compact(CancellationToken.None);

        public override void Compact(CancellationToken cancellationToken)
        {
            Entered.Set();
            try
            {
                Release.Wait(TimeSpan.FromSeconds(60), cancellationToken);
            }
            catch (OperationCanceledException)
            {
                Cancelled = true;
                throw;
            }
            Inner.Compact(cancellationToken);
        }
    }
}
