using FsCheck;
using FsCheck.Fluent;
using TwoTower.MLNet.Retrieval.Candidates;

namespace TwoTower.MLNet.Tests.Retrieval;

[TestClass]
public sealed class CandidateMergerTests
{
    private static List<CandidateMerger.SourceList> Lists(int[][] raw)
    {
        var lists = new List<CandidateMerger.SourceList>();
        for (var s = 0; s < raw.Length; s++)
        {
            var cands = (raw[s] ?? Array.Empty<int>()).Select((v, i) => new Candidate(Math.Abs(v % 15), (v % 11) / 3f + i % 2)).ToList();
            lists.Add(new CandidateMerger.SourceList("s" + s, 0.5f + s, cands));
        }
        return lists;
    }

    [TestMethod]
    public void Merge_RandomLists_DedupKeepsBestScoreAndEverySource()
    {
        Prop.ForAll<int[][], int>((raw, n) =>
        {
            raw ??= Array.Empty<int[]>();
            var norm = (ScoreNormalization)(Math.Abs(n) % 3);
            var lists = Lists(raw);
            var merged = CandidateMerger.Merge(lists, norm);
            if (merged.Select(m => m.ItemKey).Distinct().Count() != merged.Count) return false;
            var expectedKeys = lists.SelectMany(l => l.Candidates.Select(c => c.ItemKey)).Distinct().Count();
            if (merged.Count != expectedKeys) return false;
            var brute = new Dictionary<int, (float Best, HashSet<string> Sources)>();
            foreach (var l in lists)
            {
                var normalized = new float[l.Candidates.Count];
                CandidateMerger.Normalize(l.Candidates, norm, normalized);
                for (var i = 0; i < normalized.Length; i++)
                {
                    var key = l.Candidates[i].ItemKey;
                    var score = l.Weight * normalized[i];
                    if (!brute.TryGetValue(key, out var e)) brute[key] = (score, new HashSet<string> { l.Source });
                    else { e.Sources.Add(l.Source); brute[key] = (Math.Max(e.Best, score), e.Sources); }
                }
            }
            foreach (var m in merged)
                if (m.Score != brute[m.ItemKey].Best || !m.Sources.ToHashSet().SetEquals(brute[m.ItemKey].Sources) || m.Sources.Count != m.Sources.Distinct().Count())
                    return false;
            for (var i = 1; i < merged.Count; i++)
                if (CandidateMerger.Compare(merged[i - 1], merged[i]) > 0) return false;
            return true;
        }).QuickCheckThrowOnFailure();
    }

    [TestMethod]
    public void Normalize_MinMax_HandComputed()
    {
        var c = new[] { new Candidate(1, 3f), new Candidate(2, 1f), new Candidate(3, 2f) };
        var n = new float[3];
        CandidateMerger.Normalize(c, ScoreNormalization.MinMax, n);
        CollectionAssert.AreEqual(new[] { 1f, 0f, 0.5f }, n);
    }

    [TestMethod]
    public void Normalize_MinMaxAllEqual_AllOne()
    {
        var n = new float[2];
        CandidateMerger.Normalize(new[] { new Candidate(1, 4f), new Candidate(2, 4f) }, ScoreNormalization.MinMax, n);
        CollectionAssert.AreEqual(new[] { 1f, 1f }, n);
    }

    [TestMethod]
    public void Normalize_MinMaxWithNonFiniteOrHugeScores_KeepsTheOrderOfTheFiniteOnes()
    {
        // A custom source's NaN or infinity, or a range past float, flattened every score to 1 before.
        var n = new float[4];
        CandidateMerger.Normalize(new[] { new Candidate(1, 0.9f), new Candidate(2, 0.5f), new Candidate(3, 0.1f), new Candidate(4, float.NaN) }, ScoreNormalization.MinMax, n);
        CollectionAssert.AreEqual(new[] { 1f, 0.5f, 0f, 0f }, n);
        var m = new float[3];
        CandidateMerger.Normalize(new[] { new Candidate(1, 5f), new Candidate(2, float.NegativeInfinity), new Candidate(3, 1f) }, ScoreNormalization.MinMax, m);
        CollectionAssert.AreEqual(new[] { 1f, 0f, 0f }, m);
        CandidateMerger.Normalize(new[] { new Candidate(1, float.PositiveInfinity), new Candidate(2, 2f), new Candidate(3, 1f) }, ScoreNormalization.MinMax, m);
        CollectionAssert.AreEqual(new[] { 1f, 1f, 0f }, m);
        CandidateMerger.Normalize(new[] { new Candidate(1, 3e38f), new Candidate(2, 0f), new Candidate(3, -3e38f) }, ScoreNormalization.MinMax, m);
        CollectionAssert.AreEqual(new[] { 1f, 0.5f, 0f }, m);
    }

    [TestMethod]
    public void Normalize_RankWithTies_TiesShareBetterRank()
    {
        var c = new[] { new Candidate(1, 1f), new Candidate(2, 5f), new Candidate(3, 5f), new Candidate(4, 0f) };
        var n = new float[4];
        CandidateMerger.Normalize(c, ScoreNormalization.Rank, n);
        CollectionAssert.AreEqual(new[] { 1f / 3, 1f, 1f, 1f / 4 }, n);
    }

    [TestMethod]
    public void Merge_TwoSourcesSameItem_KeepsBestAndBothSources()
    {
        var a = new CandidateMerger.SourceList("a", 1f, new[] { new Candidate(7, 2f), new Candidate(8, 1f) });
        var b = new CandidateMerger.SourceList("b", 0.5f, new[] { new Candidate(8, 9f), new Candidate(9, 1f) });
        var merged = CandidateMerger.Merge(new[] { a, b }, ScoreNormalization.MinMax);
        // a: 7→1, 8→0; b (×0.5): 8→0.5, 9→0.
        Assert.HasCount(3, merged);
        Assert.AreEqual(7, merged[0].ItemKey);
        Assert.AreEqual(8, merged[1].ItemKey);
        Assert.AreEqual(0.5f, merged[1].Score);
        CollectionAssert.AreEqual(new[] { "a", "b" }, merged[1].Sources.ToArray());
        Assert.AreEqual(9, merged[2].ItemKey);
    }

    [TestMethod]
    public void Normalize_WrongSpanLength_Throws()
    {
        var ex = Assert.ThrowsExactly<ArgumentException>(() => CandidateMerger.Normalize(new[] { new Candidate(1, 1f) }, ScoreNormalization.None, new float[2]));
        StringAssert.Contains(ex.Message, "2 slots for 1 candidates");
    }
}
