using TwoTower.MLNet.ColdStart;
using TwoTower.MLNet.Data;
using TwoTower.MLNet.Features;
using TwoTower.MLNet.Tests.Retrieval;
using TwoTower.MLNet.Training;
using TwoTower.MLNet.TwoTowerModel;

namespace TwoTower.MLNet.Tests.ColdStart;

/// <summary>New items through the item tower take the record's fields the tower reads and leave the others out.</summary>
[TestClass]
public sealed class ItemTowerEmbedderTests
{
    // Trained on items with genres only: no title, no release date (as from a movies file without those columns).
    private static readonly Lazy<TwoTowerRecommender> GenresOnly = new(() =>
    {
        var log = new InteractionLog("fixture");
        var seen = RetrievalFixture.Model().Seen!;
        for (var u = 0; u < seen.Rows; u++)
            foreach (var i in seen.RowIndices(u)) log.Add((u + 1).ToString(), (i + 1).ToString());
        var items = new ItemMetadata(RetrievalFixture.Items().Records.Select(r => r with { Title = null, ReleaseDate = null }), RetrievalFixture.Genres);
        var options = new TwoTowerTrainerOptions { EmbeddingDimension = 4, FeatureEmbeddingDimension = 4, HiddenLayers = [8], Epochs = 1, BatchSize = 64, Threads = 1 };
        return new TwoTowerTrainer(options).Train(TrainingData.Create(log, null, items, null));
    });

    [TestMethod]
    public void CanEmbed_TowerOfFeaturesARecordDoesNotDescribe_FalseSoTheEngineProjectsContent()
    {
        // A tower trained on Featurize's columns reads "GenresBag", which an item record never fills: every new item would be
        // the same featureless vector (or, before fields the tower lacks were left out, every PUT without a vector failed).
        var log = new InteractionLog("fixture");
        var seen = RetrievalFixture.Model().Seen!;
        for (var u = 0; u < seen.Rows; u++)
            foreach (var i in seen.RowIndices(u)) log.Add((u + 1).ToString(), (i + 1).ToString());
        var data = TrainingData.Create(log, null, RetrievalFixture.Items(), null);
        var built = ItemFeatureBuilder.Build(data.Items, data.ItemMetadata, titles: false, releaseYear: false);
        var renamed = new FeatureTable(built.EntityCount, [], built.Bags.Select(b => b with { Name = "GenresBag" }).ToArray(), 0, []);
        var trainer = new TwoTowerTrainer(new TwoTowerTrainerOptions { EmbeddingDimension = 4, FeatureEmbeddingDimension = 4, HiddenLayers = [8], Epochs = 1, BatchSize = 64, Threads = 1 });
        var model = trainer.Train(data, FeatureTable.Empty(data.Users.Count), renamed);
        Assert.IsFalse(ItemTowerEmbedder.CanEmbed(model));
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => new ItemTowerEmbedder(model)).Message, "GenresBag");
        Assert.IsTrue(ItemTowerEmbedder.CanEmbed(GenresOnly.Value));
        using var engine = global::TwoTower.MLNet.Retrieval.Engine.RetrievalEngine.Create(new global::TwoTower.MLNet.Persistence.LoadedModel(model, null, null), RetrievalFixture.Items(), null,
            new global::TwoTower.MLNet.Retrieval.Engine.RetrievalEngineOptions { IndexSpec = "Flat" });
        Assert.AreEqual("content_projection", engine.NewItems!.Method);
    }

    [TestMethod]
    public void Embed_RecordWithFieldsTheTowerDoesNotRead_UsesTheOnesItReads()
    {
        var model = GenresOnly.Value;
        CollectionAssert.AreEquivalent(new[] { ItemFeatureBuilder.Genres }, model.ItemTower!.Features.Bags.Select(b => b.Name).ToArray());
        Assert.IsEmpty(model.ItemTower.Features.Numerics);
        var embedder = new ItemTowerEmbedder(model);
        var full = new ItemRecord("new-1", "A New Movie (2001)", ["Comedy", "Drama"], new DateOnly(2001, 5, 1));
        var expected = model.EmbedNewItem(ItemFeatureBuilder.Describe(full with { Title = null, ReleaseDate = null }));
        CollectionAssert.AreEqual(expected, embedder.Embed(full));
    }
}
