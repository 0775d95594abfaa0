using FsCheck;
using FsCheck.Fluent;
using TwoTower.MLNet.Index.Ivf;
using TwoTower.MLNet.Index.Persistence;
using PersistenceTestIndexes = TwoTower.MLNet.Index.Tests.Persistence.PersistenceTestIndexes;

namespace TwoTower.MLNet.Index.Tests.Ivf;

/// <summary>Inner-product IVF over vectors of unequal lengths (matrix-factorisation factors): lists are cells of the vectors' directions.</summary>
[TestClass]
public sealed class IvfInnerProductTests
{
    private const int D = 32;

    private static IVectorIndex Build(bool pq, float[] x, int seed, int lists = 32)
    {
        IVectorIndex index = pq
            ? new IvfPqIndex(D, VectorMetric.InnerProduct, new IvfOptions { Lists = lists, SubQuantizers = 8, Refine = true, Seed = seed, BuildThreads = 1 })
            : new IvfFlatIndex(D, VectorMetric.InnerProduct, new IvfOptions { Lists = lists, Seed = seed, BuildThreads = 1 });
        index.Train(x);
        index.Add(TestData.Ids(x.Length / D), x);
        return index;
    }

    [TestMethod]
    public void Search_ClusteredVectorsOfLengths01To2_Recall10AtLeast095AtNProbe2()
    {
        var gen = from seed in Gen.Choose(0, 1000) from pq in Gen.Elements(false, true) select (seed, pq);
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(6), Prop.ForAll(gen.ToArbitrary(), t =>
        {
            // Vectors and queries from one Gaussian mixture, each row then given a length in [0.1, 2].
            var all = TestData.WithLengths(TestData.Clustered(4050, D, 30, 0.5f, t.seed), D, t.seed + 1);
            var (x, q) = (all[..(4000 * D)], all[(4000 * D)..]);
            using var index = Build(t.pq, x, t.seed);
            // Over 20 (seed, kind) cases: 0.98–1.00 (cells of the directions); 0.75–0.86 with cells of the raw vectors (format 2).
            var recall = TestData.Recall(index.Search(q, 10, new SearchOptions { NProbe = 2 }), x, TestData.Ids(4000), q, 10, VectorMetric.InnerProduct);
            return recall >= 0.95;
        }));
    }

    [TestMethod]
    [DataRow(false)]
    [DataRow(true)]
    public void Search_QueryScaledByPowerOfTwo_SameIdsAndScaledScores(bool pq)
    {
        // The inner-product ranking ignores the query's length, so the probed lists must too.
        var x = TestData.WithLengths(TestData.Clustered(3000, D, 30, 0.5f, 11), D, 12);
        var q = TestData.WithLengths(TestData.Clustered(40, D, 30, 0.5f, 13), D, 14);
        using var index = Build(pq, x, seed: 3);
        var search = new SearchOptions { NProbe = 2 };
        var expected = index.Search(q, 10, search);
        foreach (var scale in new[] { 0.125f, 4f })
        {
            var r = index.Search(q.Select(v => v * scale).ToArray(), 10, search);
            CollectionAssert.AreEqual(expected.Ids, r.Ids, $"query × {scale}");
            CollectionAssert.AreEqual(expected.Scores.Select(s => s * scale).ToArray(), r.Scores, $"query × {scale}: scores");
        }
    }

    [TestMethod]
    [DataRow(false)]
    [DataRow(true)]
    public void SaveLoad_DirectionCells_SameResultsAndLaterAddsGoToTheSameLists(bool pq)
    {
        var all = TestData.WithLengths(TestData.Clustered(3100, D, 30, 0.5f, 41), D, 42);
        var x = all[..(3000 * D)];
        var extra = all[(3000 * D)..];
        var q = TestData.WithLengths(TestData.Clustered(40, D, 30, 0.5f, 43), D, 44);
        using var built = Build(pq, x, seed: 5);
        var dir = TestPaths.TempDir();
        try
        {
            var path = Path.Combine(dir, "ip.ttvx");
            built.Save(path);
            Assert.AreEqual((uint)IndexFile.CurrentFormatVersion, BitConverter.ToUInt32(File.ReadAllBytes(path), 4));
            var search = new SearchOptions { NProbe = 3 };
            foreach (var options in new[] { IndexLoadOptions.Default, IndexLoadOptions.Mapped })
            {
                using var loaded = VectorIndex.Load(path, options);
                CollectionAssert.AreEqual(built.Search(q, 10, search).Ids, loaded.Search(q, 10, search).Ids, $"{options}");
                CollectionAssert.AreEqual(built.Search(q, 10, search).Scores, loaded.Search(q, 10, search).Scores, $"{options}: scores");
                // The loaded index still probes by direction: a query scaled by 4 finds the same ids.
                CollectionAssert.AreEqual(loaded.Search(q, 10, search).Ids, loaded.Search(q.Select(v => v * 4f).ToArray(), 10, search).Ids, $"{options}: scaled query");
                loaded.Add(TestData.Ids(100, 50_000), extra);
            }
            built.Add(TestData.Ids(100, 50_000), extra);
            using var again = VectorIndex.Load(path);
            again.Add(TestData.Ids(100, 50_000), extra);
            CollectionAssert.AreEqual(built.Search(q, 10, search).Ids, again.Search(q, 10, search).Ids, "after the same adds");
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [TestMethod]
    public void Load_BadCellRuleByte_InvalidDataNamingIt()
    {
        using var built = Build(pq: false, TestData.WithLengths(TestData.Clustered(400, D, 10, 0.5f, 51), D, 52), seed: 1, lists: 4);
        var dir = TestPaths.TempDir();
        try
        {
            var path = Path.Combine(dir, "ip.ttvx");
            built.Save(path);
            var bytes = File.ReadAllBytes(path);
            // Payload: nprobe, seed, list count, centroids, then the cell rule (1: cells of the directions).
            var rule = PersistenceTestIndexes.PayloadStart(IvfFlatIndex.Kind) + 4 + 4 + 4 + 4 * D * 4;
            Assert.AreEqual(1, bytes[rule]);
            bytes[rule] = 7;
            File.WriteAllBytes(path, bytes);
            var message = Assert.ThrowsExactly<InvalidDataException>(() => VectorIndex.Load(path, new IndexLoadOptions { VerifyChecksum = false }).Dispose()).Message;
            StringAssert.Contains(message, "coarse quantizer cell rule 7, expected 0 or 1");
            StringAssert.Contains(message, path);
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [TestMethod]
    public void Train_ZeroVectorsAllowed_SearchStillWorks()
    {
        // Inner product accepts all-zero rows; they have no direction and must not break training, adding or probing.
        var x = TestData.WithLengths(TestData.Clustered(600, D, 10, 0.5f, 21), D, 22);
        Array.Clear(x, 0, 5 * D);
        using var index = Build(pq: false, x, seed: 1, lists: 8);
        Assert.AreEqual(600, index.Count);
        var q = new float[2 * D];
        x.AsSpan(10 * D, D).CopyTo(q.AsSpan(D));
        var r = index.Search(q, 5, new SearchOptions { NProbe = 8 });
        CollectionAssert.AreEqual(TestData.BruteForce(x, TestData.Ids(600), q.AsSpan(D, D), 5, VectorMetric.InnerProduct), r.IdsOf(1).ToArray());
        Assert.IsTrue(r.ScoresOf(0).ToArray().All(s => s == 0f), "a zero query scores 0 against everything");
    }
}
