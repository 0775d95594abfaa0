using System.Globalization;
using TwoTower.MLNet.Index.Ivf;
using TwoTower.MLNet.Index.Persistence;
using static TwoTower.MLNet.Index.Tests.Persistence.PersistenceTestIndexes;

namespace TwoTower.MLNet.Index.Tests.Persistence;

/// <summary>
/// Inner-product IVF files of format version 2 keep the lists they were built with: their cells are those of the raw vectors,
/// while version 3 builds inner-product cells of the vectors' directions. The golden files under Golden/ were written by the
/// version-2 library (commit 182e9b0) from 299 vectors in 8 dimensions (a Gaussian mixture, each row given a length in
/// [0.1, 2], so the two rules give different cells), with the searches that library returned for queries.txt (k 5).
/// </summary>
[TestClass]
public sealed class FormatVersion2IvfTests
{
    private string _dir = "";

    [TestInitialize]
    public void Init() => _dir = TestPaths.TempDir();

    [TestCleanup]
    public void Cleanup() => Directory.Delete(_dir, recursive: true);

    private static string Golden(string file) => Path.Combine(TestPaths.RepositoryRoot, "tests", "TwoTower.MLNet.Index.Tests", "Persistence", "Golden", file);

    private static float[] GoldenQueries() =>
        File.ReadAllText(Golden("queries.txt")).Split(' ').Select(s => BitConverter.Int32BitsToSingle(int.Parse(s, CultureInfo.InvariantCulture))).ToArray();

    // Asserts the searches the version-2 writer's index returned, bit for bit.
    private static void AssertWritersResults(string name, SearchResults r, string what)
    {
        var lines = File.ReadAllLines(Golden(name + ".v2.expected.txt"));
        Assert.AreEqual(lines.Length, r.QueryCount);
        for (var i = 0; i < lines.Length; i++)
        {
            var expected = lines[i].Split(' ').Select(t => t.Split(':')).ToArray();
            CollectionAssert.AreEqual(expected.Select(t => long.Parse(t[0], CultureInfo.InvariantCulture)).ToArray(), r.IdsOf(i).ToArray(), $"{what}: query {i} ids");
            CollectionAssert.AreEqual(expected.Select(t => int.Parse(t[1], CultureInfo.InvariantCulture)).ToArray(), r.ScoresOf(i).ToArray().Select(BitConverter.SingleToInt32Bits).ToArray(), $"{what}: query {i} scores");
        }
    }

    [TestMethod]
    [DataRow("ivfflat-ip", IvfFlatIndex.Kind)]
    [DataRow("ivfpq-ip", IvfPqIndex.Kind)]
    public void Load_Version2InnerProductFile_ReturnsTheWritersResultsInEveryMode(string name, string kind)
    {
        var path = Golden(name + ".v2.ttvx");
        Assert.AreEqual(2u, BitConverter.ToUInt32(File.ReadAllBytes(path), 4), "the golden file is format version 2");
        foreach (var options in new[] { IndexLoadOptions.Default, IndexLoadOptions.Mapped, new IndexLoadOptions { MemoryMap = true, VerifyChecksum = false } })
        {
            using var index = VectorIndex.Load(path, options);
            Assert.AreEqual(kind, index.GetType().GetField("Kind")!.GetValue(null));
            Assert.AreEqual(VectorMetric.InnerProduct, index.Metric);
            Assert.AreEqual(options.MemoryMap, index.IsMemoryMapped);
            Assert.AreEqual(299, index.Count);
            AssertWritersResults(name, index.Search(GoldenQueries(), 5), $"{options}");
        }
    }

    [TestMethod]
    [DataRow("ivfflat-ip")]
    [DataRow("ivfpq-ip")]
    public void Resave_Version2InnerProductFile_Version3KeepsItsCellsForSearchesAndAdds(string name)
    {
        using var old = VectorIndex.Load(Golden(name + ".v2.ttvx"));
        var path = Path.Combine(_dir, "v3.ttvx");
        old.Save(path);
        Assert.AreEqual((uint)IndexFile.CurrentFormatVersion, BitConverter.ToUInt32(File.ReadAllBytes(path), 4));
        using var resaved = VectorIndex.Load(path, IndexLoadOptions.Mapped);
        AssertWritersResults(name, resaved.Search(GoldenQueries(), 5), "re-saved as version 3");

        // Vectors added later go to the lists the old rule picks in both, so every search stays the same.
        var extra = TestData.WithLengths(TestData.Clustered(60, 8, 6, 0.8f, 31), 8, 32);
        var extraIds = TestData.Ids(60, 10_000);
        old.Add(extraIds, extra);
        resaved.Add(extraIds, extra);
        var q = TestData.WithLengths(TestData.Clustered(30, 8, 6, 0.8f, 33), 8, 34);
        AssertSame(old.Search(q, 10), resaved.Search(q, 10), "after adding to the version-2 load and to the version-3 re-save");
    }
}
