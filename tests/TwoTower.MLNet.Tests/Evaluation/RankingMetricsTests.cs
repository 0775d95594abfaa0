using TwoTower.MLNet.Evaluation;

namespace TwoTower.MLNet.Tests.Evaluation;

[TestClass]
public sealed class RankingMetricsTests
{
    [TestMethod]
    public void AllMetrics_TwoRelevantAtRanks0And3_HandComputed()
    {
        int[] ranks = { 0, 3 };
        Assert.AreEqual(1.0, RankingMetrics.HitRate(ranks, 5));
        Assert.AreEqual(0.5, RankingMetrics.Recall(ranks, 3));
        Assert.AreEqual(1.0, RankingMetrics.Recall(ranks, 4));
        // DCG = 1/log2(2) + 1/log2(5); IDCG = 1 + 1/log2(3).
        Assert.AreEqual((1 + 1 / Math.Log2(5)) / (1 + 1 / Math.Log2(3)), RankingMetrics.Ndcg(ranks, 5), 1e-12);
        // AP@5 = (1/1 + 2/4) / min(5, 2).
        Assert.AreEqual(0.75, RankingMetrics.AveragePrecision(ranks, 5), 1e-12);
        Assert.AreEqual(1.0, RankingMetrics.ReciprocalRank(ranks));
    }

    [TestMethod]
    public void Ndcg_MoreRelevantItemsThanK_IdealCountsOnlyK()
    {
        // Three relevant items, K = 2: both top places hold relevant items, which is ideal.
        Assert.AreEqual(1.0, RankingMetrics.Ndcg(new[] { 0, 1, 5 }, 2), 1e-12);
        Assert.AreEqual(1 / (1 + 1 / Math.Log2(3)), RankingMetrics.Ndcg(new[] { 0, 5, 6 }, 2), 1e-12);
    }

    [TestMethod]
    public void Ndcg_SingleTargetAtRank2_IsOneOverLog2Of4()
    {
        Assert.AreEqual(0.5, RankingMetrics.Ndcg(new[] { 2 }, 10), 1e-12);
        Assert.AreEqual(0.0, RankingMetrics.Ndcg(new[] { 10 }, 10));
    }

    [TestMethod]
    public void Metrics_UnrankableTarget_CountsAsMiss()
    {
        int[] ranks = { int.MaxValue };
        Assert.AreEqual(0.0, RankingMetrics.HitRate(ranks, 100));
        Assert.AreEqual(0.0, RankingMetrics.ReciprocalRank(ranks));
        Assert.AreEqual(0.0, RankingMetrics.AveragePrecision(ranks, 100));
    }

    [TestMethod]
    public void ReciprocalRank_BestOfSeveral_UsesBestRank()
    {
        Assert.AreEqual(0.25, RankingMetrics.ReciprocalRank(new[] { 7, 3, 9 }));
    }

    [TestMethod]
    public void AveragePrecision_MoreRelevantThanK_NormalisesByK()
    {
        // 3 relevant at ranks 0,1,5; k = 2 → (1/1 + 2/2) / 2.
        Assert.AreEqual(1.0, RankingMetrics.AveragePrecision(new[] { 0, 1, 5 }, 2), 1e-12);
    }
}
