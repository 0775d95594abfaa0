using TwoTower.MLNet.Data;
using TwoTower.MLNet.Training;
using TwoTower.MLNet.TwoTowerModel;

namespace TwoTower.MLNet.Tests.TwoTowerModel;

[TestClass]
public sealed class ModelContinuationTests
{
    // Yesterday's data plus a new user, a new item and a new genre value (which reorders the genre vocabulary).
    private static TrainingData Newer()
    {
        var log = TwoTowerTrainerTests.ClusteredLog(seed: 1);
        log.Add("new-user", "i3");
        log.Add("u0", "i99");
        var items = new ItemMetadata(TwoTowerTrainerTests.Genres().Records.Append(new ItemRecord("i99", "Movie 99", new[] { "Anime" }, null)));
        return TrainingData.Create(log, null, items);
    }

    // A learning rate far below every weight's precision and no averaging (its lerp rounds): the run ends with the weights it started from.
    private static TwoTowerTrainerOptions Frozen(TwoTowerRecommender? initial)
    {
        var o = TwoTowerTrainerTests.Small();
        o.Epochs = 1;
        o.LearningRate = 1e-30f;
        o.WeightAveragingDecay = 0f;
        o.InitialModel = initial;
        return o;
    }

    private static float[] Row(ReadOnlyMemory<float> vectors, int key, int d) => vectors.Span.Slice(key * d, d).ToArray();

    [TestMethod]
    public void Continue_KnownUsersItemsAndValuesKeepTheirWeights_NewOnesStartFresh()
    {
        var earlier = new TwoTowerTrainer(TwoTowerTrainerTests.Small()).Train(TrainingData.Create(TwoTowerTrainerTests.ClusteredLog(seed: 1), null, TwoTowerTrainerTests.Genres()));
        var data = Newer();
        var continued = new TwoTowerTrainer(Frozen(earlier)).Train(data);
        var fresh = new TwoTowerTrainer(Frozen(null)).Train(data);
        var d = earlier.Dimension;
        for (var u = 0; u < earlier.Users.Count; u++)
        {
            var key = continued.Users.GetKey(earlier.Users.GetRawId(u));
            CollectionAssert.AreEqual(Row(earlier.UserVectors, u, d), Row(continued.UserVectors, key, d), $"user {earlier.Users.GetRawId(u)}");
        }
        // Items: id rows by raw id, genre and title-token rows by value although the vocabularies were rebuilt.
        for (var i = 0; i < earlier.Items.Count; i++)
        {
            var key = continued.Items.GetKey(earlier.Items.GetRawId(i));
            CollectionAssert.AreEqual(Row(earlier.ItemVectors, i, d), Row(continued.ItemVectors, key, d), $"item {earlier.Items.GetRawId(i)}");
        }
        var newItem = continued.Items.GetKey("i99");
        CollectionAssert.AreNotEqual(Row(fresh.ItemVectors, newItem, d), Row(continued.ItemVectors, newItem, d), "the new item's own row is fresh, its layers are the earlier model's");
        CollectionAssert.AreNotEqual(Row(earlier.ItemVectors, 0, d), Row(fresh.ItemVectors, fresh.Items.GetKey(earlier.Items.GetRawId(0)), d), "without InitialModel nothing is taken over");
        var summary = continued.Describe();
        Assert.AreEqual($"{earlier.Users.Count}/{earlier.Users.Count + 1}", summary["continued_users"]);
        Assert.AreEqual($"{earlier.Items.Count}/{earlier.Items.Count + 1}", summary["continued_items"]);
    }

    [TestMethod]
    public void Continue_ItemWithoutNewInteractions_KeepsItsIdRow()
    {
        // i3 is still in the catalogue (metadata) but nobody chose it in the newer data: its id row, learnt by the earlier
        // model, was zeroed as if it had never been trained, so its vector fell back to its genre and title alone.
        var options = TwoTowerTrainerTests.Small();
        options.UseItemIdEmbedding = true;
        var earlier = new TwoTowerTrainer(options).Train(TrainingData.Create(TwoTowerTrainerTests.ClusteredLog(seed: 1), null, TwoTowerTrainerTests.Genres()));
        var log = TwoTowerTrainerTests.ClusteredLog(seed: 1);
        var newer = log.Subset(Enumerable.Range(0, log.Count).Where(r => log.Items[r] != "i3"));
        var continuing = Frozen(earlier);
        continuing.UseItemIdEmbedding = true;
        var continued = new TwoTowerTrainer(continuing).Train(TrainingData.Create(newer, null, TwoTowerTrainerTests.Genres()));
        var d = earlier.Dimension;
        CollectionAssert.AreEqual(Row(earlier.ItemVectors, earlier.Items.GetKey("i3"), d), Row(continued.ItemVectors, continued.Items.GetKey("i3"), d));
        var idRow = earlier.ItemTower!.IdEmbedding.AsSpan(earlier.Items.GetKey("i3") * options.IdEmbeddingDimension, options.IdEmbeddingDimension).ToArray();
        CollectionAssert.AreEqual(idRow, continued.ItemTower!.IdEmbedding.AsSpan(continued.Items.GetKey("i3") * options.IdEmbeddingDimension, options.IdEmbeddingDimension).ToArray());
    }

    [TestMethod]
    public void Continue_OtherArchitectureOrFeatures_RefusesAndSaysHow()
    {
        var earlier = new TwoTowerTrainer(TwoTowerTrainerTests.Small()).Train(TrainingData.Create(TwoTowerTrainerTests.ClusteredLog(seed: 1), null, TwoTowerTrainerTests.Genres()));
        var wider = Frozen(earlier);
        wider.HiddenLayers = [32];
        var ex = Assert.ThrowsExactly<ArgumentException>(() => new TwoTowerTrainer(wider).Train(Newer()));
        StringAssert.Contains(ex.Message, "layers [32]");
        StringAssert.Contains(ex.Message, "the initial model's is id 8, features 4, layers [16]");
        var history = Frozen(earlier);
        history.UseUserHistory = true;
        ex = Assert.ThrowsExactly<ArgumentException>(() => new TwoTowerTrainer(history).Train(Newer()));
        StringAssert.Contains(ex.Message, "The user tower reads [history[]]; the initial model's reads []");
    }

    [TestMethod]
    public void Continue_FromAnEnsembleOrWithWarmStart_IsRefused()
    {
        var o = TwoTowerTrainerTests.Small();
        o.EnsembleSize = 2;
        var ensemble = new TwoTowerTrainer(o).Train(TrainingData.Create(TwoTowerTrainerTests.ClusteredLog(seed: 1), null, TwoTowerTrainerTests.Genres()));
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => new TwoTowerTrainer(Frozen(ensemble)).Train(Newer())).Message, "no tower weights");
        var both = Frozen(ensemble);
        both.InitialUserEmbeddings = new float[8];
        both.InitialEmbeddingDimension = 8;
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => new TwoTowerTrainer(both).Train(Newer())).Message, "choose one");
    }
}
