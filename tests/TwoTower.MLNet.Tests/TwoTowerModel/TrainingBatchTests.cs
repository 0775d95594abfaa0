using TwoTower.MLNet.TwoTowerModel;

namespace TwoTower.MLNet.Tests.TwoTowerModel;

[TestClass]
public sealed class TrainingBatchTests
{
    [TestMethod]
    public void Fill_RepeatedUsersAndItems_Deduplicated()
    {
        var batch = new TrainingBatch(userCount: 5, itemCount: 6, capacity: 4, extraColumns: 2);
        var users = new[] { 3, 3, 1, 4 };
        var items = new[] { 2, 5, 2, 0 };
        batch.Fill(users, items, new[] { 0, 1, 2, 3 });
        Assert.AreEqual(3, batch.UserCount);
        Assert.AreEqual(3, batch.ItemCount, "item 2 appears twice: one column, so the repeat is no accidental-hit negative");
        CollectionAssert.AreEqual(new[] { 0, 0, 1, 2 }, batch.Rows.Take(4).ToArray());
        CollectionAssert.AreEqual(new[] { 0, 1, 0, 2 }, batch.Columns.Take(4).ToArray());
        Assert.IsFalse(batch.AddNegative(5), "already a column");
        Assert.IsTrue(batch.AddNegative(4));
        Assert.AreEqual(4, batch.ItemCount);
        batch.Fill(users, items, new[] { 3 });
        Assert.AreEqual(1, batch.UserCount);
        Assert.AreEqual(1, batch.ItemCount, "slots reset between batches");
    }

    [TestMethod]
    public void Fill_WithoutUserDeduplication_RowUsersNameEachRowsUser()
    {
        var batch = new TrainingBatch(userCount: 5, itemCount: 6, capacity: 4, extraColumns: 0);
        batch.Fill(new[] { 3, 1, 3, 4 }, new[] { 2, 5, 0, 2 }, new[] { 0, 1, 2, 3 }, deduplicateUsers: false);
        Assert.AreEqual(4, batch.UserCount, "one row per example");
        CollectionAssert.AreEqual(new[] { 0, 1, 0, 2 }, batch.RowUsers.Take(4).ToArray(), "rows 0 and 2 are user 3");
        batch.Fill(new[] { 3, 1, 3, 4 }, new[] { 2, 5, 0, 2 }, new[] { 1, 3 }, deduplicateUsers: false);
        CollectionAssert.AreEqual(new[] { 0, 1 }, batch.RowUsers.Take(2).ToArray(), "indices reset between batches");
    }
}
