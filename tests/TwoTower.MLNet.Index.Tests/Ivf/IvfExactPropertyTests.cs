using System.Collections;
using FsCheck;
using FsCheck.Fluent;
using Microsoft.FSharp.Core;
using TwoTower.MLNet.Index.Ivf;
using TwoTower.MLNet.Index.Persistence;

namespace TwoTower.MLNet.Index.Tests.Ivf;

/// <summary>
/// IVF probing every list (and IVF-PQ re-ranking a shortlist that holds every vector) is exact: against brute force over the
/// live vectors, through removals, replacements, compaction, save and (mapped) load, allow-lists, filters and k past the count.
/// </summary>
[TestClass]
public sealed class IvfExactPropertyTests
{
    // A fixed replay, as HnswIndexRecallTests: the same cases on every run.
    private static readonly Config Replayed = Config.QuickThrowOnFailure.WithMaxTest(40)
        .WithReplay(FSharpOption<Replay>.Some(new Replay(new Rnd(20261207UL, 0x9E3779B97F4A7C15UL), FSharpOption<int>.None)));

    [TestMethod]
    public void Search_AllListsProbed_SameAsBruteForceThroughChangesFiltersAndReloads()
    {
        Check.One(Replayed, Prop.ForAll(Arb.From(Gen.Choose(0, 1_000_000)), seed =>
        {
            var rng = new Random(seed);
            var d = new[] { 1, 3, 4, 8 }[rng.Next(4)];
            var metric = (VectorMetric)rng.Next(3);
            // Lists from one to as many as training rows (k-means on exactly one row per centroid); IVF-PQ needs 256 rows.
            var pq = rng.Next(3) == 0;
            var n = pq ? 256 + rng.Next(100) : 4 + rng.Next(200);
            var lists = rng.Next(3) switch { 0 => 1, 1 => n, _ => 1 + rng.Next(8) };
            var options = new IvfOptions { Lists = lists, SubQuantizers = d == 8 ? 4 : d, Refine = true, Seed = seed, BuildThreads = 1 + rng.Next(2) };
            IVectorIndex index = pq ? new IvfPqIndex(d, metric, options) : new IvfFlatIndex(d, metric, options);
            var x = TestData.Gaussian(n, d, seed);
            // Duplicated rows and (not under cosine) zero rows.
            for (var i = 0; i < n; i++)
            {
                var c = rng.Next(6);
                if (c == 0) x.AsSpan(0, d).CopyTo(x.AsSpan(i * d, d));
                else if (c == 1 && metric != VectorMetric.Cosine) x.AsSpan(i * d, d).Clear();
            }
            var ids = Enumerable.Range(0, n).Select(i => (long)(i * 3 + rng.Next(3))).ToArray();
            var live = new Dictionary<long, float[]>();
            var dir = TestPaths.TempDir();
            try
            {
                index.Train(x);
                index.Add(ids, x);
                for (var i = 0; i < n; i++) live[ids[i]] = x.AsSpan(i * d, d).ToArray();
                for (var j = 0; j < n / 4; j++)
                {
                    var id = ids[rng.Next(n)];
                    if (rng.Next(2) == 0) Assert.AreEqual(live.Remove(id), index.Remove(id), $"Remove({id})");
                    else if (live.ContainsKey(id))
                    {
                        var v = metric != VectorMetric.Cosine && j % 5 == 0 ? new float[d] : TestData.Gaussian(1, d, seed ^ j);
                        index.Replace(id, v);
                        live[id] = v;
                    }
                }
                Assert.AreEqual(live.Count, index.Count);
                switch (rng.Next(4))
                {
                    case 1:
                        index.Compact();
                        Assert.AreEqual(0, index.RemovedCount);
                        break;
                    case >= 2 and var mode:
                        var path = Path.Combine(dir, "ivf.ttvx");
                        index.Save(path);
                        index.Dispose();
                        index = VectorIndex.Load(path, new IndexLoadOptions { MemoryMap = mode == 3 });
                        Assert.AreEqual((live.Count, 0), (index.Count, index.RemovedCount));
                        // A change after the load: a removal, and an add that copies a mapped list out.
                        var gone = live.Keys.First();
                        Assert.IsTrue(index.Remove(gone));
                        live.Remove(gone);
                        var fresh = TestData.Gaussian(1, d, seed + 5);
                        index.Add([1_000_000L], fresh);
                        live[1_000_000L] = fresh;
                        break;
                }
                var allow = rng.Next(3) == 0 ? null : new BitArray(rng.Next((int)live.Keys.Max() + 5));
                if (allow is not null) for (var b = 0; b < allow.Length; b++) allow[b] = rng.Next(3) != 0;
                var modulus = 2 + rng.Next(3);
                Func<long, bool>? filter = rng.Next(2) == 0 ? null : id => id % modulus != 0;
                bool Eligible(long id) => (allow is null || (id < allow.Length && allow[(int)id])) && (filter is null || filter(id));
                // Past the live count at times; for IVF-PQ, a shortlist (RefineFactor 10 × k) that holds every vector.
                var k = Math.Max(1 + rng.Next(live.Count + 5), pq ? (live.Count + 9) / 10 : 1);
                var q = TestData.Gaussian(3, d, seed + 99);
                var results = index.Search(q, k, new SearchOptions { NProbe = lists, AllowList = allow, Filter = filter, Threads = 1 + rng.Next(3) });
                var keys = live.Keys.ToArray();
                var vectors = keys.SelectMany(id => live[id]).ToArray();
                for (var i = 0; i < 3; i++)
                {
                    var query = q.AsSpan(i * d, d);
                    var truth = TestData.BruteForce(vectors, keys, query, k, metric, Eligible);
                    var got = results.IdsOf(i).ToArray();
                    var scores = results.ScoresOf(i).ToArray();
                    Assert.AreEqual(truth.Length, got.Count(id => id >= 0), $"seed {seed}: hits of query {i}");
                    for (var r = 0; r < k; r++)
                    {
                        if (r >= truth.Length)
                        {
                            Assert.AreEqual((-1L, float.NegativeInfinity), (got[r], scores[r]), $"seed {seed}: padding at {r}");
                            continue;
                        }
                        Assert.IsTrue(live.ContainsKey(got[r]) && Eligible(got[r]), $"seed {seed}: id {got[r]} at {r} is not a live eligible id");
                        // Same scores rank by rank (ties among equal vectors may list other ids), each the hit's own.
                        var expected = TestData.Score(query, live[truth[r]], metric);
                        var own = TestData.Score(query, live[got[r]], metric);
                        Assert.AreEqual(expected, scores[r], 1e-3f * (1 + Math.Abs(expected)), $"seed {seed}: score at {r}");
                        Assert.AreEqual(own, scores[r], 1e-3f * (1 + Math.Abs(own)), $"seed {seed}: score of id {got[r]}");
                    }
                }
                return true;
            }
            finally
            {
                index.Dispose();
                Directory.Delete(dir, recursive: true);
            }
        }));
    }
}
