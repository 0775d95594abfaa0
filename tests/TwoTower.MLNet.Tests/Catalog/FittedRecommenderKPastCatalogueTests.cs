using TwoTower.MLNet.Index;

namespace TwoTower.MLNet.Tests.Catalog;

/// <summary>FittedRecommender.Recommend with k past the catalogue lists every item, as ExactRecommender and the indexes do.</summary>
[TestClass]
public sealed class FittedRecommenderKPastCatalogueTests
{
    private static FittedRecommender Fit()
    {
        var ml = TestMLContext.Create(seed: 1);
        return ml.TwoTower().FindModel(ml.TwoTower().Trainers.MatrixFactorization(CatalogFixture.Mf()).Fit(CatalogFixture.Load(ml, CatalogFixture.TrainPath)))!;
    }

    private static IVectorIndex FlatOfAll(FittedRecommender fitted)
    {
        var index = IndexFactory.Create("Flat", fitted.Model.Dimension, VectorMetric.InnerProduct);
        index.Add(Enumerable.Range(0, fitted.Model.Items.Count).Select(i => (long)i).ToArray(), fitted.Model.ItemVectors.Span);
        return index;
    }

    [TestMethod]
    [DataRow(false, 1)]
    [DataRow(true, 1)]
    [DataRow(false, int.MaxValue)]
    [DataRow(true, int.MaxValue)]
    public void Recommend_KPastTheCatalogue_ListsEveryItemBestFirst(bool throughIndex, int pastBy)
    {
        var fitted = Fit();
        var items = fitted.Model.Items.Count;
        using var index = FlatOfAll(fitted);
        var served = throughIndex ? fitted.WithIndex(index) : fitted;
        var k = (int)Math.Min((long)items + pastBy, int.MaxValue);
        var (exact, _) = CatalogFixture.BruteForce(fitted.Model, "1", items, null);
        CollectionAssert.AreEqual(exact, served.Recommend("1", k).Select(r => r.ItemId).ToArray());
    }

    [TestMethod]
    [DataRow(false)]
    [DataRow(true)]
    public void Recommend_KPastTheCatalogueExcludingSeen_ListsEveryUnseenItem(bool throughIndex)
    {
        var fitted = Fit();
        var items = fitted.Model.Items.Count;
        using var index = FlatOfAll(fitted);
        var served = throughIndex ? fitted.WithIndex(index) : fitted;
        var seen = CatalogFixture.SeenByUser(CatalogFixture.TrainPath)["1"];
        var (exact, _) = CatalogFixture.BruteForce(fitted.Model, "1", items, seen);
        var got = served.Recommend("1", items + 10, excludeSeen: true).Select(r => r.ItemId).ToArray();
        Assert.HasCount(items - seen.Count, got);
        CollectionAssert.AreEqual(exact, got);
    }

    [TestMethod]
    [DataRow(0)]
    [DataRow(-1)]
    public void Recommend_KBelowOne_Throws(int k)
    {
        var ex = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => Fit().Recommend("1", k));
        Assert.AreEqual("k", ex.ParamName);
    }
}
