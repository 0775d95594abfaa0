using TwoTower.MLNet.Data;
using TwoTower.MLNet.Models;
using TwoTower.MLNet.Models.Baselines;
using TwoTower.MLNet.Persistence;
using TwoTower.MLNet.Training;

namespace TwoTower.MLNet.Tests.Models;

[TestClass]
public sealed class BaselineModelTests
{
    private static TrainingData Tiny()
    {
        var log = new InteractionLog();
        // u1: a b ; u2: a b c ; u3: c
        foreach (var (u, i) in new[] { ("u1", "a"), ("u1", "b"), ("u2", "a"), ("u2", "b"), ("u2", "c"), ("u3", "c") }) log.Add(u, i);
        return TrainingData.Create(log);
    }

    private static float[] ScoresOf(IRecommender m, params int[] users)
    {
        var s = new float[users.Length * m.Items.Count];
        m.Score(users, s);
        return s;
    }

    [TestMethod]
    public void Popularity_CountsRepeatsPerItem()
    {
        var m = new PopularityTrainer().Fit(Tiny());
        CollectionAssert.AreEqual(new[] { 2f, 2f, 2f }, ScoresOf(m, 0));
    }

    [TestMethod]
    public void ItemItem_TinyCase_CosineSimilaritiesByHand()
    {
        var m = (ItemItemRecommender)new ItemItemTrainer().Fit(Tiny());
        // a={u1,u2}, b={u1,u2}, c={u2,u3}: cos(a,b)=1, cos(a,c)=cos(b,c)=1/2.
        var s = ScoresOf(m, 2); // u3 has seen c only
        Assert.AreEqual(0.5f, s[0], 1e-5f);
        Assert.AreEqual(0.5f, s[1], 1e-5f);
        Assert.AreEqual(0f, s[2], 1e-5f); // no self-similarity; only the popularity tie-break
    }

    [TestMethod]
    public void ItemItem_UnknownUser_GetsPopularityOrder()
    {
        var m = new ItemItemTrainer().Fit(Tiny());
        var s = ScoresOf(m, -1);
        Assert.IsTrue(s.All(v => v > 0));
    }

    [TestMethod]
    public void Random_ScoresDoNotDependOnBatching()
    {
        var m = new RandomTrainer(5).Fit(Tiny());
        var both = ScoresOf(m, 0, 1);
        var second = ScoresOf(m, 1);
        CollectionAssert.AreEqual(second, both[3..]);
        CollectionAssert.AreNotEqual(both[..3], second);
    }

    [TestMethod]
    public void SaveLoad_EveryBaseline_GivesIdenticalScores()
    {
        foreach (var trainer in new IRecommenderTrainer[] { new PopularityTrainer(), new RandomTrainer(9), new ItemItemTrainer() })
        {
            var m = trainer.Fit(Tiny());
            var path = Path.Combine(TestPaths.TempDir(), "m.ttm");
            ModelRegistry.Save(m, path);
            var back = ModelRegistry.Load(path);
            Assert.AreEqual(m.ModelType, back.ModelType);
            CollectionAssert.AreEqual(ScoresOf(m, 0, 1, 2, -1), ScoresOf(back, 0, 1, 2, -1), m.ModelType);
        }
    }

    [TestMethod]
    public void Score_UserKeyOutOfRange_Throws()
    {
        var m = new PopularityTrainer().Fit(Tiny());
        var ex = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => m.Score(new[] { 3 }, new float[3]));
        StringAssert.Contains(ex.Message, "[0, 3)");
    }

    [TestMethod]
    public void Score_BufferTooSmall_Throws()
    {
        var m = new PopularityTrainer().Fit(Tiny());
        Assert.ThrowsExactly<ArgumentException>(() => m.Score(new[] { 0, 1 }, new float[3]));
    }

    [TestMethod]
    public void TrainingData_EmptyLog_ThrowsNamingSource()
    {
        var ex = Assert.ThrowsExactly<ArgumentException>(() => TrainingData.Create(new InteractionLog("train.csv")));
        StringAssert.Contains(ex.Message, "train.csv");
    }

    [TestMethod]
    public void ItemItemTrainer_ZeroNeighbors_Throws()
    {
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new ItemItemTrainer(new ItemItemOptions { Neighbors = 0 }));
    }
}
