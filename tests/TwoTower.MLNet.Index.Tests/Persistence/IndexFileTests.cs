using TwoTower.MLNet.Index.Flat;
using TwoTower.MLNet.Index.Persistence;

namespace TwoTower.MLNet.Index.Tests.Persistence;

[TestClass]
public sealed class IndexFileTests
{
    private string _dir = "";

    [TestInitialize]
    public void Init() => Directory.CreateDirectory(_dir = Path.Combine(Path.GetTempPath(), $"ttvx-{Guid.NewGuid():N}"));

    [TestCleanup]
    public void Cleanup() => Directory.Delete(_dir, recursive: true);

    private string SaveSample()
    {
        var path = Path.Combine(_dir, "a.ttvx");
        IndexFile.Save(path, "Flat", VectorMetric.L2, 7, w => { w.Write(42); w.Write("payload"); });
        return path;
    }

    [TestMethod]
    public void SaveLoad_RoundTrip_ReturnsHeaderAndPayload()
    {
        var path = SaveSample();
        var (header, n, s) = IndexFile.Load(path, (h, r) => (h, r.ReadInt32(), r.ReadString()));
        Assert.AreEqual(new IndexFileHeader("Flat", IndexFile.CurrentFormatVersion, VectorMetric.L2, 7), header);
        Assert.AreEqual(42, n);
        Assert.AreEqual("payload", s);
        CollectionAssert.AreEqual(new[] { "a.ttvx" }, Directory.GetFiles(_dir).Select(Path.GetFileName).ToArray(), "no temp file is left behind");
        var bytes = File.ReadAllBytes(path);
        CollectionAssert.AreEqual("TTVX"u8.ToArray(), bytes[..4]);
        Assert.AreEqual(3u, BitConverter.ToUInt32(bytes, 4));
    }

    [TestMethod]
    public void Save_FailingPayload_KeepsPreviousFileAndLeavesNoTemp()
    {
        var path = SaveSample();
        var before = File.ReadAllBytes(path);
        Assert.ThrowsExactly<InvalidOperationException>(() => IndexFile.Save(path, "Flat", VectorMetric.L2, 7, _ => throw new InvalidOperationException("boom")));
        CollectionAssert.AreEqual(before, File.ReadAllBytes(path));
        Assert.HasCount(1, Directory.GetFiles(_dir));
    }

    [TestMethod]
    public void SaveLoad_MissingFolderOrAFolderPath_SaysSoNamingThePath()
    {
        using var index = new FlatIndex(2, VectorMetric.InnerProduct);
        index.Add([7], [1f, 0f]);
        // A missing folder is created, as ModelFile.Save does (it failed naming a temporary file the caller never gave).
        var nested = Path.Combine(_dir, "new", "items.ttvx");
        index.Save(nested);
        using (var loaded = VectorIndex.Load(nested)) Assert.AreEqual(1, loaded.Count);
        // A folder given as the file: refused before anything is written (the save failed as "Is a directory" after the payload).
        var save = Assert.ThrowsExactly<IOException>(() => index.Save(_dir));
        StringAssert.Contains(save.Message, $"Index path '{_dir}' is a folder");
        // Loading a folder said "access denied", a missing file "could not find file".
        var folder = Assert.ThrowsExactly<FileNotFoundException>(() => VectorIndex.Load(_dir));
        StringAssert.Contains(folder.Message, $"Index path '{_dir}' is a folder");
        var missing = Assert.ThrowsExactly<FileNotFoundException>(() => VectorIndex.Load(Path.Combine(_dir, "none.ttvx")));
        StringAssert.Contains(missing.Message, "does not exist");
        Assert.ThrowsExactly<FileNotFoundException>(() => FlatIndex.Load(_dir));
    }

    [TestMethod]
    public void Load_WrongMagic_SaysNotAnIndexFile()
    {
        var path = Path.Combine(_dir, "x.bin");
        File.WriteAllText(path, "hello world, this is not an index file at all");
        var ex = Assert.ThrowsExactly<InvalidDataException>(() => IndexFile.Load(path, (_, _) => 0));
        StringAssert.Contains(ex.Message, "not a TwoTower index file");
        StringAssert.Contains(ex.Message, path);
        StringAssert.Contains(Assert.ThrowsExactly<InvalidDataException>(() => VectorIndex.Load(path)).Message, "not a TwoTower index file");
    }

    [TestMethod]
    public void Load_NewerVersion_SaysNewerThanLibrary()
    {
        var path = SaveSample();
        var bytes = File.ReadAllBytes(path);
        BitConverter.GetBytes(4u).CopyTo(bytes, 4);
        File.WriteAllBytes(path, bytes);
        var called = false;
        var ex = Assert.ThrowsExactly<InvalidDataException>(() => IndexFile.Load(path, (_, _) => called = true));
        StringAssert.Contains(ex.Message, "format version 4 is newer than this library reads (3)");
        Assert.IsFalse(called);
        StringAssert.Contains(Assert.ThrowsExactly<InvalidDataException>(() => VectorIndex.Load(path)).Message, "newer than this library");
    }

    [TestMethod]
    public void Load_CorruptOrTruncated_FailsBeforeReadingPayload()
    {
        var path = SaveSample();
        var good = File.ReadAllBytes(path);
        for (var cut = 8; cut < good.Length; cut += 5)
        {
            File.WriteAllBytes(path, good[..cut]);
            var called = false;
            var ex = Assert.ThrowsExactly<InvalidDataException>(() => IndexFile.Load(path, (_, _) => called = true), $"cut at {cut}");
            StringAssert.Contains(ex.Message, "corrupt or truncated");
            Assert.IsFalse(called);
        }
        for (var i = 8; i < good.Length; i++)
        {
            var bad = (byte[])good.Clone();
            bad[i] ^= 0x40;
            File.WriteAllBytes(path, bad);
            var ex = Assert.ThrowsExactly<InvalidDataException>(() => IndexFile.Load(path, (_, _) => 0), $"flip at {i}");
            StringAssert.Contains(ex.Message, "corrupt or truncated");
        }
    }

    [TestMethod]
    public void Load_PayloadReaderLeavesBytes_ReportsCorrupt()
    {
        var path = SaveSample();
        StringAssert.Contains(Assert.ThrowsExactly<InvalidDataException>(() => IndexFile.Load(path, (_, r) => r.ReadInt32())).Message, "payload ends at byte");
    }

    [TestMethod]
    public void Load_CorruptIndexFile_FlatLoadFailsCleanly()
    {
        var path = Path.Combine(_dir, "flat.ttvx");
        using var index = new FlatIndex(4);
        index.Add([1, 2], [1, 2, 3, 4, 5, 6, 7, 8]);
        index.Save(path);
        var bytes = File.ReadAllBytes(path);
        bytes[bytes.Length / 2] ^= 1;
        File.WriteAllBytes(path, bytes);
        StringAssert.Contains(Assert.ThrowsExactly<InvalidDataException>(() => VectorIndex.Load(path)).Message, "checksum mismatch");
    }

    [TestMethod]
    public void Save_BadArguments_Throw()
    {
        var path = Path.Combine(_dir, "b.ttvx");
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => IndexFile.Save(path, "Flat", VectorMetric.L2, 0, _ => { }));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => IndexFile.Save(path, "Flat", (VectorMetric)9, 3, _ => { }));
        Assert.ThrowsExactly<ArgumentException>(() => IndexFile.Save(path, "", VectorMetric.L2, 3, _ => { }));
    }
}
