using System.Globalization;
using TwoTower.MLNet.Index.Persistence;
using static TwoTower.MLNet.Index.Tests.Persistence.PersistenceTestIndexes;

namespace TwoTower.MLNet.Index.Tests.Persistence;

/// <summary>Files written by the format-version-1 writer (checked in under Golden/, with the searches the writer's index returned) still load.</summary>
[TestClass]
public sealed class FormatVersion1Tests
{
    private static string Golden(string file) => Path.Combine(TestPaths.RepositoryRoot, "tests", "TwoTower.MLNet.Index.Tests", "Persistence", "Golden", file);

    private static float[] GoldenQueries() =>
        File.ReadAllText(Golden("queries.txt")).Split(' ').Select(s => BitConverter.Int32BitsToSingle(int.Parse(s, CultureInfo.InvariantCulture))).ToArray();

    [TestMethod]
    [DataRow("flat-l2", "Flat")]
    [DataRow("hnsw-cosine", "HNSW")]
    [DataRow("ivfflat-ip", "IVFFlat")]
    [DataRow("ivfpq-l2", "IVFPQ")]
    public void Load_Version1File_ReturnsTheWritersResultsInEveryMode(string name, string kind)
    {
        var path = Golden(name + ".v1.ttvx");
        Assert.AreEqual(1u, BitConverter.ToUInt32(File.ReadAllBytes(path), 4), "the golden file is format version 1");
        var lines = File.ReadAllLines(Golden(name + ".v1.expected.txt"));
        var q = GoldenQueries();
        foreach (var options in new[] { IndexLoadOptions.Default, IndexLoadOptions.Mapped, new IndexLoadOptions { MemoryMap = true, VerifyChecksum = false } })
        {
            using var index = VectorIndex.Load(path, options);
            Assert.AreEqual(kind, index.GetType().GetField("Kind")?.GetValue(null) ?? index.GetType().GetField("FileKind")?.GetValue(null));
            Assert.IsFalse(index.IsMemoryMapped, "version-1 files have no aligned sections and are loaded fully");
            Assert.AreEqual(299, index.Count);
            var r = index.Search(q, 5);
            for (var i = 0; i < lines.Length; i++)
            {
                var expected = lines[i].Split(' ').Select(t => t.Split(':')).ToArray();
                CollectionAssert.AreEqual(expected.Select(t => long.Parse(t[0], CultureInfo.InvariantCulture)).ToArray(), r.IdsOf(i).ToArray(), $"{options}: query {i} ids");
                CollectionAssert.AreEqual(expected.Select(t => int.Parse(t[1], CultureInfo.InvariantCulture)).ToArray(), r.ScoresOf(i).ToArray().Select(BitConverter.SingleToInt32Bits).ToArray(), $"{options}: query {i} scores");
            }
        }
    }

    [TestMethod]
    public void Resave_Version1File_WritesCurrentVersionThatMapsWithSameResults()
    {
        var dir = TestPaths.TempDir();
        try
        {
            using var old = VectorIndex.Load(Golden("hnsw-cosine.v1.ttvx"));
            var path = Path.Combine(dir, "v2.ttvx");
            old.Save(path);
            Assert.AreEqual((uint)IndexFile.CurrentFormatVersion, BitConverter.ToUInt32(File.ReadAllBytes(path), 4));
            using var mapped = VectorIndex.Load(path, IndexLoadOptions.Mapped);
            Assert.IsTrue(mapped.IsMemoryMapped);
            AssertSame(old.Search(GoldenQueries(), 5), mapped.Search(GoldenQueries(), 5), "version 1 loaded vs current version mapped");
        }
        finally { Directory.Delete(dir, true); }
    }

    [TestMethod]
    public void Load_Version1FlatFileWithANegativeId_InvalidDataNamingIt()
    {
        // Found by an audit: the version-1 Flat reader took its ids unchecked (the version-2 one and every IVF reader refuse a
        // negative id), so such a file, read without the checksum pass, loaded and searches returned the id as a hit.
        var dir = TestPaths.TempDir();
        try
        {
            var bytes = File.ReadAllBytes(Golden("flat-l2.v1.ttvx"));
            // Payload: row count, then the ids.
            var firstId = PayloadStart("Flat") + 4;
            Assert.AreEqual(299, BitConverter.ToInt32(bytes, firstId - 4), "the row count's offset");
            BitConverter.GetBytes(-7L).CopyTo(bytes, firstId);
            var path = Path.Combine(dir, "negative.v1.ttvx");
            File.WriteAllBytes(path, bytes);
            var message = Assert.ThrowsExactly<InvalidDataException>(() => VectorIndex.Load(path, new IndexLoadOptions { VerifyChecksum = false }).Dispose()).Message;
            StringAssert.Contains(message, "negative id -7");
            StringAssert.Contains(message, path);
        }
        finally { Directory.Delete(dir, true); }
    }
}
