using TwoTower.MLNet.Data;
using TwoTower.MLNet.Features;
using TwoTower.MLNet.Persistence;
using TwoTower.MLNet.Training;
using TwoTower.MLNet.TwoTowerModel;

namespace TwoTower.MLNet.Tests.TwoTowerModel;

using TwoTowerTrainerOptions = global::TwoTower.MLNet.TwoTowerModel.TwoTowerTrainerOptions;

/// <summary>The towers a trained model keeps: they reproduce its vectors, embed new entities, and survive save/load.</summary>
[TestClass]
public sealed class NewEntityEmbeddingTests
{
    private static readonly Lazy<(TwoTowerRecommender Model, TrainingData Data)> Trained = new(() =>
    {
        // i40 has metadata but no interactions: the model embeds it from its features alone.
        var meta = new ItemMetadata(TwoTowerTrainerTests.Genres().Records.Append(new ItemRecord("i40", "Movie 40", ["Drama"], null)));
        var data = TrainingData.Create(TwoTowerTrainerTests.ClusteredLog(), null, meta);
        return (new TwoTowerTrainer(TwoTowerTrainerTests.Small()).Train(data), data);
    });

    [TestMethod]
    public void Towers_EveryKnownEntity_ReproduceTheModelVectors()
    {
        var (model, data) = Trained.Value;
        var itemFeatures = ItemFeatureBuilder.Build(data.Items, data.ItemMetadata);
        var v = new float[model.Dimension];
        for (var k = 0; k < model.Items.Count; k++)
        {
            model.ItemTower!.Embed(k, FeatureSchema.Row(itemFeatures, k), v);
            for (var j = 0; j < v.Length; j++) Assert.AreEqual(model.ItemVectors.Span[k * model.Dimension + j], v[j], 1e-5f, $"item {k}, dim {j}");
        }
        var userFeatures = FeatureTable.Empty(data.Users.Count);
        for (var k = 0; k < model.Users.Count; k++)
        {
            model.UserTower!.Embed(k, FeatureSchema.Row(userFeatures, k), v);
            for (var j = 0; j < v.Length; j++) Assert.AreEqual(model.UserVectors.Span[k * model.Dimension + j], v[j], 1e-5f, $"user {k}, dim {j}");
        }
    }

    [TestMethod]
    public void EmbedNewItem_SameFeaturesAsAColdItem_GivesItsVector()
    {
        var (model, _) = Trained.Value;
        var raw = ItemFeatureBuilder.Describe(new ItemRecord("brand-new", "Movie 40", ["Drama"], null));
        var v = model.EmbedNewItem(raw);
        var cold = model.ItemVectors.Span.Slice(model.Items.GetKey("i40") * model.Dimension, model.Dimension).ToArray();
        for (var j = 0; j < v.Length; j++) Assert.AreEqual(cold[j], v[j], 1e-5f, $"dim {j}");
    }

    [TestMethod]
    public void EmbedNewItem_DramaItem_IsNearerTheDramaFansThanTheComedyFans()
    {
        var (model, _) = Trained.Value;
        var v = model.EmbedNewItem(ItemFeatureBuilder.Describe(new ItemRecord("new", null, ["Drama"], null)));
        // Even users like items 0..19 (Drama), odd users 20..39 (Comedy).
        double drama = 0, comedy = 0;
        for (var u = 0; u < 40; u++)
        {
            var s = System.Numerics.Tensors.TensorPrimitives.Dot(model.UserVectors.Span.Slice(model.Users.GetKey($"u{u}") * model.Dimension, model.Dimension), v);
            if (u % 2 == 0) drama += s; else comedy += s;
        }
        Assert.IsGreaterThan(comedy, drama);
    }

    [TestMethod]
    public void SaveLoad_ModelWithTowers_KeepsThemAndTheirEmbeddings()
    {
        var (model, _) = Trained.Value;
        var path = Path.Combine(TestPaths.TempDir(), "tt.ttm");
        ModelFile.Save(path, model, null, null);
        var loaded = (TwoTowerRecommender)ModelFile.Load(path).Model;
        Assert.IsNotNull(loaded.UserTower);
        Assert.IsNotNull(loaded.ItemTower);
        var raw = ItemFeatureBuilder.Describe(new ItemRecord("x", "Movie 7", ["Comedy"], null));
        CollectionAssert.AreEqual(model.EmbedNewItem(raw), loaded.EmbedNewItem(raw));
    }

    [TestMethod]
    public void EmbedNew_WithoutATowerOrFeatures_ThrowsSayingWhy()
    {
        var (model, data) = Trained.Value;
        var user = Assert.ThrowsExactly<InvalidOperationException>(() => model.EmbedNewUser(new RawFeatures()));
        StringAssert.Contains(user.Message, "trained without user features");
        var vectorsOnly = TwoTowerFormatTests.VectorsOnlyModel();
        var item = Assert.ThrowsExactly<InvalidOperationException>(() => vectorsOnly.EmbedNewItem(new RawFeatures()));
        StringAssert.Contains(item.Message, "has no item tower");
        var options = TwoTowerTrainerTests.Small();
        options.EnsembleSize = 2;
        options.Epochs = 1;
        var ensemble = new TwoTowerTrainer(options).Train(data);
        Assert.IsNull(ensemble.ItemTower, "an ensemble's concatenated vectors come from no single tower");
    }

    [TestMethod]
    public void EmbedNewItem_UnknownFeatureName_Throws()
    {
        var (model, _) = Trained.Value;
        var raw = new RawFeatures();
        raw.Categorical["director"] = "Kubrick";
        var ex = Assert.ThrowsExactly<ArgumentException>(() => model.EmbedNewItem(raw));
        StringAssert.Contains(ex.Message, "'director' is not a categorical feature");
    }
}
