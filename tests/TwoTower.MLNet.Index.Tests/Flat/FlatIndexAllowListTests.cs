using System.Collections;
using FsCheck;
using FsCheck.Fluent;
using TwoTower.MLNet.Index.Flat;
using TwoTower.MLNet.Index.Persistence;

namespace TwoTower.MLNet.Index.Tests.Flat;

/// <summary>Allow-lists of every selectivity (a selective one makes Flat score only the allowed rows) give the exact filtered answer.</summary>
[TestClass]
public sealed class FlatIndexAllowListTests
{
    private const int N = 3000, D = 12, K = 10;

    // Ids 1000, 1003, 1006, …: the gaps between them are ids the index does not hold.
    private static readonly long[] Ids = Enumerable.Range(0, N).Select(i => 1000L + 3 * i).ToArray();

    [TestMethod]
    public void Search_AllowListOfAnySelectivity_SameAsFilterAndBruteForceOverTheAllowedSet()
    {
        // Shares from none to all: the selective ones make Flat score only the allowed rows (up to 1/17 of the rows for one
        // query, 1/8 for a batch), the others keep the full scan with a test per candidate.
        var shares = new[] { 0.0, 0.0005, 0.005, 0.01, 0.05, 0.06, 0.12, 0.13, 0.5, 1.0 };
        var gen = from seed in Gen.Choose(0, 100000) from share in Gen.Elements(shares) from m in Gen.Choose(0, 2) from threads in Gen.Choose(1, 2) select (seed, share, (VectorMetric)m, threads);
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(60), Prop.ForAll(gen.ToArbitrary(), t =>
        {
            var (seed, share, metric, threads) = t;
            var x = TestData.Uniform(N, D, seed);
            using var index = new FlatIndex(D, metric);
            index.Add(Ids, x);
            var rng = new Random(seed);
            var removed = Ids.Where(_ => rng.NextDouble() < 0.02).ToHashSet();
            foreach (var id in removed) index.Remove(id);
            // Bits over the whole id range and beyond (gaps and ids past the last stored one), set with the given share;
            // sometimes the list stops before the last stored id, so ids past its end are not allowed.
            var allow = new BitArray(seed % 3 == 0 ? (int)Ids[N / 2] : (int)Ids[^1] + 500);
            for (var i = 0; i < allow.Length; i++) allow[i] = rng.NextDouble() < share;
            if (share > 0 && share < 0.001) allow[(int)Ids[N / 3]] = true;
            bool Allowed(long id) => id < allow.Length && allow[(int)id];

            var q = TestData.Uniform(20, D, seed + 1);
            var options = new SearchOptions { Threads = threads };
            foreach (var (queries, count) in new[] { (q, 20), (q[..D], 1) })
            {
                var byList = index.Search(queries, K, options with { AllowList = allow });
                // The Filter delegate takes the full scan with a test per candidate: the same answer, bit for bit.
                var byFilter = index.Search(queries, K, options with { Filter = Allowed });
                if (!byList.Ids.SequenceEqual(byFilter.Ids) || !byList.Scores.SequenceEqual(byFilter.Scores)) return false.Label($"vs Filter, {count} queries");
                for (var i = 0; i < count; i++)
                {
                    var qi = queries.AsSpan(i * D, D);
                    var expected = TestData.BruteForce(x, Ids, qi, K, metric, id => Allowed(id) && !removed.Contains(id));
                    var got = byList.IdsOf(i);
                    for (var j = 0; j < K; j++)
                    {
                        if (j >= expected.Length)
                        {
                            if (got[j] != -1) return false.Label($"query {i}: hit {j} should be empty");
                            continue;
                        }
                        if (got[j] < 0 || !Allowed(got[j]) || removed.Contains(got[j])) return false.Label($"query {i}: id {got[j]} is not allowed");
                        var want = TestData.Score(qi, x.AsSpan((int)(expected[j] - 1000) / 3 * D, D), metric);
                        // Ids may differ only where scores tie within float rounding.
                        if (Math.Abs(byList.ScoresOf(i)[j] - want) > 1e-4f * (1 + Math.Abs(want))) return false.Label($"query {i}: score {j}");
                    }
                }
            }
            return true.ToProperty();
        }));
    }

    [TestMethod]
    public void Search_AllowListWithoutStoredIds_ReturnsNoHits()
    {
        using var index = new FlatIndex(D);
        index.Add(Ids, TestData.Uniform(N, D, 7));
        var q = TestData.Uniform(3, D, 8);
        var gaps = new BitArray((int)Ids[^1] + 100);
        for (var id = 1001; id < gaps.Length; id += 3) gaps[id] = true;
        foreach (var allow in new[] { new BitArray(0), new BitArray(500, true), new BitArray(gaps.Length), gaps })
        {
            var r = index.Search(q, K, new SearchOptions { AllowList = allow });
            Assert.IsTrue(r.Ids.All(id => id == -1), $"allow-list of {allow.Length} bits");
            Assert.IsTrue(r.Scores.All(float.IsNegativeInfinity));
        }
    }

    [TestMethod]
    public void Search_SelectiveAllowListAndFilter_BothApply()
    {
        using var index = new FlatIndex(D, VectorMetric.L2);
        var x = TestData.Uniform(N, D, 9);
        index.Add(Ids, x);
        var allow = new BitArray((int)Ids[^1] + 1);
        foreach (var id in Ids.Where((_, i) => i % 50 == 0)) allow[(int)id] = true;
        var q = TestData.Uniform(4, D, 10);
        var r = index.Search(q, K, new SearchOptions { AllowList = allow, Filter = id => id % 2 == 0 });
        for (var i = 0; i < 4; i++)
            CollectionAssert.AreEqual(TestData.BruteForce(x, Ids, q.AsSpan(i * D, D), K, VectorMetric.L2, id => allow[(int)id] && id % 2 == 0), r.IdsOf(i).ToArray());
    }

    [TestMethod]
    public void Search_SelectiveAllowListOnMappedIndex_SameAsFullLoad()
    {
        using var built = new FlatIndex(D);
        built.Add(Ids, TestData.Uniform(N, D, 11));
        built.Remove(Ids[5]);
        var allow = new BitArray((int)Ids[^1] + 1);
        for (var i = 0; i < N; i += 40) allow[(int)Ids[i]] = true;
        var dir = TestPaths.TempDir();
        try
        {
            var path = Path.Combine(dir, "flat.ttvx");
            built.Save(path);
            using var full = VectorIndex.Load(path);
            using var mapped = VectorIndex.Load(path, IndexLoadOptions.Mapped);
            Assert.IsTrue(mapped.IsMemoryMapped);
            var q = TestData.Uniform(30, D, 12);
            var expected = built.Search(q, K, new SearchOptions { AllowList = allow });
            foreach (var index in new[] { full, mapped })
            {
                var r = index.Search(q, K, new SearchOptions { AllowList = allow });
                CollectionAssert.AreEqual(expected.Ids, r.Ids);
                CollectionAssert.AreEqual(expected.Scores, r.Scores);
            }
        }
        finally { Directory.Delete(dir, recursive: true); }
    }
}
