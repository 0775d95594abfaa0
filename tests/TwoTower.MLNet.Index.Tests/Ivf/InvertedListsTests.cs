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
}
