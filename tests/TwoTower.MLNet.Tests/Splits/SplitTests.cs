using TwoTower.MLNet.Data;
using TwoTower.MLNet.Splits;

namespace TwoTower.MLNet.Tests.Splits;

[TestClass]
public sealed class SplitTests
{
    private static List<string> Rows(InteractionLog log) =>
        Enumerable.Range(0, log.Count).Select(r => $"{log.Users[r]},{log.Items[r]},{log.Ratings[r]},{log.Timestamps[r]}").ToList();

    [TestMethod]
    public void LeaveLastOut_Ml100k_ReproducesSharedP2FilesRowForRow()
    {
        var split = LeaveLastOutSplit.Split(MovieLens100K.LoadRatings(Path.Combine(TestPaths.MovieLens100K, "u.data")));
        CollectionAssert.AreEqual(Rows(CsvInteractions.Load(TestPaths.Split("p2", "test"))), Rows(split.Test));
        CollectionAssert.AreEqual(Rows(CsvInteractions.Load(TestPaths.Split("p2-tune", "valid"))), Rows(split.Valid));
        CollectionAssert.AreEqual(Rows(CsvInteractions.Load(TestPaths.Split("p2-tune", "train"))), Rows(split.Train));
    }

    [TestMethod]
    public void LeaveLastOut_UserWithTwoInteractions_StaysWholeInTrain()
    {
        var log = new InteractionLog();
        log.Add("u", "1", 1, 10); log.Add("u", "2", 1, 20);
        log.Add("v", "1", 1, 5); log.Add("v", "3", 1, 6); log.Add("v", "2", 1, 6);
        var s = LeaveLastOutSplit.Split(log);
        Assert.AreEqual(3, s.Train.Count);
        // v: ties on timestamp 6 broken by numeric item id → 2 before 3.
        Assert.AreEqual("2", s.Valid.Items[0]);
        Assert.AreEqual("3", s.Test.Items[0]);
    }

    [TestMethod]
    public void LeaveLastOut_NonNumericItemIds_OrdinalTieBreak()
    {
        var log = new InteractionLog();
        foreach (var i in new[] { "b", "a", "c10", "c9" }) log.Add("u", i, 1, 1);
        var s = LeaveLastOutSplit.Split(log);
        Assert.AreEqual("c10", s.Valid.Items[0]);
        Assert.AreEqual("c9", s.Test.Items[0]);
    }

    [TestMethod]
    public void Random_SameSeed_SameSplitAndPartitionsAllRows()
    {
        var log = CsvInteractions.Load(TestPaths.Split("p2", "test"));
        var a = RandomSplit.Split(log, 0.2, 0.1, seed: 7);
        var b = RandomSplit.Split(log, 0.2, 0.1, seed: 7);
        CollectionAssert.AreEqual(Rows(a.Test), Rows(b.Test));
        Assert.AreEqual(log.Count, a.Train.Count + a.Valid.Count + a.Test.Count);
        Assert.AreEqual(94, a.Test.Count);
        CollectionAssert.AreEquivalent(Rows(log), Rows(a.Train).Concat(Rows(a.Valid)).Concat(Rows(a.Test)).ToList());
        CollectionAssert.AreNotEqual(Rows(a.Test), Rows(RandomSplit.Split(log, 0.2, 0.1, seed: 8).Test));
    }

    [TestMethod]
    public void Temporal_TestRowsAreNeverOlderThanTrainRows()
    {
        var s = TemporalSplit.Split(MovieLens100K.LoadRatings(Path.Combine(TestPaths.MovieLens100K, "u.data")), 0.1, 0.1);
        Assert.IsLessThanOrEqualTo(s.Valid.Timestamps.Min(), s.Train.Timestamps.Max());
        Assert.IsLessThanOrEqualTo(s.Test.Timestamps.Min(), s.Valid.Timestamps.Max());
        Assert.AreEqual(100_000, s.Train.Count + s.Valid.Count + s.Test.Count);
    }

    [TestMethod]
    public void Random_FractionsSummingToOne_Throws()
    {
        var log = new InteractionLog();
        log.Add("u", "i");
        var ex = Assert.ThrowsExactly<ArgumentException>(() => RandomSplit.Split(log, 0.5, 0.5));
        StringAssert.Contains(ex.Message, "sum < 1");
    }

    [TestMethod]
    public void Split_EmptyLog_ThrowsNamingSource()
    {
        var ex = Assert.ThrowsExactly<ArgumentException>(() => LeaveLastOutSplit.Split(new InteractionLog("empty.csv")));
        StringAssert.Contains(ex.Message, "empty.csv");
    }

    [TestMethod]
    public void WriteSplit_RoundTripsThroughCsvLoader()
    {
        var log = new InteractionLog();
        log.Add("u,1", "i\"2", 3.5f, 42);
        var dir = TestPaths.TempDir();
        InteractionCsvWriter.Write(log, Path.Combine(dir, "x.csv"));
        var back = CsvInteractions.Load(Path.Combine(dir, "x.csv"));
        CollectionAssert.AreEqual(Rows(log), Rows(back));
    }

    [TestMethod]
    public void LeaveLastOut_NoTimestamps_ThrowsInsteadOfOrderingByItemId()
    {
        var log = new InteractionLog("n.csv") { HasTimestamps = false };
        foreach (var i in new[] { "10", "11", "12", "13" }) log.Add("1", i);
        var ex = Assert.ThrowsExactly<ArgumentException>(() => LeaveLastOutSplit.Split(log));
        StringAssert.Contains(ex.Message, "needs timestamps; n.csv has none");
    }

    [TestMethod]
    public void Write_LogWithoutRatingsOrTimestamps_WritesOnlyItsColumns()
    {
        var log = new InteractionLog { HasRatings = false, HasTimestamps = false };
        log.Add("1", "10");
        var path = Path.Combine(TestPaths.TempDir(), "x.csv");
        InteractionCsvWriter.Write(log, path);
        CollectionAssert.AreEqual(new[] { "user_id,item_id", "1,10" }, File.ReadAllLines(path));
        var back = CsvInteractions.Load(path);
        Assert.IsFalse(back.HasRatings);
        Assert.IsFalse(back.HasTimestamps);
    }

    private static InteractionLog Log(params (string User, string Item, long Time)[] rows)
    {
        var log = new InteractionLog("t.csv");
        foreach (var (u, i, t) in rows) log.Add(u, i, 1, t);
        return log;
    }

    [TestMethod]
    public void Temporal_AllTimestampsTied_RefusedSayingWhy()
    {
        // Rows sharing a timestamp stay on one side of the cut: 20 rows at one time gave train 0, test 20, and no error.
        var log = Log(Enumerable.Range(0, 20).Select(i => ($"u{i}", $"i{i}", 1000L)).ToArray());
        var ex = Assert.ThrowsExactly<ArgumentException>(() => TemporalSplit.Split(log, 0.1, 0.1));
        StringAssert.Contains(ex.Message, "leaves the training set empty");
        StringAssert.Contains(ex.Message, "20 of the 20 rows share timestamp 1000");
        StringAssert.Contains(ex.Message, "t.csv");
    }

    [TestMethod]
    public void Temporal_TiesLeaveSomeTrainRows_StillSplits()
    {
        // The documented approximation: the tie goes to one side; the split goes on while train and test both have rows.
        var log = Log(("a", "1", 5), ("a", "2", 9), ("b", "1", 9), ("b", "2", 9), ("c", "1", 9));
        var s = TemporalSplit.Split(log, 0.2, 0.2);
        Assert.AreEqual(1, s.Train.Count);
        Assert.AreEqual(4, s.Valid.Count + s.Test.Count);
        Assert.AreNotEqual(0, s.Test.Count);
    }

    [TestMethod]
    public void Temporal_TooFewRowsForATestRow_Refused()
    {
        var ex = Assert.ThrowsExactly<ArgumentException>(() => TemporalSplit.Split(Log(("a", "1", 1), ("a", "2", 2), ("a", "3", 3)), 0.1, 0.1));
        StringAssert.Contains(ex.Message, "leaves the test set empty");
    }

    [TestMethod]
    public void Random_TooFewRowsForATestRow_Refused()
    {
        var ex = Assert.ThrowsExactly<ArgumentException>(() => RandomSplit.Split(Log(("a", "1", 1), ("a", "2", 2)), 0.1, 0.1));
        StringAssert.Contains(ex.Message, "leaves the test set empty");
        var train = Assert.ThrowsExactly<ArgumentException>(() => RandomSplit.Split(Log(("a", "1", 1), ("a", "2", 2)), 0.49, 0.49));
        StringAssert.Contains(train.Message, "leaves the training set empty");
    }

    [TestMethod]
    public void LeaveLastOut_NoUserWithThreeInteractions_Refused()
    {
        var ex = Assert.ThrowsExactly<ArgumentException>(() => LeaveLastOutSplit.Split(Log(("a", "1", 1), ("a", "2", 2), ("b", "1", 1))));
        StringAssert.Contains(ex.Message, "no user has 3 or more interactions");
    }

    [TestMethod]
    public void LeaveLastOut_IdPastLong_TiesStillOrderedNumerically()
    {
        // One id too long for a long switched every id to string order: "10" sorted before "9".
        var s = LeaveLastOutSplit.Split(Log(("1", "99999999999999999999", 7), ("1", "10", 7), ("1", "9", 7)));
        Assert.AreEqual("9", s.Train.Items[0]);
        Assert.AreEqual("10", s.Valid.Items[0]);
        Assert.AreEqual("99999999999999999999", s.Test.Items[0]);
    }

    [TestMethod]
    public void IdOrder_Integers_OrderedByValueWhateverTheirLength()
    {
        var ids = new[] { "10", "-3", "007", "99999999999999999999", "-100000000000000000000", "0", "9", "-0", "+8", "123456789012345678901234567890" };
        var order = IdOrder.For(ids);
        Assert.IsTrue(order.IsNumeric);
        CollectionAssert.AreEqual(new[] { "-100000000000000000000", "-3", "0", "-0", "007", "+8", "9", "10", "99999999999999999999", "123456789012345678901234567890" },
            ids.Order(order).ToArray());
        Assert.AreEqual(0, order.Compare("007", "7"));
        foreach (var notInteger in new[] { "1.5", "-", "", " 1", "1e3", "٣" })
            Assert.IsFalse(IdOrder.For(["1", notInteger]).IsNumeric, notInteger);
        CollectionAssert.AreEqual(new[] { "10", "9", "a" }, new[] { "a", "9", "10" }.Order(IdOrder.For(["a", "9", "10"])).ToArray());
    }
}
