using TwoTower.MLNet.Index.Ivf;

namespace TwoTower.MLNet.Index.Tests.Ivf;

[TestClass]
public sealed class InvertedListsTests
{
    // One-byte codes, no vectors: a code is the row's id modulo 256, so every row can be checked by content.
    private static InvertedLists<PqList> Lists(int count)
    {
        var lists = new InvertedLists<PqList>();
        lists.Reset(Enumerable.Range(0, count).Select(_ => PqList.Empty(1, 4, keepVectors: false)).ToArray());
        return lists;
    }

    private static void Append(InvertedLists<PqList> lists, long[] ids, int[] assign) =>
        lists.Append(ids, assign, (list, memberIds, members) =>
        {
            CollectionAssert.AreEqual(members.Select(b => ids[b]).ToArray(), memberIds, "member ids follow the batch rows");
            return list.Append(memberIds, memberIds.Select(id => (byte)id).ToArray(), []);
        });

    [TestMethod]
    public void Append_GroupsRowsByListInBatchOrder()
    {
        var lists = Lists(3);
        Append(lists, [10, 11, 12, 13, 14], [2, 0, 2, 2, 0]);
        CollectionAssert.AreEqual(new long[] { 11, 14 }, lists.Lists[0].Ids[..lists.Lists[0].Rows]);
        Assert.AreEqual(0, lists.Lists[1].Rows);
        CollectionAssert.AreEqual(new long[] { 10, 12, 13 }, lists.Lists[2].Ids[..lists.Lists[2].Rows]);
        Assert.AreEqual(5, lists.Count);
        Assert.IsTrue(lists.Contains(13));
        Assert.IsFalse(lists.Contains(15));
    }

    [TestMethod]
    public void RemoveThenCompact_MovesRowsAndKeepsTheirPositions()
    {
        var lists = Lists(2);
        Append(lists, [1, 2, 3, 4, 5], [0, 0, 0, 0, 1]);
        var before = lists.Lists;
        Assert.IsTrue(lists.Remove(2));
        Assert.IsFalse(lists.Remove(2), "an id is removed once");
        Assert.AreEqual(4, lists.Count);
        Assert.AreEqual(4, before[0].Live, "a published snapshot keeps its live count");
        lists.Compact();
        var compacted = lists.Lists[0];
        CollectionAssert.AreEqual(new long[] { 1, 3, 4 }, compacted.Ids[..compacted.Rows]);
        CollectionAssert.AreEqual(new byte[] { 1, 3, 4 }, compacted.Codes.Span[..3].ToArray(), "codes move with their ids");
        Assert.AreSame(before[1], lists.Lists[1], "a list without tombstones is not rewritten");
        // Id 4 moved from row 3 to row 2: removing it must tombstone row 2 of the compacted list.
        Assert.IsTrue(lists.Remove(4));
        Assert.IsTrue(lists.Lists[0].Removed[2]);
        Assert.IsFalse(lists.Lists[0].Removed[1]);
        Assert.AreEqual(3, lists.Count);
    }

    [TestMethod]
    public void Reset_WhileHoldingVectors_Throws()
    {
        var lists = Lists(1);
        Append(lists, [7], [0]);
        var ex = Assert.ThrowsExactly<InvalidOperationException>(() => lists.Reset([PqList.Empty(1, 4, false)]));
        StringAssert.Contains(ex.Message, "train before adding");
    }

    [TestMethod]
    public void Adopt_RepeatedOrNegativeId_IsCorrupt()
    {
        static PqList List(params long[] ids) => PqList.Empty(1, 4, false).Append(ids, new byte[ids.Length], []);
        InvalidDataException Corrupt(string why) => new(why);
        var ok = new InvertedLists<PqList>();
        ok.Adopt([List(1, 2), List(3)], Corrupt);
        Assert.IsTrue(ok.Contains(3));
        Assert.AreEqual(3, ok.Count);
        Assert.AreEqual("id 2 is stored twice", Assert.ThrowsExactly<InvalidDataException>(() => new InvertedLists<PqList>().Adopt([List(1, 2), List(2)], Corrupt)).Message);
        Assert.AreEqual("list 1 holds negative id -4", Assert.ThrowsExactly<InvalidDataException>(() => new InvertedLists<PqList>().Adopt([List(1), List(-4)], Corrupt)).Message);
    }

    [TestMethod]
    public void Compact_FailingPartWay_LeavesEveryIdWhereThePublishedListsHoldIt()
    {
        // List 0 is rewritten, then list 1's rewrite fails (out of memory, say): the lookup of list 0's ids must still
        // point at the rows of the list a search sees, or a later remove tombstones another id's row.
        var lists = new InvertedLists<FailingStore>();
        lists.Reset([new FailingStore(), new FailingStore()]);
        lists.Append([1, 2, 3, 4, 5, 6], [0, 0, 0, 1, 1, 1], (list, memberIds, _) => list.Append(memberIds));
        Assert.IsTrue(lists.Remove(1));
        Assert.IsTrue(lists.Remove(4));
        lists.Lists[1].FailRewrite = true;
        Assert.ThrowsExactly<OutOfMemoryException>(lists.Compact);
        Assert.IsTrue(lists.Remove(2));
        var list0 = lists.Lists[0];
        var row = Array.IndexOf(list0.Ids, 2L, 0, list0.Rows);
        Assert.IsTrue(list0.Removed[row], "id 2's own row is tombstoned");
        Assert.AreEqual(1, list0.Live, "only id 3 is live in list 0");
        lists.Lists[1].FailRewrite = false;
        lists.Compact();
        CollectionAssert.AreEqual(new long[] { 3 }, lists.Lists[0].Ids[..lists.Lists[0].Rows]);
        CollectionAssert.AreEqual(new long[] { 5, 6 }, lists.Lists[1].Ids[..lists.Lists[1].Rows]);
    }

    [TestMethod]
    public void Append_FailingPartWay_RegistersNoIdOfTheBatch()
    {
        // The second list's append fails: the first list's ids were never published, so they must not count as stored.
        var lists = new InvertedLists<FailingStore>();
        lists.Reset([new FailingStore(), new FailingStore()]);
        Assert.ThrowsExactly<OutOfMemoryException>(() => lists.Append([1, 2], [0, 1], (list, memberIds, _) =>
            memberIds[0] == 2 ? throw new OutOfMemoryException() : list.Append(memberIds)));
        Assert.IsFalse(lists.Contains(1));
        Assert.AreEqual(0, lists.Count);
        lists.Append([1, 2], [0, 1], (list, memberIds, _) => list.Append(memberIds));
        Assert.AreEqual(2, lists.Count, "the batch can be added again");
    }

    // A row store of ids only, whose rewrite without tombstones can be made to fail.
    private sealed class FailingStore(long[]? ids = null, bool[]? removed = null) : TwoTower.MLNet.Index.Common.IRowStore<FailingStore>
    {
        public bool FailRewrite { get; set; }

        public long[] Ids { get; } = ids ?? [];

        public bool[] Removed { get; } = removed ?? new bool[(ids ?? []).Length];

        public int Rows => Ids.Length;

        public int Live => Removed.Count(r => !r);

        public FailingStore Append(long[] more) => new([.. Ids, .. more], [.. Removed, .. new bool[more.Length]]);

        public FailingStore MarkRemoved(int row) => WithRowRemoved(row);

        public FailingStore WithRowRemoved(int row)
        {
            var removedCopy = (bool[])Removed.Clone();
            removedCopy[row] = true;
            return new FailingStore(Ids, removedCopy) { FailRewrite = FailRewrite };
        }

        public FailingStore WithoutRemoved() => FailRewrite
            ? throw new OutOfMemoryException()
            : new FailingStore(Ids.Where((_, r) => !Removed[r]).ToArray());
    }
}
