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
    public void TopK_LongRowsWithTiesNaNAndExcluded_EqualsStableSort()
    {
        // Rows long enough for the vector scan (16 or 8 lanes after the heap fills), with excluded and NaN entries mixed in.
        var gen = from n in Gen.Choose(0, 3000) from k in Gen.Choose(1, 50) from seed in Gen.Choose(0, int.MaxValue) select (n, k, seed);
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(300), Prop.ForAll(gen.ToArbitrary(), t =>
        {
            var rng = new Random(t.seed);
            var s = Enumerable.Range(0, t.n).Select(_ => rng.Next(20) switch
            {
                0 => float.NegativeInfinity,
                1 => float.NaN,
                var v => rng.Next(40) / 4f + (v == 2 ? 100 : 0),
            }).ToArray();
            var top = new int[t.k];
            var found = ScoreRanking.TopK(s, t.k, top);
            var expected = Enumerable.Range(0, s.Length).Where(i => s[i] > float.NegativeInfinity).OrderByDescending(i => s[i]).ThenBy(i => i).Take(t.k).ToArray();
            return (found == expected.Length && top.Take(found).SequenceEqual(expected)).Label($"n {t.n} k {t.k} seed {t.seed}");
        }));
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
