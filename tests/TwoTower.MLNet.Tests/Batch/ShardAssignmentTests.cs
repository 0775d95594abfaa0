using FsCheck;
using FsCheck.Fluent;
using TwoTower.MLNet.Batch;

namespace TwoTower.MLNet.Tests.Batch;

[TestClass]
public sealed class ShardAssignmentTests
{
    [TestMethod]
    public void ShardOf_IsFnv1aOfTheUtf8IdModuloTheCount()
    {
        // Expected values computed independently (FNV-1a 64 over the UTF-8 bytes, then modulo): a change of hash would move users between shards.
        Assert.AreEqual(0, ShardAssignment.ShardOf("1", 4));
        Assert.AreEqual(1, ShardAssignment.ShardOf("1", 7));
        Assert.AreEqual(3, ShardAssignment.ShardOf("42", 4));
        Assert.AreEqual(5, ShardAssignment.ShardOf("42", 7));
        Assert.AreEqual(1, ShardAssignment.ShardOf("943", 4));
        Assert.AreEqual(3, ShardAssignment.ShardOf("alice", 4));
        Assert.AreEqual(2, ShardAssignment.ShardOf("é", 7));
        Assert.AreEqual(0, ShardAssignment.ShardOf("anything", 1));
    }

    [TestMethod]
    public void Select_ShardsPartitionTheUsers()
    {
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(200), Prop.ForAll<string[], PositiveInt>((raw, count) =>
        {
            var users = (raw ?? []).Where(u => u is not null).Distinct().ToArray();
            var n = count.Get % 16 + 1;
            var parts = Enumerable.Range(0, n).Select(s => ShardAssignment.Select(users, s, n)).ToArray();
            var all = parts.SelectMany(p => p).ToArray();
            // Every user in exactly one shard, and each shard keeps the input order.
            return all.Length == users.Length && all.Order(StringComparer.Ordinal).SequenceEqual(users.Order(StringComparer.Ordinal))
                && parts.All(p => p.SequenceEqual(users.Where(p.Contains)));
        }));
    }

    [TestMethod]
    public void Check_BadShardOrCount_NamesTheRange()
    {
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ShardAssignment.Check(0, 0)).Message, "The shard count must be ≥ 1 (got 0)");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ShardAssignment.Check(3, 3)).Message, "Shard 3 does not exist: shards are numbered 0 to 2");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ShardAssignment.Check(-1, 3)).Message, "Shard -1 does not exist");
    }
}
