using TwoTower.MLNet.Training;
using TwoTower.MLNet.TwoTowerModel;

namespace TwoTower.MLNet.Tests.TwoTowerModel;

[TestClass]
public sealed class TrainingThroughputBenchmarkTests
{
    [TestMethod]
    public void PeerConfiguration_ItemsWithMetadata_TrainsThePeersTowersWithoutAveraging()
    {
        // Every item has a title and genres, as in ML-100K: the engine's default then drops the item id embedding.
        var data = TrainingData.Create(TwoTowerTrainerTests.ClusteredLog(), null, TwoTowerTrainerTests.Genres());
        var options = TrainingThroughputBenchmark.PeerConfiguration(epochs: 1, threads: 1);
        options.ComputeQualityReport = false;
        var model = new TwoTowerTrainer(options).Train(data);

        // The peer's item tower: item-id Embedding(…, 64) beside the title (and genre) inputs → 256 → 128 → 128, L2-normalised.
        var item = model.ItemTower!.Architecture;
        Assert.IsTrue(item.UseIdEmbedding, "the peer's item tower has an item id embedding");
        Assert.AreEqual(64, item.IdEmbeddingDimension);
        Assert.AreEqual(64, item.FeatureEmbeddingDimension);
        CollectionAssert.AreEqual(new[] { 256, 128 }, item.HiddenLayers.ToArray());
        Assert.AreEqual(128, item.OutputDimension);
        Assert.IsTrue(item.Normalize);
        Assert.IsTrue(model.UserTower!.Architecture.UseIdEmbedding);

        // The peer's model is the last step's parameters: the same run with averaging off explicitly gives the same vectors.
        var noAveraging = TrainingThroughputBenchmark.PeerConfiguration(epochs: 1, threads: 1);
        noAveraging.ComputeQualityReport = false;
        noAveraging.WeightAveragingDecay = 0f;
        var reference = new TwoTowerTrainer(noAveraging).Train(data);
        CollectionAssert.AreEqual(reference.ItemVectors.ToArray(), model.ItemVectors.ToArray());
        CollectionAssert.AreEqual(reference.UserVectors.ToArray(), model.UserVectors.ToArray());
    }
}
