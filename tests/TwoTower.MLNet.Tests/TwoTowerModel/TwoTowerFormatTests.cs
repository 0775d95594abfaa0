using System.IO.Compression;
using TwoTower.MLNet.Data;
using TwoTower.MLNet.Features;
using TwoTower.MLNet.Persistence;
using TwoTower.MLNet.Tests.Persistence;
using TwoTower.MLNet.Towers;
using TwoTower.MLNet.TwoTowerModel;

namespace TwoTower.MLNet.Tests.TwoTowerModel;

/// <summary>Golden files of the two-tower model layout: old files keep loading, today's writer keeps its format.</summary>
[TestClass]
public sealed class TwoTowerFormatTests
{
    private static string GoldenV2 => Path.Combine(TestPaths.RepositoryRoot, "tests", "TwoTower.MLNet.Tests", "Golden", "twotower-v2.ttm");

    private static string GoldenV1 => Path.Combine(TestPaths.RepositoryRoot, "tests", "TwoTower.MLNet.Tests", "Golden", "twotower-v1.ttm");

    /// <summary>The vectors-only model of layout 1: 2 users, 3 items, d = 2.</summary>
    internal static TwoTowerRecommender VectorsOnlyModel() => new(
        new IdMap("user", ["u1", "u2"]), new IdMap("item", ["a", "b", "c"]), 2,
        [1f, 0f, 0f, 1f], [0.5f, 0.5f, 1f, 0f, 0f, 2f], [0.6f, 0.8f],
        new Dictionary<string, object?> { ["loss"] = "SampledSoftmax" });

    /// <summary>
    /// Layout 2 with hand-set towers. Item tower: no id, genres bag (Comedy = (1,0), Drama = (0,1)), release_year
    /// (mean 1990, std 10), one linear layer W = [[1,0,0],[0,1,1]], b = (0, 0.5). User tower: 2-d id embedding, identity layer.
    /// </summary>
    internal static TwoTowerRecommender TowersModel()
    {
        var v1 = VectorsOnlyModel();
        var item = new TowerWeights(new TowerArchitecture(false, 1, 2, [], 2, false, 0f),
            new FeatureSchema([], [new BagSchema("genres", ["Comedy", "Drama"])], [new NumericSchema("release_year", 1990, 10)]),
            3, null, [], [[1f, 0f, 0f, 1f]], [new DenseLayerWeights(3, 2, [1f, 0f, 0f, 0f, 1f, 1f], [0f, 0.5f])]);
        var user = new TowerWeights(new TowerArchitecture(true, 2, 2, [], 2, false, 0f), FeatureSchema.Empty,
            2, [1f, 0f, 0f, 1f], [], [], [new DenseLayerWeights(2, 2, [1f, 0f, 0f, 1f], [0f, 0f])]);
        return new TwoTowerRecommender(v1.Users, v1.Items, 2, v1.UserVectors.ToArray(), v1.ItemVectors.ToArray(), v1.ColdUserVector.ToArray(),
            new Dictionary<string, object?> { ["loss"] = "SampledSoftmax" }, null, user, item);
    }

    [TestMethod]
    public void GoldenFile_Layout2_LoadsTowersThatEmbedANewItem()
    {
        if (Environment.GetEnvironmentVariable("TWOTOWER_UPDATE_GOLDEN") == "1") ModelFile.Save(GoldenV2, TowersModel(), null, null);
        var model = (TwoTowerRecommender)ModelFile.Load(GoldenV2).Model;
        var raw = new RawFeatures();
        raw.Bags["genres"] = ["Drama"];
        raw.Numeric["release_year"] = 2000;
        // x = (0, 1, (2000 − 1990) / 10) → y = (0, 1 + 1 + 0.5).
        CollectionAssert.AreEqual(new[] { 0f, 2.5f }, model.EmbedNewItem(raw));
        Assert.AreEqual(1, model.UserTower!.Architecture.HiddenLayers.Count + 1);
    }

    [TestMethod]
    public void GoldenFile_Layout2_SavingTheSameModelToday_GivesTheSameEntries()
    {
        var path = Path.Combine(TestPaths.TempDir(), "again.ttm");
        ModelFile.Save(path, TowersModel(), null, null);
        using var a = ZipFile.OpenRead(GoldenV2);
        using var b = ZipFile.OpenRead(path);
        CollectionAssert.AreEqual(a.Entries.Select(e => e.FullName).ToArray(), b.Entries.Select(e => e.FullName).ToArray());
        foreach (var e in a.Entries.Where(e => e.FullName != ModelContainerReader.ManifestName))
            CollectionAssert.AreEqual(ModelContainerTests.ReadAll(e), ModelContainerTests.ReadAll(b.GetEntry(e.FullName)!), $"entry {e.FullName} changed: the two-tower format is not stable.");
    }

    [TestMethod]
    public void Load_NewerTowerLayout_ThrowsAskingForAnUpgrade()
    {
        var path = Path.Combine(TestPaths.TempDir(), "newer.ttm");
        ModelFile.Save(path, TowersModel(), null, null);
        RewriteEntry(path, "item_tower.json", json => json.Replace("\"LayoutVersion\": 1", "\"LayoutVersion\": 7"));
        var ex = Assert.ThrowsExactly<ModelFormatException>(() => ModelFile.Load(path));
        StringAssert.Contains(ex.Message, "layout version 7");
        StringAssert.Contains(ex.Message, "upgrade TwoTower.MLNet");
    }

    [TestMethod]
    public void Load_TowerTableOfTheWrongShape_ThrowsNamingTheEntry()
    {
        var path = Path.Combine(TestPaths.TempDir(), "bad.ttm");
        ModelFile.Save(path, TowersModel(), null, null);
        RewriteEntry(path, "item_tower.json", json => json.Replace("\"Drama\"", "\"Drama\", \"Western\""));
        var ex = Assert.ThrowsExactly<ModelFormatException>(() => ModelFile.Load(path));
        StringAssert.Contains(ex.Message, "item_tower.bag0");
    }

    [TestMethod]
    public void Load_MalformedHeaderOrArchitecture_ThrowsModelFormatExceptionNamingTheFile()
    {
        var edits = new (string Entry, string Pattern, string Replacement, string Reason)[]
        {
            ("twotower.json", "\"dimension\": \\d+,?", "", "no 'dimension'"),
            ("twotower.json", "\"dimension\": \\d+", "\"dimension\": 2.5", "'dimension' = 2.5"),
            ("twotower.json", "\"layoutVersion\": \\d+", "\"layoutVersion\": 1000000000000", "layout version 1000000000000"),
            ("item_tower.json", "\"HiddenLayers\": \\[[^\\]]*\\],?", "", "no hidden layer list"),
        };
        foreach (var (entry, pattern, replacement, reason) in edits)
        {
            var path = Path.Combine(TestPaths.TempDir(), "edited.ttm");
            ModelFile.Save(path, TowersModel(), null, null);
            RewriteEntry(path, entry, json =>
            {
                var edited = System.Text.RegularExpressions.Regex.Replace(json, pattern, replacement);
                Assert.AreNotEqual(json, edited, pattern);
                return edited;
            });
            var ex = Assert.ThrowsExactly<ModelFormatException>(() => ModelFile.Load(path), pattern);
            StringAssert.Contains(ex.Message, path);
            StringAssert.Contains(ex.Message, reason);
        }
    }

    // Edits one JSON entry and re-signs the manifest, as a writer of a different version would have written it.
    private static void RewriteEntry(string path, string name, Func<string, string> edit)
    {
        var reader = ModelContainerReader.Open(path);
        var writer = new ModelContainerWriter(reader.ModelType, reader.Manifest.ModelVersion);
        using (var zip = ZipFile.OpenRead(path))
            foreach (var e in reader.Manifest.Entries)
            {
                var bytes = ModelContainerTests.ReadAll(zip.GetEntry(e.Name)!);
                if (e.Name == name) writer.AddRaw(e.Name, e.Kind, e.Shape, System.Text.Encoding.UTF8.GetBytes(edit(System.Text.Encoding.UTF8.GetString(bytes))));
                else writer.AddRaw(e.Name, e.Kind, e.Shape, bytes);
            }
        writer.Save(path);
    }

    [TestMethod]
    public void GoldenFile_Layout1_LoadsVectorsWithoutTowers()
    {
        if (Environment.GetEnvironmentVariable("TWOTOWER_UPDATE_GOLDEN") == "1" && !File.Exists(GoldenV1))
            ModelFile.Save(GoldenV1, VectorsOnlyModel(), null, null);
        var model = (TwoTowerRecommender)ModelFile.Load(GoldenV1).Model;
        CollectionAssert.AreEqual(new[] { "a", "b", "c" }, model.Items.RawIds.ToArray());
        var scores = new float[6];
        model.Score([1, -1], scores);
        float[] expected = [0.5f, 0f, 2f, 0.7f, 0.6f, 1.6f];
        for (var i = 0; i < 6; i++) Assert.AreEqual(expected[i], scores[i], 1e-6f, $"score {i}");
    }
}
