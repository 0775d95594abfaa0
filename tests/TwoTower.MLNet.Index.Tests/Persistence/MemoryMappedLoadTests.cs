using System.Security.Cryptography;
using FsCheck;
using FsCheck.Fluent;
using Microsoft.FSharp.Core;
using TwoTower.MLNet.Index.Flat;
using TwoTower.MLNet.Index.Hnsw;
using TwoTower.MLNet.Index.Persistence;
using static TwoTower.MLNet.Index.Tests.Persistence.PersistenceTestIndexes;

namespace TwoTower.MLNet.Index.Tests.Persistence;

[TestClass]
public sealed class MemoryMappedLoadTests
{
    private string _dir = "";

    [TestInitialize]
    public void Init() => _dir = TestPaths.TempDir();

    [TestCleanup]
    public void Cleanup() => Directory.Delete(_dir, recursive: true);

    private string Saved(IVectorIndex index, string name = "index.ttvx")
    {
        var path = Path.Combine(_dir, name);
        index.Save(path);
        return path;
    }

    [TestMethod]
    [DataRow("Flat", VectorMetric.L2)]
    [DataRow("HNSW", VectorMetric.L2)]
    [DataRow("HNSW", VectorMetric.Cosine)]
    [DataRow("HNSW", VectorMetric.InnerProduct)]
    [DataRow("IVFFlat", VectorMetric.InnerProduct)]
    [DataRow("IVFPQ", VectorMetric.L2)]
    public void LoadMapped_EveryKind_SameIdsAndScoresAsFullLoad(string kind, VectorMetric metric)
    {
        using var built = Build(kind, metric: metric);
        built.Remove(100 + 3 * 7);
        var path = Saved(built);
        var q = Queries();
        using var full = Load(path, map: false);
        using var mapped = Load(path, map: true);
        using var lazy = Load(path, map: true, verify: false);
        Assert.IsFalse(full.IsMemoryMapped);
        Assert.IsTrue(mapped.IsMemoryMapped);
        Assert.IsTrue(lazy.IsMemoryMapped);
        Assert.AreEqual(built.Count, mapped.Count);
        var expected = full.Search(q, 10);
        AssertSame(built.Search(q, 10), expected, "full load vs built");
        AssertSame(expected, mapped.Search(q, 10), "mapped vs full");
        AssertSame(expected, lazy.Search(q, 10), "mapped without checksum vs full");
        AssertSame(full.Search(q, 5, new SearchOptions { Threads = 2 }), mapped.Search(q, 5, new SearchOptions { Threads = 2 }), "two threads");
    }

    [TestMethod]
    [DataRow("Flat")]
    [DataRow("HNSW")]
    [DataRow("IVFFlat")]
    [DataRow("IVFPQ")]
    public void AddRemoveAfterMappedLoad_SameAsFullLoad_FileUnchanged(string kind)
    {
        using var built = Build(kind);
        var path = Saved(built);
        var hash = SHA256.HashData(File.ReadAllBytes(path));
        using var full = Load(path, map: false);
        using var mapped = Load(path, map: true);
        var extra = TestData.Clustered(40, Dimension, 12, 0.6f, 99);
        var extraIds = Ids(40, first: 1_000_000);
        foreach (var index in new[] { full, mapped })
        {
            Assert.IsTrue(index.Remove(100));
            Assert.IsFalse(index.Remove(101), "101 was never stored");
            index.Add(extraIds, extra);
        }
        var q = Queries();
        var expected = full.Search(q, 10);
        AssertSame(expected, mapped.Search(q, 10), "after add and remove");
        Assert.AreEqual(600 - 1 + 40, mapped.Count);
        var own = mapped.Search(extra.AsSpan(0, Dimension).ToArray(), 1);
        Assert.AreEqual(extraIds[0], own.Ids[0], "an added vector is its own nearest neighbour");
        Assert.IsFalse(mapped.Search(q, 50).Ids.Contains(100), "a removed id is never returned");
        mapped.Compact();
        AssertSame(full.Search(q, 10), mapped.Search(q, 10), "after add, remove and compact on both");
        CollectionAssert.AreEqual(hash, SHA256.HashData(File.ReadAllBytes(path)), "the mapped file is never written");
    }

    [TestMethod]
    public void RemoveOnly_HnswStaysMapped_AddCopiesOut()
    {
        using var built = Build(HnswIndex.FileKind);
        var path = Saved(built);
        using var mapped = HnswIndex.Load(path, IndexLoadOptions.Mapped);
        Assert.IsTrue(mapped.Remove(103));
        Assert.IsTrue(mapped.IsMemoryMapped, "a tombstone is written to owned memory; the mapping stays in use");
        mapped.Add([5], TestData.Uniform(1, Dimension, 3));
        Assert.IsFalse(mapped.IsMemoryMapped, "the first add grows the graph into owned memory");
    }

    [TestMethod]
    [DataRow("Flat")]
    [DataRow("HNSW")]
    [DataRow("IVFFlat")]
    [DataRow("IVFPQ")]
    public void IsMemoryMapped_ThroughTheInterfaceAfterVectorIndexLoad_TrueOnlyWhenMapped(string kind)
    {
        using var built = Build(kind);
        Assert.IsFalse(built.IsMemoryMapped, "built in memory");
        var path = Saved(built);
        foreach (var (options, expected) in new[] { (IndexLoadOptions.Default, false), (IndexLoadOptions.Mapped, true), (new IndexLoadOptions { MemoryMap = true, VerifyChecksum = false }, true) })
        {
            using IVectorIndex loaded = VectorIndex.Load(path, options);
            Assert.AreEqual(expected, loaded.IsMemoryMapped, $"{options}");
        }
    }

    [TestMethod]
    public void IsMemoryMapped_ImplementationWithoutIt_DefaultsToFalse()
    {
        using IVectorIndex index = new NeverMapped();
        Assert.IsFalse(index.IsMemoryMapped);
    }

    // An IVectorIndex written before IsMemoryMapped existed (as other assemblies' indexes may be).
    private sealed class NeverMapped : IVectorIndex
    {
        public int Dimension => 1;
        public int Count => 0;
        public VectorMetric Metric => VectorMetric.InnerProduct;
        public bool IsExact => true;
        public bool IsTrained => true;
        public void Train(ReadOnlySpan<float> vectors) { }
        public void Add(ReadOnlySpan<long> ids, ReadOnlySpan<float> vectors) => throw new NotSupportedException();
        public SearchResults Search(ReadOnlySpan<float> queries, int k, SearchOptions? options = null) => throw new NotSupportedException();
        public bool Remove(long id) => false;
        public void Compact() { }
        public void Save(string path) => throw new NotSupportedException();
        public void Dispose() { }
    }

    [TestMethod]
    [DataRow("Flat")]
    [DataRow("HNSW")]
    [DataRow("IVFFlat")]
    [DataRow("IVFPQ")]
    public void Dispose_MappedIndex_LaterCallsThrowObjectDisposed(string kind)
    {
        using var built = Build(kind, n: 300);
        var path = Saved(built);
        var mapped = Load(path, map: true);
        Assert.IsTrue(mapped.IsMemoryMapped);
        mapped.Dispose();
        mapped.Dispose();
        var q = Queries(2);
        Assert.ThrowsExactly<ObjectDisposedException>(() => mapped.Search(q, 3));
        Assert.ThrowsExactly<ObjectDisposedException>(() => mapped.Add([1], q.AsSpan(0, Dimension)));
        Assert.ThrowsExactly<ObjectDisposedException>(() => mapped.Remove(100));
        Assert.ThrowsExactly<ObjectDisposedException>(() => mapped.Save(Path.Combine(_dir, "after.ttvx")));
    }

    [TestMethod]
    public void ConcurrentSearches_MappedHnsw_AllEqualSingleThreadedResults()
    {
        using var built = Build(HnswIndex.FileKind, n: 2000);
        var path = Saved(built);
        using var mapped = HnswIndex.Load(path, IndexLoadOptions.Mapped);
        var q = Queries(40);
        var expected = mapped.Search(q, 10);
        var results = new SearchResults[8];
        Parallel.For(0, results.Length, new ParallelOptions { MaxDegreeOfParallelism = 4 }, i => results[i] = mapped.Search(q, 10));
        foreach (var r in results) AssertSame(expected, r, "concurrent search");
    }

    [TestMethod]
    public void Dispose_WhileSearchesRun_EachSearchFinishesOrThrowsObjectDisposed()
    {
        using var built = Build(HnswIndex.FileKind, n: 2000);
        var path = Saved(built);
        var mapped = HnswIndex.Load(path, IndexLoadOptions.Mapped);
        var q = Queries(20);
        var expected = mapped.Search(q, 10);
        using var started = new CountdownEvent(3);
        var searchers = Enumerable.Range(0, 3).Select(_ => Task.Run(() =>
        {
            started.Signal();
            try
            {
                // The mapping stays until every running search has left; results read before then are complete.
                for (var i = 0; i < 100_000; i++) AssertSame(expected, mapped.Search(q, 10), "search racing Dispose");
                return "finished";
            }
            catch (ObjectDisposedException) { return "disposed"; }
        })).ToArray();
        started.Wait();
        mapped.Dispose();
        Task.WaitAll(searchers);
        CollectionAssert.AreEqual(new[] { "disposed", "disposed", "disposed" }, searchers.Select(t => t.Result).ToArray());
    }

    [TestMethod]
    public void Finalizer_MappedIndexDroppedWithoutDispose_IsUnmapped()
    {
        using var built = Build(HnswIndex.FileKind, n: 300);
        var path = Saved(built, "dropped.ttvx");
        SearchAndDrop(path);
        for (var i = 0; i < 3 && IsMapped(path); i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }
        Assert.IsFalse(IsMapped(path), "the finalizers unmap an index nobody disposed");
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static void SearchAndDrop(string path)
    {
        var mapped = HnswIndex.Load(path, IndexLoadOptions.Mapped);
        Assert.AreEqual(10, mapped.Search(Queries(1), 10).Ids.Count(id => id >= 0));
        Assert.IsTrue(IsMapped(path), "mapped while the index is in use");
        GC.KeepAlive(mapped);
    }

    private static bool IsMapped(string path) => File.ReadLines("/proc/self/maps").Any(l => l.EndsWith(path, StringComparison.Ordinal));

    [TestMethod]
    public void Save_OverTheMappedFile_ReplacesAtomicallyAndMappedIndexKeepsWorking()
    {
        using var built = Build(FlatIndex.Kind);
        var path = Saved(built);
        using var mapped = FlatIndex.Load(path, IndexLoadOptions.Mapped);
        var q = Queries();
        var before = mapped.Search(q, 10);
        Assert.IsTrue(mapped.Remove(before.Ids[0]));
        mapped.Save(path);
        CollectionAssert.AreEqual(new[] { "index.ttvx" }, Directory.GetFiles(_dir).Select(Path.GetFileName).ToArray(), "no temp file is left behind");
        using var full = FlatIndex.Load(path);
        AssertSame(mapped.Search(q, 10), full.Search(q, 10), "reloaded after saving over the mapped file");
        Assert.IsFalse(before.Ids.SequenceEqual(mapped.Search(q, 10).Ids), "the removal changed some result");
        using var reloaded = FlatIndex.Load(path, IndexLoadOptions.Mapped);
        Assert.AreEqual(599, reloaded.Count);
    }

    [TestMethod]
    public void LoadMapped_EmptyIndexes_LoadFullyAndSearchEmpty()
    {
        using var flat = new FlatIndex(Dimension);
        using var hnsw = new HnswIndex(Dimension, VectorMetric.L2);
        foreach (var index in new IVectorIndex[] { flat, hnsw })
        {
            var path = Saved(index, $"{index.GetType().Name}.ttvx");
            using var mapped = Load(path, map: true);
            Assert.AreEqual(0, mapped.Count);
            Assert.IsFalse(mapped.IsMemoryMapped, "nothing to map");
            CollectionAssert.AreEqual(new long[] { -1, -1 }, mapped.Search(Queries(1), 2).Ids);
        }
    }

    [TestMethod]
    public void Sections_SavedFiles_AreAlignedTo64Bytes()
    {
        using var built = Build(HnswIndex.FileKind, n: 100);
        var file = File.ReadAllBytes(Saved(built));
        var sections = Sections(file, PayloadStart("HNSW") + 4 * 6 + 1 + 4 * 4, 7);
        foreach (var (_, offset, bytes) in sections) Assert.AreEqual(0L, offset % 64, $"section at {offset} of {bytes} bytes");
        Assert.AreEqual(100L * 8, sections[0].Bytes, "labels");
        Assert.AreEqual(100L * 16 * 4, sections[4].Bytes, "vector rows padded to 16 floats");
        Assert.AreEqual(100L * 17 * 4, sections[5].Bytes, "layer-0 links: count + 2M ids");
        Assert.AreEqual(file.Length - 32, sections[6].Offset + sections[6].Bytes, "the upper links end the payload");
    }

    [TestMethod]
    public void LoadMapped_RandomFlatIndexes_MatchFullLoad()
    {
        var property = Prop.ForAll(Arb.From(Gen.Choose(0, 70)), Arb.From(Gen.Choose(1, 20)), Arb.From(Gen.Choose(0, 2)), (n, d, m) =>
        {
            var metric = (VectorMetric)m;
            using var index = new FlatIndex(d, metric);
            index.Add(Enumerable.Range(0, n).Select(i => (long)i * 7).ToArray(), TestData.Uniform(n, d, n * 31 + d));
            var path = Path.Combine(_dir, $"f{n}-{d}-{m}.ttvx");
            index.Save(path);
            var q = TestData.Uniform(3, d, 1);
            using var full = FlatIndex.Load(path);
            using var mapped = FlatIndex.Load(path, IndexLoadOptions.Mapped);
            var a = full.Search(q, 4);
            var b = mapped.Search(q, 4);
            return (a.Ids.SequenceEqual(b.Ids) && a.Scores.SequenceEqual(b.Scores) && mapped.IsMemoryMapped == (n > 0)).Label($"n {n}, d {d}, {metric}");
        });
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(40).WithReplay(FSharpOption<Replay>.Some(new Replay(new Rnd(7UL, 11UL), FSharpOption<int>.None))), property);
    }
}
