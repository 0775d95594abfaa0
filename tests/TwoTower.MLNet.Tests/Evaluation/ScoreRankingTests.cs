using FsCheck;
using FsCheck.Fluent;
using TwoTower.MLNet.Evaluation;

namespace TwoTower.MLNet.Tests.Evaluation;

[TestClass]
public sealed class ScoreRankingTests
{
    private static float[] Scores(int[] raw) => raw.Select(v => (v % 7) / 2f).ToArray(); // many ties on purpose

    [TestMethod]
    public void CountGreater_RandomRows_EqualsNaiveCount()
    {
        Prop.ForAll<int[], int>((raw, t) =>
        {
            var s = Scores(raw ?? Array.Empty<int>());
            var target = (t % 7) / 2f;
            return ScoreRanking.CountGreater(s, target) == s.Count(x => x > target);
        }).QuickCheckThrowOnFailure();
    }

    [TestMethod]
    public void CountGreater_NaNTarget_RanksLast()
    {
        Assert.AreEqual(40, ScoreRanking.CountGreater(new float[40], float.NaN));
    }

    [TestMethod]
    public void CountGreater_NegativeInfinityEntries_NeverCount()
    {
        var s = Enumerable.Repeat(float.NegativeInfinity, 33).Append(1f).ToArray();
        Assert.AreEqual(1, ScoreRanking.CountGreater(s, 0.5f));
        Assert.AreEqual(0, ScoreRanking.CountGreater(s, 1f));
    }

    [TestMethod]
    public void TopK_RandomRows_EqualsStableSortByScoreThenIndex()
    {
        Prop.ForAll<int[], PositiveInt>((raw, kk) =>
        {
            var s = Scores(raw ?? Array.Empty<int>());
            var k = kk.Get % 20 + 1;
            var top = new int[k];
            var n = ScoreRanking.TopK(s, k, top);
            var expected = Enumerable.Range(0, s.Length).OrderByDescending(i => s[i]).ThenBy(i => i).Take(k).ToArray();
            return n == expected.Length && top.Take(n).SequenceEqual(expected);
        }).QuickCheckThrowOnFailure();
    }

    [TestMethod]
    public void TopK_ExcludedScores_AreNeverSelected()
    {
        float[] s = { float.NegativeInfinity, 2, float.NaN, 1 };
        var top = new int[4];
        Assert.AreEqual(2, ScoreRanking.TopK(s, 4, top));
        CollectionAssert.AreEqual(new[] { 1, 3 }, top.Take(2).ToArray());
    }

    [TestMethod]
    public void TopK_ZeroK_ThrowsNamingK()
    {
        var ex = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ScoreRanking.TopK(new float[3], 0, new int[1]));
        Assert.AreEqual("k", ex.ParamName);
    }
}
