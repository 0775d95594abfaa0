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

    private static RetrievalEngine Engine(string state, Func<int, IVectorIndex>? createIndex) =>
        RetrievalEngine.Create(RetrievalFixture.Model(), RetrievalFixture.Items(), null, new RetrievalEngineOptions
        {
            IndexSpec = "Flat",
            ProjectionMinInteractions = 0,
            StateDirectory = state,
            CreateIndex = createIndex,
        });

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
