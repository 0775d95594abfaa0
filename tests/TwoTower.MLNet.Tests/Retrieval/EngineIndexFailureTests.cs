using TwoTower.MLNet.Data;
using TwoTower.MLNet.Index;
using TwoTower.MLNet.Retrieval.Engine;

namespace TwoTower.MLNet.Tests.Retrieval;

/// <summary>A put or a remove whose index write fails (a shared index out of reach), the retry that follows, and the restart after it.</summary>
[TestClass]
public sealed class EngineIndexFailureTests
{
    [TestMethod]
    [DataRow("2")]
    [DataRow("brand-new")]
    public void PutItem_IndexWriteFailsOnce_RetryOfThePutStoresTheVector(string itemId)
    {
        // The catalogue took the new vector before the index write failed; the retry then found the item live with that
        // very vector and left the index alone: searches kept the old vector (or, for a new item, never found it) until a restart.
        FlakyIndex? flaky = null;
        using var e = RetrievalEngine.Create(RetrievalFixture.Model(), RetrievalFixture.Items(), null, new RetrievalEngineOptions
        {
            ProjectionMinInteractions = 0,
            CreateIndex = d => flaky = new FlakyIndex(IndexFactory.Create("Flat", d, VectorMetric.InnerProduct)),
        });
        var moved = e.Catalog.Get(0)!.Vector!.Select(v => -100 * v).ToArray();
        var record = new ItemRecord(itemId, "Moved", [], null);
        flaky!.FailNextWrite = true;
        Assert.ThrowsExactly<IOException>(() => e.PutItem(record, moved));
        e.PutItem(record, moved);
        var key = e.Catalog.GetLive(itemId)!.Key;
        Assert.AreEqual(key, (int)flaky.Search(moved, 1).IdsOf(0)[0], "the index holds the new vector");
        Assert.AreEqual(key, e.Similar("1", 30).Select(s => s.Item.Key).Single(k => k == key), "similar items list it");
    }

    [TestMethod]
    [DataRow("2")]
    [DataRow("brand-new")]
    public void PutItem_IndexWriteFails_RestartRecoversTheStateTheFailureLeft(string itemId)
    {
        // The put was logged before the index write failed and the caller was told it failed (HTTP 500), yet a restart
        // replayed the record: the item came back with the refused title and vector.
        var dir = TestPaths.TempDir();
        FlakyIndex? flaky = null;
        float[]? vectorBefore;
        string? titleBefore;
        int keyOfNext;
        using (var e = Engine(dir, d => flaky = new FlakyIndex(IndexFactory.Create("Flat", d, VectorMetric.InnerProduct))))
        {
            vectorBefore = e.Catalog.GetLive(itemId)?.Vector;
            titleBefore = e.Catalog.GetLive(itemId)?.Record.Title;
            var moved = e.Catalog.Get(0)!.Vector!.Select(v => -100 * v).ToArray();
            flaky!.FailNextWrite = true;
            Assert.ThrowsExactly<IOException>(() => e.PutItem(new ItemRecord(itemId, "Refused", [], null), moved));
            // A later new item: its key must come back alike (keys are given in order of arrival, also to failed new items).
            keyOfNext = e.PutItem(new ItemRecord("next", "Next", [], null), moved).Key;
        }
        using (var restarted = Engine(dir, null))
        {
            var item = restarted.Catalog.GetLive(itemId);
            if (vectorBefore is null) Assert.IsNull(item, "a new item whose put failed is not live after a restart");
            else
            {
                Assert.IsNotNull(item);
                Assert.AreEqual(titleBefore, item.Record.Title, "the refused title did not come back");
                CollectionAssert.AreEqual(vectorBefore, item.Vector, "the refused vector did not come back");
            }
            Assert.AreEqual(keyOfNext, restarted.Catalog.GetLive("next")!.Key, "the next item keeps its key");
        }
        Directory.Delete(dir, true);
    }

    [TestMethod]
    public void RemoveItem_IndexRemoveFails_ItemStaysLiveAndIndexedAndRetryRemovesIt()
    {
        // The catalogue dropped the item before the index Remove failed: the index kept its row (never served, but stored
        // until a compaction), a retry answered false (already removed) and left that row there.
        var dir = TestPaths.TempDir();
        FlakyIndex? flaky = null;
        using (var e = Engine(dir, d => flaky = new FlakyIndex(IndexFactory.Create("Flat", d, VectorMetric.InnerProduct))))
        {
            var removedBefore = flaky!.RemovedCount;
            flaky.FailNextRemove = true;
            Assert.ThrowsExactly<IOException>(() => e.RemoveItem("2"));
            Assert.IsNotNull(e.Catalog.GetLive("2"), "the failed remove left the item live, as the index still holds it");
            Assert.AreEqual(removedBefore, flaky.RemovedCount, "the index row is untouched");
        }
        using (var restarted = Engine(dir, d => flaky = new FlakyIndex(IndexFactory.Create("Flat", d, VectorMetric.InnerProduct))))
        {
            Assert.IsNotNull(restarted.Catalog.GetLive("2"), "the failed remove did not come back after a restart");
            var removedBefore = flaky!.RemovedCount;
            Assert.IsTrue(restarted.RemoveItem("2"), "the retry removes the item");
            Assert.IsNull(restarted.Catalog.GetLive("2"));
            Assert.AreEqual(removedBefore + 1, flaky.RemovedCount, "and its index row");
        }
        using (var again = Engine(dir, null))
            Assert.IsNull(again.Catalog.GetLive("2"), "the retried remove is durable");
        Directory.Delete(dir, true);
    }

    [TestMethod]
    [DataRow("put")]
    [DataRow("remove")]
    public void Update_IndexCompactionFails_UpdateIsAppliedToCatalogueAndIndexAndSurvivesRestart(string update)
    {
        // A put compacted the index after its Replace and before the catalogue update: a compaction that threw left the index
        // with the new vector and the catalogue with the old one, and the caller (HTTP 500) was told the put failed. A remove
        // whose compaction threw had dropped the item and was still answered as failed.
        var dir = TestPaths.TempDir();
        FailingCompactionIndex? index = null;
        float[] moved = [50, -50, 50, -50];
        var compacting = new RetrievalEngineOptions
        {
            IndexSpec = "Flat",
            ProjectionMinInteractions = 0,
            StateDirectory = dir,
            CompactIndexAtRemovedShare = 0.01f, // one tombstone is enough
            CreateIndex = d => index = new FailingCompactionIndex(IndexFactory.Create("Flat", d, VectorMetric.InnerProduct)),
        };
        using (var e = RetrievalEngine.Create(RetrievalFixture.Model(), RetrievalFixture.Items(), null, compacting))
        {
            var key = e.Catalog.GetLive("2")!.Key;
            index!.FailNextCompact = true;
            if (update == "put") e.PutItem(new ItemRecord("2", "Moved", [], null), moved);
            else Assert.IsTrue(e.RemoveItem("2"));
            e.WaitForIndexCompaction(); // it runs in the background
            Assert.AreEqual(1, index.CompactCalls, "the update asked for a compaction, which failed");
            Assert.AreEqual(1, e.IndexCompactionFailures, "the failure is counted for operators");
            Assert.AreEqual("Compaction failed", e.LastIndexCompactionError?.Message);
            var nearest = (int)index.Search(moved, 1).IdsOf(0)[0];
            if (update == "put")
            {
                CollectionAssert.AreEqual(moved, e.Catalog.GetLive("2")!.Vector, "the catalogue holds the new vector");
                Assert.AreEqual(key, nearest, "as the index does");
                Assert.AreEqual("Moved", e.Catalog.GetLive("2")!.Record.Title);
            }
            else
            {
                Assert.IsNull(e.Catalog.GetLive("2"), "the item is removed");
                Assert.AreNotEqual(key, nearest, "from the index too");
            }
            // The tombstone is still there: the next update that finds it compacts again.
            e.PutItem(new ItemRecord("3", "Moved too", [], null), moved.Select(v => -v).ToArray());
            e.WaitForIndexCompaction();
            Assert.AreEqual(2, index.CompactCalls);
            Assert.AreEqual(1, e.IndexCompactionFailures, "the retry succeeded");
            Assert.AreEqual(0, index.RemovedCount, "the retried compaction reclaimed the tombstones");
        }
        using (var restarted = Engine(dir, null))
        {
            if (update == "put") CollectionAssert.AreEqual(moved, restarted.Catalog.GetLive("2")!.Vector, "the put is durable");
            else Assert.IsNull(restarted.Catalog.GetLive("2"), "the remove is durable");
        }
        Directory.Delete(dir, true);
    }

    private static RetrievalEngine Engine(string state, Func<int, IVectorIndex>? createIndex) =>
        RetrievalEngine.Create(RetrievalFixture.Model(), RetrievalFixture.Items(), null, new RetrievalEngineOptions
        {
            IndexSpec = "Flat",
            ProjectionMinInteractions = 0,
            StateDirectory = state,
            CreateIndex = createIndex,
        });

    // A Flat index whose next compaction, when armed, fails (a rebuild out of memory, a VACUUM refused) and leaves it as it was.
    private sealed class FailingCompactionIndex(IVectorIndex inner) : ForwardingIndex(inner)
    {
        public bool FailNextCompact { get; set; }

        public int CompactCalls { get; private set; }

        public override void Compact() => Compact(CancellationToken.None);

        // The engine's background compaction calls this overload.
        public override void Compact(CancellationToken cancellationToken)
        {
            CompactCalls++;
            if (FailNextCompact)
            {
                FailNextCompact = false;
                throw new IOException("Compaction failed");
            }
            Inner.Compact(cancellationToken);
        }
    }

    // A Flat index whose next Add or Replace, or next Remove, when armed, fails as an unreachable database does.
    private sealed class FlakyIndex(IVectorIndex inner) : ForwardingIndex(inner)
    {
        public bool FailNextWrite { get; set; }

        public bool FailNextRemove { get; set; }

        public override void Add(ReadOnlySpan<long> ids, ReadOnlySpan<float> vectors)
        {
            FailIfArmed();
            Inner.Add(ids, vectors);
        }

        public override void Replace(long id, ReadOnlySpan<float> vector)
        {
            FailIfArmed();
            Inner.Replace(id, vector);
        }

        public override bool Remove(long id)
        {
            if (FailNextRemove)
            {
                FailNextRemove = false;
                throw new IOException("Connection refused");
            }
            return Inner.Remove(id);
        }

        private void FailIfArmed()
        {
            if (!FailNextWrite) return;
            FailNextWrite = false;
            throw new IOException("Connection refused");
        }
    }
}
