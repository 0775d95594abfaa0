using TwoTower.MLNet.Retrieval.Engine;

namespace TwoTower.MLNet.Tests.Retrieval;

/// <summary>A larger k extends an answer without reordering it, as long as the sources' quotas hold k items.</summary>
[TestClass]
public sealed class RecommendPrefixTests
{
    [TestMethod]
    public void Recommend_LargerKWithinTheQuotas_StartsWithTheSmallerAnswer()
    {
        // 400 items: the default plan's quotas (mf 100, itemknn 50, popularity 20) hold at least 100 allowed items per user.
        using var e = RetrievalEngine.Create(RetrievalFixture.Model(users: 30, items: 400, perUser: 40), RetrievalFixture.Items(400), RetrievalFixture.Users(30),
            new RetrievalEngineOptions { IndexSpec = "Flat" });
        foreach (var user in Enumerable.Range(1, 30).Select(u => u.ToString()))
        {
            var top10 = e.Recommend(new RecommendRequest { UserId = user, K = 10 }).Items.Select(i => (i.ItemId, i.Score)).ToArray();
            var top100 = e.Recommend(new RecommendRequest { UserId = user, K = 100 }).Items;
            Assert.HasCount(100, top100);
            CollectionAssert.AreEqual(top10, top100.Take(10).Select(i => (i.ItemId, i.Score)).ToArray(), $"user {user}");
        }
    }
}
