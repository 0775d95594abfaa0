using TwoTower.MLNet.Data;
using TwoTower.MLNet.MatrixFactorization;
using TwoTower.MLNet.Training;
using EngineOptions = TwoTower.MLNet.TwoTowerModel.TwoTowerTrainerOptions;
using WarmStart = TwoTower.MLNet.TwoTowerModel.WarmStart;

namespace TwoTower.MLNet.Tests.TwoTowerModel;

[TestClass]
public sealed class WarmStartTests
{
    // Factors for users u1, u2 and items a, b, c (2 factors each, row-major).
    private static MatrixFactorizationModel Factors() => new(MatrixFactorizationModel.ImplicitModelType,
        new IdMap("user", ["u1", "u2"]), new IdMap("item", ["a", "b", "c"]),
        [1, 2, 3, 4], [10, 11, 20, 21, 30, 31], 2);

    [TestMethod]
    public void UseFactors_DifferentKeyOrder_RowsFollowRawIdsAndUnknownsAreZero()
    {
        // The training data meets u2 before u1 and item c before a; u3 and d are unknown to the factors.
        var log = new InteractionLog();
        log.Add("u2", "c");
        log.Add("u1", "a");
        log.Add("u3", "d");
        var data = TrainingData.Create(log);
        var o = new EngineOptions();
        var (users, items) = WarmStart.UseFactors(o, Factors(), data);
        Assert.AreEqual(2, users);
        Assert.AreEqual(2, items);
        Assert.AreEqual(2, o.InitialEmbeddingDimension);
        Assert.IsTrue(o.UseItemIdEmbedding);
        CollectionAssert.AreEqual(new float[] { 3, 4, 1, 2, 0, 0 }, o.InitialUserEmbeddings);
        CollectionAssert.AreEqual(new float[] { 30, 31, 10, 11, 0, 0 }, o.InitialItemEmbeddings);
    }

    [TestMethod]
    public void UseFactors_ZeroFactorRow_NotCountedAsFound()
    {
        // Item b has a zero row (a catalogue entry the factor model never saw interact): copied, but not counted.
        var factors = new MatrixFactorizationModel(MatrixFactorizationModel.ImplicitModelType,
            new IdMap("user", ["u1"]), new IdMap("item", ["a", "b"]), [1, 2], [10, 11, 0, 0], 2);
        var log = new InteractionLog();
        log.Add("u1", "a");
        log.Add("u1", "b");
        var (users, items) = WarmStart.UseFactors(new EngineOptions(), factors, TrainingData.Create(log));
        Assert.AreEqual(1, users);
        Assert.AreEqual(1, items);
    }

    [TestMethod]
    public void UseFactors_ItemsOff_LeavesItemEmbeddingsAlone()
    {
        var log = new InteractionLog();
        log.Add("u1", "a");
        var o = new EngineOptions();
        WarmStart.UseFactors(o, Factors(), TrainingData.Create(log), items: false);
        Assert.IsNotNull(o.InitialUserEmbeddings);
        Assert.IsNull(o.InitialItemEmbeddings);
        Assert.IsNull(o.UseItemIdEmbedding);
    }

    [TestMethod]
    public void UseFactors_NoUserInCommon_ThrowsAndLeavesOptionsUnchanged()
    {
        var log = new InteractionLog();
        log.Add("x", "a");
        var o = new EngineOptions();
        var ex = Assert.ThrowsExactly<ArgumentException>(() => WarmStart.UseFactors(o, Factors(), TrainingData.Create(log)));
        StringAssert.Contains(ex.Message, "ids do not match");
        Assert.IsNull(o.InitialUserEmbeddings);
        Assert.IsNull(o.InitialItemEmbeddings);
        Assert.AreEqual(0, o.InitialEmbeddingDimension);
    }

    [TestMethod]
    public void UseFactors_NoItemInCommon_ThrowsAndLeavesOptionsUnchanged()
    {
        // Found by an audit: with item ids keyed differently (e.g. titles against numbers) every item row was zero, the item id
        // embedding was switched on anyway and the fit went ahead as if warm-started ("0/1682 items got factors" in a log line).
        var log = new InteractionLog();
        log.Add("u1", "x");
        var o = new EngineOptions();
        var ex = Assert.ThrowsExactly<ArgumentException>(() => WarmStart.UseFactors(o, Factors(), TrainingData.Create(log)));
        StringAssert.Contains(ex.Message, "None of the 1 training items");
        StringAssert.Contains(ex.Message, "item ids do not match");
        Assert.IsNull(o.InitialUserEmbeddings);
        Assert.IsNull(o.UseItemIdEmbedding);
        // Without item embeddings the items are not looked at.
        WarmStart.UseFactors(o, Factors(), TrainingData.Create(log), items: false);
        Assert.IsNotNull(o.InitialUserEmbeddings);
    }
}
