using TwoTower.MLNet.Data;
using TwoTower.MLNet.Retrieval;
using TwoTower.MLNet.Tests.Evaluation;

namespace TwoTower.MLNet.Tests.Retrieval;

[TestClass]
public sealed class ExactRecommenderTests
{
    // Users u0, u1; items i0..i2; u0 has seen i1.
    private static readonly FixedScoresModel Model = new(new IdMap("user", ["u0", "u1"]), new IdMap("item", ["i0", "i1", "i2"]), new float[,]
    {
        { 0.1f, 0.9f, 0.5f },
        { 0.3f, 0.2f, 0.1f },
    });

    [TestMethod]
    public void Recommend_ExcludeSeen_LeavesOutTheSeenItems()
    {
        var recommender = new ExactRecommender(Model, new SparseMatrix(2, 3, [0, 1, 1], [1], [1f]));
        CollectionAssert.AreEqual(new[] { "i2", "i0" }, recommender.Recommend("u0", 2, excludeSeen: true).Select(r => r.ItemId).ToArray());
    }

    [TestMethod]
    public void Create_FromLoadedModel_TakesItsSeenItems()
    {
        var seen = new SparseMatrix(2, 3, [0, 1, 1], [1], [1f]);
        var recommender = new ExactRecommender(new TwoTower.MLNet.Persistence.LoadedModel(Model, seen, null));
        Assert.IsTrue(recommender.KnowsSeenItems);
        CollectionAssert.AreEqual(new[] { "i2", "i0" }, recommender.Recommend("u0", 2, excludeSeen: true).Select(r => r.ItemId).ToArray());
        Assert.IsFalse(new ExactRecommender(new TwoTower.MLNet.Persistence.LoadedModel(Model, null, null)).KnowsSeenItems);
    }

    [TestMethod]
    public void Recommend_ExcludeSeenWithoutSeenMatrix_SaysNoneWasPassed()
    {
        // Built in code without a seen matrix: the message must not blame a model file alone.
        var ex = Assert.ThrowsExactly<InvalidOperationException>(() => new ExactRecommender(Model).Recommend("u0", 2, excludeSeen: true));
        StringAssert.Contains(ex.Message, "no seen matrix was passed");
        StringAssert.Contains(ex.Message, "ToUserItemMatrix()");
    }
}
