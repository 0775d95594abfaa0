using System.IO.Compression;
using System.Text;
using TwoTower.MLNet.Data;
using TwoTower.MLNet.Models.Baselines;
using TwoTower.MLNet.Persistence;

namespace TwoTower.MLNet.Tests.Persistence;

[TestClass]
public sealed class ModelContainerTests
{
    private static string GoldenPath => Path.Combine(TestPaths.RepositoryRoot, "tests", "TwoTower.MLNet.Tests", "Golden", "popularity-v1.ttm");

    /// <summary>The model the golden file holds: 2 users, 3 items, counts 5, 0, 2, user "u1" has seen item "b".</summary>
    private static (PopularityRecommender Model, SparseMatrix Seen) GoldenModel()
    {
        var users = new IdMap("user", new[] { "u1", "u2" });
        var items = new IdMap("item", new[] { "a", "b", "c" });
        var seen = SparseMatrix.FromCoordinates(2, 3, new[] { 0 }, new[] { 1 }, new[] { 1f });
        return (new PopularityRecommender(users, items, new[] { 5f, 0f, 2f }), seen);
    }

    private static string SaveTemp(Action<ModelContainerWriter> fill, string type = "popularity")
    {
        var w = new ModelContainerWriter(type);
        fill(w);
        var path = Path.Combine(TestPaths.TempDir(), "m.zip");
        w.Save(path);
        return path;
    }

    [TestMethod]
    public void GoldenFile_Version1_LoadsWithExpectedContent()
    {
        if (Environment.GetEnvironmentVariable("TWOTOWER_UPDATE_GOLDEN") == "1")
        {
            var (m, s) = GoldenModel();
            ModelFile.Save(GoldenPath, m, s, new Dictionary<string, object?> { ["note"] = "golden" });
        }
        var loaded = ModelFile.Load(GoldenPath);
        Assert.AreEqual("popularity", loaded.Model.ModelType);
        CollectionAssert.AreEqual(new[] { "a", "b", "c" }, loaded.Model.Items.RawIds.ToArray());
        var scores = new float[3];
        loaded.Model.Score(new[] { 1 }, scores);
        CollectionAssert.AreEqual(new[] { 5f, 0f, 2f }, scores);
        CollectionAssert.AreEqual(new[] { 1 }, loaded.Seen!.RowIndices(0).ToArray());
        Assert.AreEqual("golden", loaded.TrainingSummary!["note"]!.GetValue<string>());
    }

    [TestMethod]
    public void GoldenFile_SavingTheSameModelToday_GivesTheSameEntries()
    {
        var (m, s) = GoldenModel();
        var path = Path.Combine(TestPaths.TempDir(), "again.ttm");
        ModelFile.Save(path, m, s, new Dictionary<string, object?> { ["note"] = "golden" });
        using var a = ZipFile.OpenRead(GoldenPath);
        using var b = ZipFile.OpenRead(path);
        CollectionAssert.AreEqual(a.Entries.Select(e => e.FullName).ToArray(), b.Entries.Select(e => e.FullName).ToArray());
        foreach (var e in a.Entries.Where(e => e.FullName != ModelContainerReader.ManifestName))
            CollectionAssert.AreEqual(ReadAll(e), ReadAll(b.GetEntry(e.FullName)!), $"entry {e.FullName} changed: the format is not stable.");
    }

    [TestMethod]
    public void Save_SummaryWithNaN_RoundTripsAsNaNString()
    {
        // A summary may hold "not measured" figures; saving must not fail on them.
        var (m, s) = GoldenModel();
        var path = Path.Combine(TestPaths.TempDir(), "nan.ttm");
        ModelFile.Save(path, m, s, new Dictionary<string, object?> { ["coherence"] = double.NaN, ["loss"] = 1.5 });
        var summary = ModelFile.Load(path).TrainingSummary!;
        Assert.AreEqual("NaN", summary["coherence"]!.ToString());
        Assert.AreEqual(1.5, summary["loss"]!.GetValue<double>());
    }

    internal static byte[] ReadAll(ZipArchiveEntry e)
    {
        using var s = e.Open();
        using var ms = new MemoryStream();
        s.CopyTo(ms);
        return ms.ToArray();
    }

    [TestMethod]
    public void RoundTrip_AllEntryKinds_ReadBackExactly()
    {
        var path = SaveTemp(w =>
        {
            w.AddFloats("f", new[] { 1.5f, -2f, float.Epsilon, 3f, 4f, 5f }, 2, 3);
            w.AddInts("i", new[] { 7, -1 }, 2);
            w.AddLines("l", new[] { "x", "", "z" });
            w.AddJson("j", new Dictionary<string, int> { ["k"] = 3 });
        });
        var r = ModelContainerReader.Open(path);
        CollectionAssert.AreEqual(new[] { 1.5f, -2f, float.Epsilon, 3f, 4f, 5f }, r.ReadFloats("f", 2, 3));
        CollectionAssert.AreEqual(new[] { 7, -1 }, r.ReadInts("i", out var shape));
        CollectionAssert.AreEqual(new[] { 2 }, shape);
        CollectionAssert.AreEqual(new[] { "x", "", "z" }, r.ReadLines("l"));
        Assert.AreEqual(3, r.ReadJson<Dictionary<string, int>>("j")["k"]);
    }

    [TestMethod]
    public void ReadWithExpectedShape_OtherShape_NamesEntryAndBothShapes()
    {
        var path = SaveTemp(w =>
        {
            w.AddFloats("f", new float[6], 2, 3);
            w.AddInts("i", new[] { 7, -1, 4 }, 3);
        });
        var r = ModelContainerReader.Open(path);
        CollectionAssert.AreEqual(new[] { 7, -1, 4 }, r.ReadInts("i", 3));
        StringAssert.Contains(Assert.ThrowsExactly<ModelFormatException>(() => r.ReadInts("i", 4)).Message, "entry 'i' has shape [3], expected [4]");
        StringAssert.Contains(Assert.ThrowsExactly<ModelFormatException>(() => r.ReadFloats("f", 3, 2)).Message, "entry 'f' has shape [2,3], expected [3,2]");
    }

    [TestMethod]
    public void Open_FlippedPayloadByte_ReportsChecksumMismatch()
    {
        var path = SaveTemp(w => w.AddFloats("weights", new float[64], 64));
        // Stored (uncompressed) tensor: flip a byte inside its payload.
        var bytes = File.ReadAllBytes(path);
        var marker = Encoding.ASCII.GetBytes("weights");
        // First occurrence = the local file header; the stored payload follows the name directly.
        var at = bytes.AsSpan().IndexOf(marker) + marker.Length + 20;
        bytes[at] ^= 0xFF;
        File.WriteAllBytes(path, bytes);
        var ex = Assert.ThrowsExactly<ModelFormatException>(() => ModelContainerReader.Open(path));
        StringAssert.Contains(ex.Message, "checksum mismatch in entry 'weights'");
    }

    [TestMethod]
    public void Open_TruncatedFile_ReportsNotAModelOrTruncated()
    {
        var path = SaveTemp(w => w.AddFloats("weights", new float[1000], 1000));
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);
        var ex = Assert.ThrowsExactly<ModelFormatException>(() => ModelContainerReader.Open(path));
        StringAssert.Contains(ex.Message, "truncated");
    }

    [TestMethod]
    public void Load_NewerModelVersion_AsksToUpgradeInsteadOfMisreading()
    {
        var log = new TwoTower.MLNet.Data.InteractionLog();
        log.Add("u", "i");
        var model = new TwoTower.MLNet.Models.Baselines.PopularityTrainer().Fit(TwoTower.MLNet.Training.TrainingData.Create(log));
        var path = Path.Combine(TestPaths.TempDir(), "newer-model.zip");
        var writer = new ModelContainerWriter(model.ModelType, modelVersion: 99);
        model.Save(writer);
        writer.Save(path);
        var ex = Assert.ThrowsExactly<ModelFormatException>(() => ModelRegistry.Load(path));
        StringAssert.Contains(ex.Message, "popularity model version 99 is newer than this library reads (1); upgrade TwoTower.MLNet.");
    }

    [TestMethod]
    [DataRow(2, 0)]
    [DataRow(1, 1)]
    public void Load_SeenItemsOutOfOrderOrRepeated_RefusedNamingTheUser(int first, int second)
    {
        // Exclude-seen looks an item up by binary search in its user's row: a row out of order loaded, then answered wrongly.
        var (model, _) = GoldenModel();
        var path = SaveTemp(w =>
        {
            model.Save(w);
            w.AddInts("_seen.ptr", new[] { 0, 0, 2 }, 3);
            w.AddInts("_seen.idx", new[] { first, second }, 2);
        });
        var ex = Assert.ThrowsExactly<ModelFormatException>(() => ModelFile.Load(path));
        StringAssert.Contains(ex.Message, "the seen items of user key 1 are not in increasing order without repeats");
    }

    [TestMethod]
    public void Save_SeenItemsOutOfOrder_RefusedBeforeWritingAFileLoadWouldRefuse()
    {
        var (model, _) = GoldenModel();
        var unsorted = new SparseMatrix(2, 3, new[] { 0, 0, 2 }, new[] { 2, 0 }, new[] { 1f, 1f });
        var path = Path.Combine(TestPaths.TempDir(), "unsorted-seen.zip");
        var ex = Assert.ThrowsExactly<ArgumentException>(() => ModelFile.Save(path, model, unsorted));
        Assert.AreEqual("seen", ex.ParamName);
        StringAssert.Contains(ex.Message, "the seen items of user key 1 are not in increasing order without repeats");
        Assert.IsFalse(File.Exists(path));
    }

    [TestMethod]
    public void Open_EntryNotInTheManifest_RefusedNamingIt()
    {
        var path = Path.Combine(TestPaths.TempDir(), "unlisted.zip");
        using (var zip = ZipFile.Open(path, ZipArchiveMode.Create))
        {
            using (var s = new StreamWriter(zip.CreateEntry("manifest.json").Open()))
                s.Write("{\"format\":\"twotower-model\",\"formatVersion\":1,\"modelType\":\"popularity\"}");
            using (var s = new StreamWriter(zip.CreateEntry("popularity.json").Open()))
                s.Write("{}");
        }
        var ex = Assert.ThrowsExactly<ModelFormatException>(() => ModelContainerReader.Open(path));
        StringAssert.Contains(ex.Message, "entry 'popularity.json' is in the file but not in its manifest");
    }

    [TestMethod]
    public void Open_NewerFormatVersion_AsksToUpgrade()
    {
        var path = Path.Combine(TestPaths.TempDir(), "newer.zip");
        using (var zip = ZipFile.Open(path, ZipArchiveMode.Create))
        using (var s = new StreamWriter(zip.CreateEntry("manifest.json").Open()))
            s.Write("{\"format\":\"twotower-model\",\"formatVersion\":99,\"modelType\":\"popularity\",\"entries\":[]}");
        var ex = Assert.ThrowsExactly<ModelFormatException>(() => ModelContainerReader.Open(path));
        StringAssert.Contains(ex.Message, "format version 99 is newer than this library reads (1)");
    }

    [TestMethod]
    public void Open_ZipWithoutManifest_IsNotAModelFile()
    {
        var path = Path.Combine(TestPaths.TempDir(), "other.zip");
        using (var zip = ZipFile.Open(path, ZipArchiveMode.Create)) zip.CreateEntry("readme.txt");
        var ex = Assert.ThrowsExactly<ModelFormatException>(() => ModelContainerReader.Open(path));
        StringAssert.Contains(ex.Message, "not a TwoTower model file");
    }

    [TestMethod]
    public void Open_CorruptZipDirectory_NamesTheFile()
    {
        // A broken header in the central directory is found only when the first entry is looked up, not at open.
        var path = SaveTemp(w => w.AddFloats("weights", new float[16], 16));
        var bytes = File.ReadAllBytes(path);
        var last = bytes.AsSpan().LastIndexOf(new byte[] { 0x50, 0x4b, 0x01, 0x02 });
        bytes[last + 3] ^= 0xFF;
        File.WriteAllBytes(path, bytes);
        var ex = Assert.ThrowsExactly<ModelFormatException>(() => ModelFile.Load(path));
        StringAssert.Contains(ex.Message, path);
        StringAssert.Contains(ex.Message, "the zip directory is corrupt");
    }

    [TestMethod]
    public void Open_ManifestWithNullEntriesOrNames_NamesTheFile()
    {
        foreach (var (edit, reason) in new[] { ("\"entries\": null", "lists no entries"), ("\"entries\": [ { \"name\": null } ]", "manifest entry 0 has no name") })
        {
            var path = Path.Combine(TestPaths.TempDir(), "edited.zip");
            using (var zip = ZipFile.Open(path, ZipArchiveMode.Create))
            using (var w = new StreamWriter(zip.CreateEntry(ModelContainerReader.ManifestName).Open()))
                w.Write($"{{ \"format\": \"twotower-model\", \"formatVersion\": 1, \"modelType\": \"popularity\", {edit} }}");
            var ex = Assert.ThrowsExactly<ModelFormatException>(() => ModelContainerReader.Open(path), edit);
            StringAssert.Contains(ex.Message, path);
            StringAssert.Contains(ex.Message, reason);
        }
    }

    [TestMethod]
    public void Open_PlainTextFile_IsNotAModelFile()
    {
        var path = Path.Combine(TestPaths.TempDir(), "notes.txt");
        File.WriteAllText(path, "hello");
        Assert.ThrowsExactly<ModelFormatException>(() => ModelContainerReader.Open(path));
    }

    [TestMethod]
    public void Load_UnknownModelType_ListsKnownTypes()
    {
        var path = SaveTemp(_ => { }, type: "mystery");
        var ex = Assert.ThrowsExactly<ModelFormatException>(() => ModelRegistry.Load(path));
        StringAssert.Contains(ex.Message, "unknown model type 'mystery'");
        StringAssert.Contains(ex.Message, "popularity");
    }

    [TestMethod]
    public void Save_OverExistingFile_ReplacesAtomicallyAndLeavesNoTempFiles()
    {
        var (m, _) = GoldenModel();
        var dir = TestPaths.TempDir();
        var path = Path.Combine(dir, "m.ttm");
        File.WriteAllText(path, "old");
        ModelRegistry.Save(m, path);
        Assert.AreEqual("popularity", ModelRegistry.Load(path).ModelType);
        CollectionAssert.AreEqual(new[] { "m.ttm" }, Directory.GetFiles(dir).Select(Path.GetFileName).ToArray());
    }

    [TestMethod]
    public void Open_TensorShapeDisagreeingWithItsBytes_RefusedNamingTheEntry()
    {
        // A manifest from another writer can declare a shape its checksummed bytes do not fill: refused at open, not at use.
        foreach (var (kind, shape, bytes, reason) in new (string, int[]?, int, string)[]
        {
            ("float32", [3, 4], 8, "entry 'w' has shape [3,4] (12 values, 48 bytes) but 8 bytes"),
            ("int32", [-1, -2], 8, "entry 'w' has a negative dimension in shape [-1,-2]"),
            ("float32", null, 8, "entry 'w' (float32) has no shape"),
        })
        {
            var path = SaveTemp(w => w.AddRaw("w", kind, shape, new byte[bytes]));
            var ex = Assert.ThrowsExactly<ModelFormatException>(() => ModelContainerReader.Open(path), kind);
            StringAssert.Contains(ex.Message, reason);
        }
    }

    [TestMethod]
    public void AddFloats_ShapeMismatch_Throws()
    {
        var ex = Assert.ThrowsExactly<ArgumentException>(() => new ModelContainerWriter("x").AddFloats("w", new float[5], 2, 3));
        StringAssert.Contains(ex.Message, "shape [2,3] holds 6 values but 5 were given");
    }
}
