using TwoTower.MLNet.Data;

namespace TwoTower.MLNet.Tests.Data;

[TestClass]
public sealed class IdMapTests
{
    [TestMethod]
    public void GetOrAdd_NewAndRepeatedIds_DenseKeysInFirstSeenOrder()
    {
        var m = new IdMap("item");
        Assert.AreEqual(0, m.GetOrAdd("50"));
        Assert.AreEqual(1, m.GetOrAdd("7"));
        Assert.AreEqual(0, m.GetOrAdd("50"));
        Assert.AreEqual("7", m.GetRawId(1));
        Assert.AreEqual(2, m.Count);
    }

    [TestMethod]
    public void GetKey_UnknownId_MessageNamesKindAndId()
    {
        var ex = Assert.ThrowsExactly<KeyNotFoundException>(() => new IdMap("user", new[] { "1" }).GetKey("999"));
        Assert.AreEqual("Unknown user id '999' (1 users are known).", ex.Message);
    }

    [TestMethod]
    public void Constructor_DuplicateIds_Throws()
    {
        var ex = Assert.ThrowsExactly<ArgumentException>(() => new IdMap("item", new[] { "a", "a" }));
        StringAssert.Contains(ex.Message, "Duplicate item id 'a'");
    }

    [TestMethod]
    public void GetOrAdd_MultiLineId_Throws() => Assert.ThrowsExactly<ArgumentException>(() => new IdMap("item").GetOrAdd("a\nb"));

    [TestMethod]
    public void Clone_AddingToCopy_LeavesOriginal()
    {
        var m = new IdMap("user", new[] { "x" });
        var c = m.Clone();
        c.GetOrAdd("y");
        Assert.AreEqual(1, m.Count);
        Assert.AreEqual(2, c.Count);
    }
}
