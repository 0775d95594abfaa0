using TwoTower.MLNet.Data;
using TwoTower.MLNet.Training;
using TwoTower.MLNet.TwoTowerModel;

namespace TwoTower.MLNet.Tests.TwoTowerModel;

[TestClass]
public sealed class RecencyExampleWeightsTests
{
    // User a: three rows out of time order (t 30, 10, 20); user b: one row; user c: two rows at the same time (item key breaks the tie).
    private static Interactions Train()
    {
        var log = new InteractionLog("recency");
        log.Add("a", "x", 1f, 30);
        log.Add("b", "x", 1f, 5);
        log.Add("a", "y", 1f, 10);
        log.Add("c", "z", 1f, 7);
        log.Add("a", "z", 1f, 20);
        log.Add("c", "y", 1f, 7);
        return TrainingData.Create(log).Train;
    }

    [TestMethod]
    public void Compute_LinearRamp_HandComputed()
    {
        var w = RecencyExampleWeights.Compute(Train(), 2f, 0);
        // a: t10 → 1, t20 → 1 + 2·½ = 2, t30 → 3; b alone → 1 + 2 = 3; c: item y (key 1) before z (key 2) → 1 and 3.
        CollectionAssert.AreEqual(new[] { 3f, 3f, 1f, 3f, 2f, 1f }, w);
    }

    [TestMethod]
    public void Compute_HalfLifeOne_HalvesPerStepBack()
    {
        var w = RecencyExampleWeights.Compute(Train(), 4f, 1);
        // a: newest 1 + 4 = 5, one back 1 + 2 = 3, two back 1 + 1 = 2.
        CollectionAssert.AreEqual(new[] { 5f, 5f, 2f, 5f, 3f, 3f }, w);
    }

    [TestMethod]
    public void Compute_DataWithoutTime_AllOnes()
    {
        // Without time, A would be "newest" for both users only because its key is higher (it was read second).
        var log = new InteractionLog("no time") { HasTimestamps = false };
        log.Add("u", "B");
        log.Add("u", "A");
        log.Add("v", "A");
        log.Add("v", "B");
        CollectionAssert.AreEqual(Enumerable.Repeat(1f, 4).ToArray(), RecencyExampleWeights.Compute(TrainingData.Create(log).Train, 3f, 0));
        CollectionAssert.AreEqual(Enumerable.Repeat(1f, 4).ToArray(), RecencyExampleWeights.Compute(TrainingData.Create(log).Train, 3f, 10));
    }

    [TestMethod]
    public void Compute_ZeroBoost_AllOnes() =>
        CollectionAssert.AreEqual(Enumerable.Repeat(1f, 6).ToArray(), RecencyExampleWeights.Compute(Train(), 0f, 3));

    [TestMethod]
    public void Compute_BadArguments_ThrowNamingThem()
    {
        Assert.AreEqual("boost", Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => RecencyExampleWeights.Compute(Train(), -1f, 0)).ParamName);
        Assert.AreEqual("boost", Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => RecencyExampleWeights.Compute(Train(), float.NaN, 0)).ParamName);
        Assert.AreEqual("halfLife", Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => RecencyExampleWeights.Compute(Train(), 1f, -2)).ParamName);
    }
}
