using TwoTower.MLNet.Evaluation;

namespace TwoTower.MLNet.Tests.Evaluation;

[TestClass]
public sealed class CatalogueMetricsTests
{
    [TestMethod]
    public void Gini_EqualCounts_IsZero() => Assert.AreEqual(0.0, CatalogueMetrics.Gini(new[] { 3, 3, 3, 3 }), 1e-12);

    [TestMethod]
    public void Gini_AllOnOneOfFour_IsThreeQuarters() => Assert.AreEqual(0.75, CatalogueMetrics.Gini(new[] { 0, 4, 0, 0 }), 1e-12);

    [TestMethod]
    public void Coverage_TwoOfFourUsed_IsHalf() => Assert.AreEqual(0.5, CatalogueMetrics.Coverage(new[] { 0, 1, 5, 0 }));

    [TestMethod]
    public void PopularityPercentiles_TiesShareMidRank()
    {
        var p = CatalogueMetrics.PopularityPercentiles(new[] { 10, 0, 5, 5 });
        Assert.AreEqual(1.0, p[0], 1e-12);
        Assert.AreEqual(0.0, p[1], 1e-12);
        Assert.AreEqual(0.5, p[2], 1e-12);
        Assert.AreEqual(p[2], p[3]);
    }
}
