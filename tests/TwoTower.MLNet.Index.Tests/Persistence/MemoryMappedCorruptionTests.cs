using TwoTower.MLNet.Index.Flat;
using TwoTower.MLNet.Index.Hnsw;
using TwoTower.MLNet.Index.Persistence;
using static TwoTower.MLNet.Index.Tests.Persistence.PersistenceTestIndexes;

namespace TwoTower.MLNet.Index.Tests.Persistence;

/// <summary>Damaged files fail with <see cref="InvalidDataException"/> naming the problem, in every load mode, never with a crash.</summary>
[TestClass]
public sealed class MemoryMappedCorruptionTests
{
    private static readonly IndexLoadOptions Lazy = new() { MemoryMap = true, VerifyChecksum = false };
    private string _dir = "";

    [TestInitialize]
    public void Init() => _dir = TestPaths.TempDir();

    [TestCleanup]
    public void Cleanup() => Directory.Delete(_dir, recursive: true);

    private const int Nodes = 300;

    private (string Path, byte[] Bytes) Saved(string kind, int n = Nodes)
    {
        using var index = Build(kind, n);
        var path = Path.Combine(_dir, kind + ".ttvx");
        index.Save(path);
        return (path, File.ReadAllBytes(path));
    }

    private static string LoadError(string path, IndexLoadOptions options)
        => Assert.ThrowsExactly<InvalidDataException>(() => VectorIndex.Load(path, options).Dispose()).Message;

    [TestMethod]
    [DataRow("Flat")]
    [DataRow("HNSW")]
    [DataRow("IVFFlat")]
    [DataRow("IVFPQ")]
    public void LoadMapped_TruncatedAnywhere_InvalidData(string kind)
    {
        var (path, good) = Saved(kind);
        foreach (var options in new[] { Lazy, IndexLoadOptions.Mapped })
        {
            for (var cut = 0; cut < good.Length; cut += Math.Max(1, good.Length / 150))
            {
                File.WriteAllBytes(path, good[..cut]);
                var message = Assert.ThrowsExactly<InvalidDataException>(() => VectorIndex.Load(path, options).Dispose(), $"cut at {cut}").Message;
                StringAssert.Contains(message, path);
            }
        }
    }

    [TestMethod]
    [DataRow("Flat")]
    [DataRow("HNSW")]
    [DataRow("IVFFlat")]
    [DataRow("IVFPQ")]
    public void LoadMapped_FlippedByteWithChecksum_ChecksumMismatch(string kind)
    {
        var (path, good) = Saved(kind);
        foreach (var at in new[] { 30, good.Length / 3, good.Length / 2, good.Length - 40 })
        {
            var bad = (byte[])good.Clone();
            bad[at] ^= 0x10;
            File.WriteAllBytes(path, bad);
            StringAssert.Contains(LoadError(path, IndexLoadOptions.Mapped), "checksum mismatch", $"flip at {at}");
        }
    }

    [TestMethod]
    public void LoadLazy_FlippedVectorByte_LoadsBecauseOnlyStructureIsChecked()
    {
        // The documented trade-off of VerifyChecksum = false: vector bytes are not read at open.
        var (path, good) = Saved(FlatIndex.Kind);
        var vectors = Sections(good, PayloadStart("Flat") + 4, 3)[2];
        good[vectors.Offset + 8] ^= 0x10;
        File.WriteAllBytes(path, good);
        using var lazy = FlatIndex.Load(path, Lazy);
        Assert.AreEqual(Nodes, lazy.Count);
        StringAssert.Contains(LoadError(path, IndexLoadOptions.Mapped), "checksum mismatch");
    }

    [TestMethod]
    public void LoadLazy_BogusSectionDescriptors_NameTheSectionAndValue()
    {
        var (path, good) = Saved(FlatIndex.Kind);
        var start = PayloadStart("Flat");
        var ids = Sections(good, start + 4, 3)[0];

        var bad = (byte[])good.Clone();
        BitConverter.GetBytes(ids.Offset + 4).CopyTo(bad, ids.Descriptor);
        File.WriteAllBytes(path, bad);
        var message = LoadError(path, Lazy);
        StringAssert.Contains(message, $"section 'flat ids' at byte {ids.Descriptor} claims data offset {ids.Offset + 4}, expected {ids.Offset}");

        bad = (byte[])good.Clone();
        BitConverter.GetBytes(ids.Bytes + 8).CopyTo(bad, ids.Descriptor + 8);
        File.WriteAllBytes(path, bad);
        StringAssert.Contains(LoadError(path, Lazy), $"section 'flat ids' holds {ids.Bytes + 8} bytes, expected {ids.Bytes}");

        // A row count and section size that agree with each other but not with the file.
        bad = (byte[])good.Clone();
        BitConverter.GetBytes(1_000_000).CopyTo(bad, start);
        BitConverter.GetBytes(8_000_000L).CopyTo(bad, ids.Descriptor + 8);
        File.WriteAllBytes(path, bad);
        StringAssert.Contains(LoadError(path, Lazy), $"section 'flat ids' [{ids.Offset}, {ids.Offset + 8_000_000}) runs past the payload end {good.Length - 32}");

        bad = (byte[])good.Clone();
        BitConverter.GetBytes(-5).CopyTo(bad, start);
        File.WriteAllBytes(path, bad);
        StringAssert.Contains(LoadError(path, Lazy), "flat has -5 rows");

        bad = (byte[])good.Clone();
        BitConverter.GetBytes(-9L).CopyTo(bad, ids.Offset);
        File.WriteAllBytes(path, bad);
        StringAssert.Contains(LoadError(path, Lazy), "flat holds negative id -9");

        bad = (byte[])good.Clone();
        BitConverter.GetBytes(103L).CopyTo(bad, ids.Offset);
        File.WriteAllBytes(path, bad);
        StringAssert.Contains(LoadError(path, Lazy), "id 103 is stored twice");
    }

    private static int HnswSectionsStart => PayloadStart("HNSW") + 4 * 6 + 1 + 4 * 4;

    [TestMethod]
    public void LoadMapped_CorruptHnswLayer0Links_FailsCleanlyInEveryMode()
    {
        var (path, good) = Saved(HnswIndex.FileKind);
        var links = Sections(good, HnswSectionsStart, 6)[5];
        var bad = (byte[])good.Clone();
        // Every node now links to node 5000 of 300: whichever node a search expands first is bad.
        for (var node = 0; node < Nodes; node++)
        {
            var at = (int)links.Offset + node * 17 * 4;
            BitConverter.GetBytes(1).CopyTo(bad, at);
            BitConverter.GetBytes(5000).CopyTo(bad, at + 4);
        }
        File.WriteAllBytes(path, bad);
        StringAssert.Contains(LoadError(path, IndexLoadOptions.Default with { VerifyChecksum = false }), "links to invalid node 5000 on layer 0");
        StringAssert.Contains(LoadError(path, IndexLoadOptions.Mapped), "checksum mismatch");
        using var lazy = HnswIndex.Load(path, Lazy);
        var q = Queries(1);
        StringAssert.Contains(Assert.ThrowsExactly<InvalidDataException>(() => lazy.Search(q, 5)).Message, "neighbour 5000 out of range");
        StringAssert.Contains(Assert.ThrowsExactly<InvalidDataException>(() => lazy.Add([1], q)).Message, "links to invalid node 5000 on layer 0");

        for (var node = 0; node < Nodes; node++) BitConverter.GetBytes(99).CopyTo(bad, (int)links.Offset + node * 17 * 4);
        File.WriteAllBytes(path, bad);
        using var lazy2 = HnswIndex.Load(path, Lazy);
        StringAssert.Contains(Assert.ThrowsExactly<InvalidDataException>(() => lazy2.Search(q, 5)).Message, "link count 99 out of range");
    }

    [TestMethod]
    public void LoadMapped_CorruptHnswSmallSections_FailAtLoad()
    {
        var (path, good) = Saved(HnswIndex.FileKind);
        var sections = Sections(good, HnswSectionsStart, 7);
        var bad = (byte[])good.Clone();
        bad[sections[2].Offset + 3] = 7;
        File.WriteAllBytes(path, bad);
        StringAssert.Contains(LoadError(path, Lazy), "node 3 has tombstone byte 7");
        bad = (byte[])good.Clone();
        bad[sections[1].Offset + 4] = 31;
        File.WriteAllBytes(path, bad);
        StringAssert.Contains(LoadError(path, Lazy), "node 4 has level 31 above the top level");
        bad = (byte[])good.Clone();
        BitConverter.GetBytes(sections[4].Bytes - 64).CopyTo(bad, sections[4].Descriptor + 8);
        File.WriteAllBytes(path, bad);
        StringAssert.Contains(LoadError(path, Lazy), $"section 'vectors' holds {sections[4].Bytes - 64} bytes, expected {sections[4].Bytes}");
    }

    [TestMethod]
    public void Load_CorruptHnswCountsOrIdsWithoutChecksum_InvalidDataNamingTheFileInEveryMode()
    {
        // Found by an audit: read without the checksum pass, a corrupt dimension made the full load allocate its graph (and
        // every load a spare empty one) before any size was checked, failing with OutOfMemoryException, and an id stored
        // twice was an InvalidDataException that named no file.
        var (path, good) = Saved(HnswIndex.FileKind);
        var dimensionAt = PayloadStart(HnswIndex.FileKind) - 4;
        var nodeCountAt = HnswSectionsStart - 12;
        var labels = Sections(good, HnswSectionsStart, 1)[0];
        var cases = new (string What, Action<byte[]> Damage, string Expected)[]
        {
            ("dimension 2³⁰ + 12", b => BitConverter.GetBytes((1 << 30) + Dimension).CopyTo(b, dimensionAt), $"HNSW nodes of dimension {(1 << 30) + Dimension} need"),
            ("node count past any array", b => BitConverter.GetBytes(int.MaxValue - 100).CopyTo(b, nodeCountAt), "corrupt"),
            ("node 1 holds node 0's id", b => Array.Copy(b, labels.Offset, b, labels.Offset + 8, 8), $"id {Ids(1)[0]} is stored twice"),
        };
        foreach (var map in new[] { false, true })
            foreach (var (what, damage, expected) in cases)
            {
                var bad = (byte[])good.Clone();
                damage(bad);
                File.WriteAllBytes(path, bad);
                var message = LoadError(path, new IndexLoadOptions { MemoryMap = map, VerifyChecksum = false });
                StringAssert.Contains(message, path, $"{what}, mapped {map}");
                StringAssert.Contains(message, expected, $"{what}, mapped {map}");
            }
    }

    [TestMethod]
    public void LoadMapped_NewerFormatVersion_SaysNewerThanLibrary()
    {
        var (path, good) = Saved(FlatIndex.Kind);
        BitConverter.GetBytes((uint)IndexFile.CurrentFormatVersion + 1).CopyTo(good, 4);
        File.WriteAllBytes(path, good);
        StringAssert.Contains(LoadError(path, Lazy), $"format version {IndexFile.CurrentFormatVersion + 1} is newer than this library reads ({IndexFile.CurrentFormatVersion})");
    }

    [TestMethod]
    public void Load_NullOptions_Throws()
    {
        var (path, _) = Saved(FlatIndex.Kind, 20);
        Assert.ThrowsExactly<ArgumentNullException>(() => VectorIndex.Load(path, null!));
        Assert.ThrowsExactly<ArgumentNullException>(() => FlatIndex.Load(path, null!));
    }
}
