using TwoTower.MLNet.ColdStart;
using TwoTower.MLNet.Data;
using TwoTower.MLNet.Persistence;
using TwoTower.MLNet.Retrieval.Engine;
using TwoTower.MLNet.Training;
using TwoTower.MLNet.TwoTowerModel;

namespace TwoTower.MLNet.Tests.Retrieval;

/// <summary>A retrieval engine over a two-tower model embeds items added without a vector with the model's own item tower.</summary>
[TestClass]
public sealed class NewItemTowerTests
{
    private static readonly Lazy<TwoTowerRecommender> Model = new(() => RetrievalFixture.TrainTwoTower());

    [TestMethod]
    public void PutItem_WithoutVector_UsesTheItemTower()
    {
        var model = Model.Value;
        using var engine = RetrievalEngine.Create(new LoadedModel(model, null, null), RetrievalFixture.Items(), null, new RetrievalEngineOptions { IndexSpec = "Flat" });
        Assert.AreEqual("item_tower", engine.NewItems!.Method);
        var record = new ItemRecord("new-1", "Movie 3", ["Comedy"], new DateOnly(1994, 1, 1));
        var item = engine.PutItem(record);
        CollectionAssert.AreEqual(model.EmbedNewItem(global::TwoTower.MLNet.Features.ItemFeatureBuilder.Describe(record)), item.Vector);
        Assert.IsTrue(engine.Similar("new-1", 3).All(s => s.ItemId != "new-1"));
    }

    [TestMethod]
    public void Create_TwoTowerWithoutTowers_FallsBackToTheContentProjection()
    {
        var m = Model.Value;
        var vectorsOnly = new TwoTowerRecommender(m.Users, m.Items, m.Dimension, m.UserVectors.ToArray(), m.ItemVectors.ToArray(), m.ColdUserVector.ToArray());
        using var engine = RetrievalEngine.Create(new LoadedModel(vectorsOnly, null, null), RetrievalFixture.Items(), null, new RetrievalEngineOptions { IndexSpec = "Flat" });
        Assert.AreEqual("content_projection", engine.NewItems!.Method);
    }

    [TestMethod]
    public void ItemTowerEmbedder_ModelWithoutTower_ThrowsSayingWhy()
    {
        var m = Model.Value;
        var vectorsOnly = new TwoTowerRecommender(m.Users, m.Items, m.Dimension, m.UserVectors.ToArray(), m.ItemVectors.ToArray(), m.ColdUserVector.ToArray());
        var ex = Assert.ThrowsExactly<ArgumentException>(() => new ItemTowerEmbedder(vectorsOnly));
        StringAssert.Contains(ex.Message, "no item tower with features");
    }
}
