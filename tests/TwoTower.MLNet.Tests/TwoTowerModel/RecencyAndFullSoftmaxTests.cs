using TwoTower.MLNet.Data;
using TwoTower.MLNet.Training;
using TwoTower.MLNet.TwoTowerModel;

namespace TwoTower.MLNet.Tests.TwoTowerModel;

using TwoTowerTrainerOptions = global::TwoTower.MLNet.TwoTowerModel.TwoTowerTrainerOptions;

[TestClass]
public sealed class RecencyAndFullSoftmaxTests
{
    // Each user rated 10 items of one group early and 10 of the other group late: even users moved from items 0..19 to 20..39, odd users the other way.
    private static InteractionLog DriftingLog(int users = 40, int seed = 3)
    {
        var rng = new Random(seed);
        var log = new InteractionLog("drift");
        for (var u = 0; u < users; u++)
        {
            int oldGroup = u % 2 == 0 ? 0 : 20, newGroup = 20 - oldGroup;
            var t = 0;
            foreach (var i in Enumerable.Range(0, 20).OrderBy(_ => rng.Next()).Take(10)) log.Add($"u{u}", $"i{i + oldGroup}", 1f, 1000 + t++);
            foreach (var i in Enumerable.Range(0, 20).OrderBy(_ => rng.Next()).Take(10)) log.Add($"u{u}", $"i{i + newGroup}", 1f, 5000 + t++);
        }
        return log;
    }

    private static TwoTowerTrainerOptions Small(int threads = 2) => new()
    {
        EmbeddingDimension = 8,
        IdEmbeddingDimension = 8,
        FeatureEmbeddingDimension = 4,
        HiddenLayers = new[] { 16 },
        BatchSize = 64,
        Epochs = 8,
        LearningRate = 0.01f,
        Temperature = 0.2f,
        Threads = threads,
        Seed = 1,
        RecencyWeight = 0f,
        RecencyHalfLife = 0,
        SoftmaxOverAllItems = false,
        ComputeQualityReport = false,
    };

    // Share of users whose items of the later group score higher on average than the items of the earlier group.
    private static double ShareLeaningToRecentGroup(TwoTowerRecommender model)
    {
        var scores = new float[model.Items.Count];
        var lean = 0;
        for (var u = 0; u < model.Users.Count; u++)
        {
            model.Score(new[] { u }, scores);
            var recentIsHigh = int.Parse(model.Users.GetRawId(u)[1..]) % 2 == 0;
            double recent = 0, early = 0;
            for (var k = 0; k < model.Items.Count; k++)
                if (int.Parse(model.Items.GetRawId(k)[1..]) >= 20 == recentIsHigh) recent += scores[k]; else early += scores[k];
            if (recent > early) lean++;
        }
        return lean / (double)model.Users.Count;
    }

    [TestMethod]
    public void Train_RecencyWeight_UserVectorsLeanToTheirRecentItems()
    {
        var data = TrainingData.Create(DriftingLog());
        var plain = new TwoTowerTrainer(Small()).Train(data);
        var options = Small();
        options.RecencyWeight = 20f;
        var recent = new TwoTowerTrainer(options).Train(data);
        var plainShare = ShareLeaningToRecentGroup(plain);
        var recentShare = ShareLeaningToRecentGroup(recent);
        Assert.IsGreaterThanOrEqualTo(0.9, recentShare, $"with β 20 most users lean to their later items (β 0: {plainShare})");
        Assert.IsGreaterThan(plainShare, recentShare, "the weights change what is learnt");
        Assert.AreEqual(20f, Convert.ToSingle(recent.Describe()["recency_weight"], System.Globalization.CultureInfo.InvariantCulture));
    }

    [TestMethod]
    public void Train_RecencyWeightOneAndTwoThreads_SameModel()
    {
        var data = TrainingData.Create(DriftingLog());
        TwoTowerTrainerOptions Options(int threads)
        {
            var o = Small(threads);
            o.RecencyWeight = 3f;
            o.SoftmaxOverAllItems = true;
            return o;
        }
        var a = new TwoTowerTrainer(Options(1)).Train(data);
        var b = new TwoTowerTrainer(Options(2)).Train(data);
        CollectionAssert.AreEqual(a.UserVectors.ToArray(), b.UserVectors.ToArray());
        CollectionAssert.AreEqual(a.ItemVectors.ToArray(), b.ItemVectors.ToArray());
    }

    [TestMethod]
    public void Train_SoftmaxOverAllItems_LogQIgnoredAndGroupsLearnt()
    {
        // Every item is a column of every batch: the softmax is exact, so the logQ switch must not change the model.
        var data = TrainingData.Create(TwoTowerTrainerTests.ClusteredLog());
        var withLogQ = Small();
        withLogQ.SoftmaxOverAllItems = true;
        var withoutLogQ = Small();
        withoutLogQ.SoftmaxOverAllItems = true;
        withoutLogQ.LogQCorrection = false;
        var a = new TwoTowerTrainer(withLogQ).Train(data);
        var b = new TwoTowerTrainer(withoutLogQ).Train(data);
        CollectionAssert.AreEqual(a.ItemVectors.ToArray(), b.ItemVectors.ToArray());
        var sampled = new TwoTowerTrainer(Small()).Train(data);
        CollectionAssert.AreNotEqual(sampled.ItemVectors.ToArray(), a.ItemVectors.ToArray(), "in-batch columns only give another model");
        Assert.IsLessThan(a.Report!.LossCurve[0], a.Report.LossCurve[^1], $"loss falls ({string.Join(", ", a.Report.LossCurve)})");
        var scores = new float[a.Items.Count];
        var wins = 0;
        for (var u = 0; u < a.Users.Count; u++)
        {
            a.Score(new[] { u }, scores);
            var even = int.Parse(a.Users.GetRawId(u)[1..]) % 2 == 0;
            double own = 0, other = 0;
            for (var k = 0; k < a.Items.Count; k++)
                if (int.Parse(a.Items.GetRawId(k)[1..]) < 20 == even) own += scores[k]; else other += scores[k];
            if (own > other) wins++;
        }
        Assert.AreEqual(a.Users.Count, wins, "every user scores its own taste group higher on average");
    }

    [TestMethod]
    public void Options_Defaults_RecencyBoostThreeHalvingEveryTenInBatchColumns()
    {
        // The tuned defaults (p2-tune, see the option docs): a change to them must be deliberate.
        var o = new TwoTowerTrainerOptions();
        Assert.AreEqual(3f, o.RecencyWeight);
        Assert.AreEqual(10, o.RecencyHalfLife);
        Assert.IsFalse(o.SoftmaxOverAllItems);
        o.Validate();
    }

    [TestMethod]
    public void Options_BadRecencyOrFullSoftmax_ThrowNamingOption()
    {
        foreach (var bad in new[] { -0.5f, float.NaN, float.PositiveInfinity })
        {
            var ex = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new TwoTowerTrainerOptions { RecencyWeight = bad }.Validate());
            Assert.AreEqual("RecencyWeight", ex.ParamName);
            StringAssert.Contains(ex.Message, "RecencyWeight must be a finite number ≥ 0");
        }
        var halfLife = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new TwoTowerTrainerOptions { RecencyHalfLife = -1 }.Validate());
        Assert.AreEqual("RecencyHalfLife", halfLife.ParamName);
        var hinge = Assert.ThrowsExactly<ArgumentException>(() => new TwoTowerTrainerOptions { RecencyWeight = 0f, SoftmaxOverAllItems = true, Loss = TwoTowerLoss.Hinge }.Validate());
        Assert.AreEqual("SoftmaxOverAllItems", hinge.ParamName);
    }
}
