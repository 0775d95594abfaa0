using System.Collections;
using FsCheck;
using FsCheck.Fluent;
using TwoTower.MLNet.Index.Flat;

namespace TwoTower.MLNet.Index.Tests.Flat;

[TestClass]
public sealed class FlatIndexTests
{
    [TestMethod]
    public void Search_RandomData_MatchesBruteForceForEveryMetric()
    {
        var gen = from n in Gen.Choose(1, 300)
                  from d in Gen.Choose(1, 40)
                  from k in Gen.Choose(1, 20)
                  from m in Gen.Choose(0, 2)
                  from seed in Gen.Choose(0, 100000)
                  select (n, d, k, (VectorMetric)m, seed);
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(60), Prop.ForAll(gen.ToArbitrary(), t =>
        {
            var (n, d, k, metric, seed) = t;
            var x = TestData.Uniform(n, d, seed);
            var q = TestData.Uniform(3, d, seed + 1);
            var ids = TestData.Ids(n, 1000);
            using var index = new FlatIndex(d, metric);
            index.Add(ids, x);
            var res = index.Search(q, k, new SearchOptions { Threads = 1 + seed % 2 });
            for (var i = 0; i < 3; i++)
            {
                var expected = TestData.BruteForce(x, ids, q.AsSpan(i * d, d), k, metric);
                var got = res.IdsOf(i).ToArray();
                for (var j = 0; j < k; j++)
                {
                    if (j >= expected.Length) { if (got[j] != -1 || res.ScoresOf(i)[j] != float.NegativeInfinity) return false; continue; }
                    var want = TestData.Score(q.AsSpan(i * d, d), x.AsSpan((int)(expected[j] - 1000) * d, d), metric);
                    // Ids may differ only where scores tie within float rounding: the returned id's own vector must score what the brute force's does.
                    if (Math.Abs(res.ScoresOf(i)[j] - want) > 1e-4f * (1 + Math.Abs(want))) return false;
                    if (got[j] < 1000 || got[j] >= 1000 + n) return false;
                    var own = TestData.Score(q.AsSpan(i * d, d), x.AsSpan((int)(got[j] - 1000) * d, d), metric);
                    if (Math.Abs(own - want) > 1e-4f * (1 + Math.Abs(want))) return false;
                }
            }
            return true;
        }));
    }

    [TestMethod]
    public void Search_HandComputedCase_ReturnsExpectedOrderAndScores()
    {
        using var ip = new FlatIndex(2);
        ip.Add([10, 20, 30], [1, 0, 0, 2, 3, 3]);
        var r = ip.Search([1, 1], 2);
        CollectionAssert.AreEqual(new long[] { 30, 20 }, r.Ids);
        CollectionAssert.AreEqual(new float[] { 6, 2 }, r.Scores);

        using var l2 = new FlatIndex(2, VectorMetric.L2);
        l2.Add([10, 20, 30], [1, 0, 0, 2, 3, 3]);
        r = l2.Search([1, 1], 3);
        CollectionAssert.AreEqual(new long[] { 10, 20, 30 }, r.Ids);
        CollectionAssert.AreEqual(new float[] { -1, -2, -8 }, r.Scores);

        using var cos = new FlatIndex(2, VectorMetric.Cosine);
        cos.Add([10, 20], [3, 4, 0, 5]);
        r = cos.Search([0, 2], 2);
        CollectionAssert.AreEqual(new long[] { 20, 10 }, r.Ids);
        Assert.AreEqual(1f, r.Scores[0], 1e-6f);
        Assert.AreEqual(0.8f, r.Scores[1], 1e-6f);
    }

    [TestMethod]
    public void Search_FewerVectorsThanK_PadsWithMinusOne()
    {
        using var index = new FlatIndex(2);
        index.Add([5], [1, 1]);
        var r = index.Search([1, 0, 0, 1], 3);
        CollectionAssert.AreEqual(new long[] { 5, -1, -1, 5, -1, -1 }, r.Ids);
        Assert.AreEqual(float.NegativeInfinity, r.Scores[2]);
        Assert.AreEqual(0, index.Search([], 3).QueryCount);
    }

    [TestMethod]
    public void Search_FilterAndAllowList_NeverReturnExcludedIds()
    {
        var gen = from seed in Gen.Choose(0, 10000) from keepMod in Gen.Choose(2, 7) select (seed, keepMod);
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(25), Prop.ForAll(gen.ToArbitrary(), t =>
        {
            const int n = 400, d = 8, k = 10, offset = 1000;
            var x = TestData.Uniform(n, d, t.seed);
            // Ids unlike the row numbers, so that a row returned as its id would be caught.
            var ids = TestData.Ids(n, offset);
            using var index = new FlatIndex(d);
            index.Add(ids, x);
            var q = TestData.Uniform(4, d, t.seed + 7);
            bool Keep(long id) => id % t.keepMod == 0;
            var allow = new BitArray(n + offset);
            for (var i = 0; i < n + offset; i++) allow[i] = Keep(i);
            var byFilter = index.Search(q, k, new SearchOptions { Filter = Keep });
            var byAllow = index.Search(q, k, new SearchOptions { AllowList = allow });
            for (var i = 0; i < 4; i++)
            {
                var expected = TestData.BruteForce(x, ids, q.AsSpan(i * d, d), k, VectorMetric.InnerProduct, Keep);
                if (!byFilter.IdsOf(i).SequenceEqual(expected) || !byAllow.IdsOf(i).SequenceEqual(expected)) return false;
            }
            return true;
        }));
    }

    [TestMethod]
    public void Remove_RemovedIds_NeverReturnedBeforeOrAfterCompact()
    {
        const int n = 500, d = 6;
        var x = TestData.Uniform(n, d, 3);
        var ids = TestData.Ids(n);
        using var index = new FlatIndex(d);
        index.Add(ids, x);
        var removed = ids.Where(i => i % 3 == 0).ToHashSet();
        foreach (var id in removed) Assert.IsTrue(index.Remove(id));
        Assert.IsFalse(index.Remove(0), "removing twice reports absence");
        Assert.IsFalse(index.Remove(99999));
        Assert.AreEqual(n - removed.Count, index.Count);
        var q = TestData.Uniform(20, d, 4);
        var before = index.Search(q, 15);
        Assert.IsFalse(before.Ids.Any(removed.Contains));
        index.Compact();
        Assert.AreEqual(n - removed.Count, index.Count);
        var after = index.Search(q, 15);
        CollectionAssert.AreEqual(before.Ids, after.Ids);
        index.Add([0], x.AsSpan(0, d)); // a removed id may be added again
        Assert.AreEqual(0L, index.Search(x.AsSpan(0, d), 1, new SearchOptions { Filter = id => id % 3 == 0 }).Ids[0]);
    }

    [TestMethod]
    public void SaveLoad_RoundTrip_GivesIdenticalResults()
    {
        foreach (var metric in Enum.GetValues<VectorMetric>())
        {
            var x = TestData.Uniform(300, 12, 5);
            using var index = new FlatIndex(12, metric);
            index.Add(TestData.Ids(300), x);
            index.Remove(7);
            var path = Path.Combine(Path.GetTempPath(), $"flat-{Guid.NewGuid():N}.ttvx");
            try
            {
                index.Save(path);
                using var loaded = (FlatIndex)VectorIndex.Load(path);
                Assert.AreEqual(metric, loaded.Metric);
                Assert.AreEqual(299, loaded.Count);
                var q = TestData.Uniform(9, 12, 6);
                var a = index.Search(q, 10);
                var b = loaded.Search(q, 10);
                CollectionAssert.AreEqual(a.Ids, b.Ids);
                CollectionAssert.AreEqual(a.Scores, b.Scores);
            }
            finally { File.Delete(path); }
        }
    }

    [TestMethod]
    public void Add_BadInputs_ThrowClearMessages()
    {
        using var index = new FlatIndex(3);
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => index.Add([1], [1, 2])).Message, "not a multiple of the index dimension 3");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => index.Add([1], [1, float.NaN, 2])).Message, "row 0, column 1 is NaN");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => index.Add([1], [1, float.PositiveInfinity, 2])).Message, "expected finite values");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => index.Add([1, 1], [1, 2, 3, 4, 5, 6])).Message, "appears twice");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => index.Add([-1], [1, 2, 3])).Message, "negative");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => index.Add([1, 2], [1, 2, 3])).Message, "'ids' has 2 entries but 'vectors' has 1 rows");
        index.Add([1], [1, 2, 3]);
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => index.Add([1], [1, 2, 3])).Message, "already in the index");
        Assert.AreEqual(1, index.Count, "failed adds leave the index unchanged");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => new FlatIndex(3, VectorMetric.Cosine).Add([1], [0, 0, 0])).Message, "all zeros");
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new FlatIndex(0));
    }

    [TestMethod]
    public void Search_BadInputs_ThrowClearMessages()
    {
        using var index = new FlatIndex(3);
        index.Add([1], [1, 2, 3]);
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => index.Search([1, 2], 1)).Message, "'queries' has 2 values");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => index.Search([1, float.NaN, 2], 1)).Message, "NaN");
        Assert.AreEqual("k", Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => index.Search([1, 2, 3], 0)).ParamName);
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => index.Search([1, 2, 3], 1, new SearchOptions { Threads = 0 })).Message, "Threads must be ≥ 1");
    }

    [TestMethod]
    public void Search_WhileAnotherThreadAdds_ReturnsOnlyAddedIds()
    {
        const int d = 16;
        using var index = new FlatIndex(d);
        var x = TestData.Uniform(4000, d, 9);
        var writer = Task.Run(() =>
        {
            for (var b = 0; b < 40; b++) index.Add(TestData.Ids(100, b * 100), x.AsSpan(b * 100 * d, 100 * d));
        });
        var q = TestData.Uniform(8, d, 10);
        while (!writer.IsCompleted)
        {
            var r = index.Search(q, 5);
            Assert.IsTrue(r.Ids.All(id => id is >= -1 and < 4000));
        }
        writer.Wait();
        Assert.AreEqual(4000, index.Count);
    }
}
