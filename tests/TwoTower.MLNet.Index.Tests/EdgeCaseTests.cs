using TwoTower.MLNet.Index.Hnsw;
using TwoTower.MLNet.Index.Persistence;

namespace TwoTower.MLNet.Index.Tests;

/// <summary>Edge cases across the index kinds (found by an audit): concurrency, float range, result size, corrupt files.</summary>
[TestClass]
public sealed class EdgeCaseTests
{
    private static readonly string[] Specs = ["Flat", "HNSW16", "IVF8,Flat", "IVF8,PQ4", "IVF8,PQ4,Refine"];

    private static IVectorIndex Built(string spec, VectorMetric metric, float[] x, int d)
    {
        var index = IndexFactory.Create(spec, d, metric);
        index.Train(x);
        var ids = Enumerable.Range(0, x.Length / d).Select(i => (long)i).ToArray();
        index.Add(ids, x);
        return index;
    }

    [TestMethod]
    [DataRow("Flat")]
    [DataRow("HNSW16")]
    [DataRow("IVF8,Flat")]
    [DataRow("IVF8,PQ4,Refine")]
    public void Search_WhileIdsAreRemovedAndReAdded_NeverListsAnIdTwice(string spec)
    {
        // A search can pass an id's old vector before a writer removes it and then reach the one it is re-added as.
        const int n = 300, d = 8, churn = 40;
        var x = TestData.Clustered(n, d, 5, 0.3f, 41);
        var ids = Enumerable.Range(0, n).Select(i => (long)i).ToArray();
        using var index = Built(spec, VectorMetric.InnerProduct, x, d);
        var errors = new System.Collections.Concurrent.ConcurrentQueue<string>();
        int searches = 0;
        using var stop = new CancellationTokenSource();
        var readers = Enumerable.Range(0, 2).Select(t => Task.Run(() =>
        {
            var query = x.AsSpan(t * d, d).ToArray();
            var options = new SearchOptions { EfSearch = 400, NProbe = 8 };
            while (!stop.IsCancellationRequested)
            {
                var listed = index.Search(query, n, options).Ids.Where(id => id >= 0).ToArray();
                if (listed.Length != listed.Distinct().Count())
                    errors.Enqueue($"listed twice: {string.Join(",", listed.GroupBy(id => id).Where(g => g.Count() > 1).Select(g => g.Key))}");
                Interlocked.Increment(ref searches);
            }
        })).ToArray();
        var deadline = DateTime.UtcNow.AddSeconds(1.5);
        for (int round = 0; DateTime.UtcNow < deadline && errors.IsEmpty; round++)
        {
            for (int j = 0; j < churn; j++)
            {
                int i = (round * churn + j) % n;
                index.Remove(ids[i]);
                index.Add(ids.AsSpan(i, 1), x.AsSpan(i * d, d));
            }
            // Rebuilds drop the tombstones, so the index does not grow without end.
            if (round % 20 == 19) index.Compact();
        }
        stop.Cancel();
        Task.WaitAll(readers);
        Assert.IsTrue(errors.IsEmpty, $"{spec}: {string.Join("\n", errors.Take(3))}");
        Assert.IsGreaterThan(20, searches);
        Assert.AreEqual(n, index.Count);
    }

    [TestMethod]
    [DataRow("Flat")]
    [DataRow("HNSW16")]
    [DataRow("IVF8,Flat")]
    [DataRow("IVF8,PQ4,Refine")]
    public void RemovedCount_CountsTombstonesUntilCompactAndThroughSaveLoad(string spec)
    {
        const int n = 300, d = 8;
        var x = TestData.Gaussian(n, d, 47);
        using var index = Built(spec, VectorMetric.InnerProduct, x, d);
        Assert.AreEqual(0, index.RemovedCount);
        for (long id = 0; id < 30; id++) Assert.IsTrue(index.Remove(id));
        Assert.IsFalse(index.Remove(0), "removing twice is no second tombstone");
        Assert.AreEqual(30, index.RemovedCount);
        Assert.AreEqual(n - 30, index.Count);
        var path = Path.Combine(TestPaths.TempDir(), "index.ttvx");
        index.Save(path);
        using (var loaded = VectorIndex.Load(path))
        {
            // HNSW files keep their tombstones (the graph links through them); the others are written without.
            Assert.AreEqual(n - 30, loaded.Count);
            Assert.AreEqual(spec.StartsWith("HNSW", StringComparison.Ordinal) ? 30 : 0, loaded.RemovedCount);
            loaded.Compact();
            Assert.AreEqual(0, loaded.RemovedCount);
        }
        index.Compact();
        Assert.AreEqual(0, index.RemovedCount);
        Assert.AreEqual(n - 30, index.Count);
    }

    [TestMethod]
    [DataRow("Flat")]
    [DataRow("HNSW16")]
    [DataRow("IVF8,Flat")]
    [DataRow("IVF8,PQ4")]
    public void Search_WhileCompacting_AlwaysSeesTheLiveVectors(string spec)
    {
        // Found by an audit: Flat's Compact published an empty store before repacking the live rows, so searches meanwhile found nothing.
        const int n = 3000, d = 8;
        var x = TestData.Gaussian(n, d, 43);
        var ids = TestData.Ids(n);
        using var index = Built(spec, VectorMetric.InnerProduct, x, d);
        int searches = 0, empty = 0, lowCount = 0;
        using var stop = new CancellationTokenSource();
        var reader = Task.Run(() =>
        {
            var options = new SearchOptions { EfSearch = 50, NProbe = 8 };
            while (!stop.IsCancellationRequested)
            {
                if (index.Search(x.AsSpan(d, d), 5, options).IdsOf(0).Contains(-1L)) Interlocked.Increment(ref empty);
                if (index.Count < n - 1) Interlocked.Increment(ref lowCount);
                Interlocked.Increment(ref searches);
            }
        });
        var deadline = DateTime.UtcNow.AddSeconds(1);
        for (var round = 0; round < 3 || DateTime.UtcNow < deadline; round++)
        {
            var i = 2 + round % (n - 2);
            index.Remove(ids[i]);
            index.Compact();
            index.Add(ids.AsSpan(i, 1), x.AsSpan(i * d, d));
        }
        stop.Cancel();
        reader.Wait();
        Assert.IsGreaterThan(10, searches);
        Assert.AreEqual(0, empty, $"{spec}: {empty} of {searches} searches came back short");
        Assert.AreEqual(0, lowCount, $"{spec}: Count fell below {n - 1} {lowCount} times");
    }

    [TestMethod]
    [DataRow("Flat")]
    [DataRow("HNSW16")]
    [DataRow("IVF8,Flat")]
    [DataRow("IVF8,PQ4")]
    public void Save_WhileIdsAreRemoved_WritesALoadableSnapshot(string spec)
    {
        // Found by an audit: Flat and IVF saved outside the write lock, so a Remove meanwhile left the snapshot one live row short
        // of its count and the file held empty rows of id 0 (never added): 'id 0 is stored twice' when loaded.
        const int n = 20000, d = 8;
        var x = TestData.Gaussian(n, d, 44);
        var ids = TestData.Ids(n, 1);
        using var index = IndexFactory.Create(spec, d, VectorMetric.InnerProduct);
        index.Train(x);
        index.Add(ids, x);
        var dir = TestPaths.TempDir();
        var errors = new List<string>();
        using var stop = new CancellationTokenSource();
        var remover = Task.Run(() =>
        {
            for (var i = 0; i < n && !stop.IsCancellationRequested; i++) { index.Remove(ids[i]); Thread.SpinWait(100); }
        });
        for (var round = 0; round < 10; round++)
        {
            var path = Path.Combine(dir, $"{round}.ttvx");
            index.Save(path);
            try
            {
                using var loaded = VectorIndex.Load(path);
                var listed = loaded.Search(x.AsSpan(0, d), n, new SearchOptions { NProbe = 8, EfSearch = n }).Ids.Where(id => id >= 0).ToArray();
                if (listed.Contains(0)) errors.Add($"round {round}: id 0, never added, is in the file");
            }
            catch (InvalidDataException e) { errors.Add($"round {round}: {e.Message}"); }
        }
        stop.Cancel();
        remover.Wait();
        Assert.IsEmpty(errors, $"{spec}: {string.Join("\n", errors.Take(3))}");
    }

    [TestMethod]
    public void L2_NearDuplicatesOfALargeCentre_ScoresNeverPositiveAndSortedBestFirst()
    {
        // 200 points within ±1e-3 of a centre with components ±3: the expanded form's rounding is larger than the distances.
        const int d = 16;
        var rng = new Random(2);
        var centre = Enumerable.Range(0, d).Select(_ => rng.Next(2) == 0 ? -3f : 3f).ToArray();
        var x = new float[200 * d];
        for (var i = 0; i < x.Length; i++) x[i] = centre[i % d] + (float)(rng.NextDouble() * 2e-3 - 1e-3);
        foreach (var spec in new[] { "Flat", "HNSW16", "IVF8,Flat" })
        {
            using var index = Built(spec, VectorMetric.L2, x, d);
            var scores = index.Search(centre, 20, new SearchOptions { EfSearch = 200, NProbe = 8 }).ScoresOf(0).ToArray();
            Assert.IsTrue(scores.All(s => s <= 0), $"{spec}: a score above 0 ({scores.Max()}) is no −‖q − x‖²");
            for (var i = 1; i < scores.Length; i++) Assert.IsLessThanOrEqualTo(scores[i - 1], scores[i], $"{spec}: place {i} scores above place {i - 1}");
        }
    }

    [TestMethod]
    public void L2_QueryEqualToAStoredVector_ScoresPositiveZeroInEveryKind()
    {
        // Found by an audit: HNSW and IVF-PQ with Refine negated a distance of 0 into −0, which the CLI's CSV and JSON print as
        // "-0" where Flat and IVF-Flat give 0 for the same exact match.
        const int d = 8;
        var x = TestData.Gaussian(400, d, 9);
        foreach (var spec in new[] { "Flat", "HNSW16", "IVF4,Flat", "IVF4,PQ4,Refine" })
        {
            using var index = Built(spec, VectorMetric.L2, x, d);
            var results = index.Search(x.AsSpan(7 * d, d), 3, new SearchOptions { NProbe = 4 });
            Assert.AreEqual(7L, results.IdsOf(0)[0], spec);
            Assert.AreEqual(0, BitConverter.SingleToInt32Bits(results.ScoresOf(0)[0]), $"{spec}: score {results.ScoresOf(0)[0].ToString(System.Globalization.CultureInfo.InvariantCulture)}, expected +0");
        }
    }

    [TestMethod]
    public void ExactTies_EveryKind_SmallerIdFirst()
    {
        // Five copies of one vector stored under descending ids among 295 others: every kind lists the copies by id, as Flat does.
        const int d = 8;
        var rng = new Random(4);
        var copy = Enumerable.Range(0, d).Select(_ => (float)rng.NextDouble()).ToArray();
        var vectors = new List<float>();
        var ids = new List<long>();
        for (var i = 0; i < 300; i++)
        {
            var dup = i % 60 == 0;
            vectors.AddRange(dup ? copy : Enumerable.Range(0, d).Select(_ => (float)(rng.NextDouble() - 0.5) * 0.2f));
            ids.Add(dup ? 1000 - i : i);
        }
        var expected = ids.Where(id => id > 700).Order().ToArray();
        foreach (var metric in new[] { VectorMetric.InnerProduct, VectorMetric.Cosine, VectorMetric.L2 })
            foreach (var spec in Specs)
            {
                using var index = IndexFactory.Create(spec, d, metric);
                index.Train(vectors.ToArray());
                index.Add(ids.ToArray(), vectors.ToArray());
                var got = index.Search(copy, 5, new SearchOptions { EfSearch = 100, NProbe = 8 }).IdsOf(0).ToArray();
                CollectionAssert.AreEqual(expected, got, $"{spec} {metric}: {string.Join(",", got)}");
            }
    }

    [TestMethod]
    public void ExactTies_MoreCopiesThanK_SmallestIdsTaken()
    {
        // Found by an audit: IVF-PQ ranked its shortlist by (score, storage place), so of 12 stored copies k = 3 gave the first
        // three stored (the largest ids here), not the three smallest ids as the interface promises.
        const int d = 8;
        var rng = new Random(5);
        var copy = Enumerable.Range(0, d).Select(_ => (float)rng.NextDouble()).ToArray();
        var vectors = new List<float>();
        var ids = new List<long>();
        for (var i = 0; i < 300; i++)
        {
            var dup = i % 25 == 0;
            vectors.AddRange(dup ? copy : Enumerable.Range(0, d).Select(_ => (float)(rng.NextDouble() - 0.5) * 0.2f));
            ids.Add(dup ? 1000 - i : i);
        }
        var expected = ids.Where(id => id > 700).Order().Take(3).ToArray();
        foreach (var metric in new[] { VectorMetric.InnerProduct, VectorMetric.Cosine, VectorMetric.L2 })
            foreach (var spec in Specs)
            {
                using var index = IndexFactory.Create(spec, d, metric);
                index.Train(vectors.ToArray());
                index.Add(ids.ToArray(), vectors.ToArray());
                var got = index.Search(copy, 3, new SearchOptions { EfSearch = 100, NProbe = 8 }).IdsOf(0).ToArray();
                CollectionAssert.AreEqual(expected, got, $"{spec} {metric}: {string.Join(",", got)}");
            }
    }

    [TestMethod]
    public void Cosine_VectorsNearTheFloatLimits_NormalisedNotLost()
    {
        // Components of 1e20 overflow a float sum of squares, 1e-25 underflow it, and 1e-40 (a denormal) overflows a float 1/‖x‖
        // (HNSW stored such a row as ∞ until an audit): all are real directions.
        const int d = 4;
        float[] x = [1e20f, 0, 0, 0, 0, 1e-25f, 0, 0, 0, 0, 1, 1, 0, 0, 0, -1, -1e-40f, 0, 0, 1e-40f];
        foreach (var spec in new[] { "Flat", "HNSW16" })
        {
            using var index = IndexFactory.Create(spec, d, VectorMetric.Cosine);
            index.Add([0, 1, 2, 3, 4], x);
            foreach (var (query, expected) in new (float[], long)[] { ([1e20f, 0, 0, 0], 0), ([0, 1e-25f, 0, 0], 1), ([0, 0, 5, 5], 2), ([-3e-40f, 0, 0, 3e-40f], 4) })
            {
                var r = index.Search(query, 1);
                Assert.AreEqual(expected, r.IdsOf(0)[0], $"{spec}: query {string.Join(",", query)}");
                Assert.AreEqual(1f, r.ScoresOf(0)[0], 1e-5f, spec);
            }
        }
    }

    [TestMethod]
    public void Cosine_OneDimension_EveryRowOfASignTiesAtExactlyOne()
    {
        // In one dimension every positive row has cosine 1 with a positive query: ties, which go to the smaller ids. HNSW scaled
        // rows by a float 1/‖x‖, leaving some at 0.99999994 (found by an audit), so it skipped ids that Flat lists first.
        var values = Enumerable.Range(1, 30).Select(i => (float)(i * 0.37 + 0.01 * i * i)).ToArray();
        var ids = Enumerable.Range(0, 30).Select(i => (long)(1000 - i)).ToArray();
        foreach (var spec in new[] { "Flat", "HNSW16" })
        {
            using var index = IndexFactory.Create(spec, 1, VectorMetric.Cosine);
            index.Add(ids, values);
            var r = index.Search([2.5f], 10, new SearchOptions { EfSearch = 100 });
            CollectionAssert.AreEqual(ids.Order().Take(10).ToArray(), r.IdsOf(0).ToArray(), spec);
            Assert.IsTrue(r.ScoresOf(0).ToArray().All(s => s == 1f), $"{spec}: {string.Join(",", r.ScoresOf(0).ToArray())}");
        }
    }

    [TestMethod]
    public void Cosine_AllZeroQuery_RefusedByEveryKind()
    {
        const int d = 8;
        var x = TestData.Gaussian(600, d, seed: 3);
        foreach (var spec in new[] { "Flat", "HNSW16", "IVF8,Flat" })
        {
            using var index = Built(spec, VectorMetric.Cosine, x, d);
            var ex = Assert.ThrowsExactly<ArgumentException>(() => index.Search(new float[d], 2), spec);
            StringAssert.Contains(ex.Message, "row 0 is all zeros", spec);
        }
    }

    [TestMethod]
    public void Search_KTimesQueriesPastArrayLimits_RefusedByEveryKind()
    {
        const int d = 8;
        var x = TestData.Gaussian(600, d, seed: 4);
        var twoQueries = x.AsSpan(0, 2 * d).ToArray();
        foreach (var spec in Specs)
        {
            using var index = Built(spec, VectorMetric.InnerProduct, x, d);
            var ex = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => index.Search(twoQueries, int.MaxValue / 2 + 1), spec);
            StringAssert.Contains(ex.Message, "results do not fit in memory", spec);
        }
        // A refine shortlist (k × RefineFactor) is capped at the stored vectors: k past Count still pads the rest.
        using var refine = Built("IVF8,PQ4,Refine", VectorMetric.InnerProduct, x, d);
        var r = refine.Search(x.AsSpan(0, d), 1000, new SearchOptions { NProbe = 8 });
        Assert.AreEqual(600, r.IdsOf(0).ToArray().Count(id => id >= 0));
    }

    [TestMethod]
    public void Load_MalformedHeaderOrRefusedValues_InvalidDataNamingTheFile()
    {
        const int d = 8;
        var x = TestData.Gaussian(600, d, seed: 5);
        var dir = TestPaths.TempDir();
        var path = Path.Combine(dir, "flat.ttvx");
        using (var index = Built("Flat", VectorMetric.InnerProduct, x, d)) index.Save(path);
        var bytes = File.ReadAllBytes(path);
        bytes.AsSpan(8, 5).Fill(0xFF); // the kind string's 7-bit length prefix can no longer end
        File.WriteAllBytes(path, bytes);
        var header = Assert.ThrowsExactly<InvalidDataException>(() => VectorIndex.Load(path));
        StringAssert.Contains(header.Message, path);
        // An IVF file whose stored nProbe is 0, read without the checksum pass (which would catch it first).
        var ivf = Path.Combine(dir, "ivf.ttvx");
        using (var index = Built("IVF8,Flat", VectorMetric.InnerProduct, x, d)) index.Save(ivf);
        var ivfBytes = File.ReadAllBytes(ivf);
        var kindEnd = 8 + 1 + ivfBytes[8]; // length byte + kind
        var nprobeAt = kindEnd + 4 + 4;    // metric, dimension
        BitConverter.GetBytes(0).CopyTo(ivfBytes, nprobeAt);
        File.WriteAllBytes(ivf, ivfBytes);
        var refused = Assert.ThrowsExactly<InvalidDataException>(() => VectorIndex.Load(ivf, new IndexLoadOptions { VerifyChecksum = false }));
        StringAssert.Contains(refused.Message, ivf);
    }

    [TestMethod]
    public void SearchOptions_ASettingTheKindDoesNotRead_IsIgnored_OneItReads_IsChecked()
    {
        // SearchOptions documents that indexes ignore the settings that do not apply to them.
        const int d = 8;
        var x = TestData.Gaussian(600, d, seed: 6);
        using var flat = Built("Flat", VectorMetric.InnerProduct, x, d);
        Assert.AreEqual(10, flat.Search(x.AsSpan(0, d), 10, new SearchOptions { NProbe = 0, EfSearch = 0 }).IdsOf(0).ToArray().Count(id => id >= 0));
        using var ivf = Built("IVF8,Flat", VectorMetric.InnerProduct, x, d);
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ivf.Search(x.AsSpan(0, d), 10, new SearchOptions { NProbe = 0 }));
        Assert.AreEqual(10, ivf.Search(x.AsSpan(0, d), 10, new SearchOptions { EfSearch = 0, NProbe = 8 }).IdsOf(0).ToArray().Count(id => id >= 0));
    }
}
