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
}
