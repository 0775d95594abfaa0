using System.Text.Json;
using TwoTower.MLNet.Onnx.Execution;
using TwoTower.MLNet.Persistence;

namespace TwoTower.Cli.Tests;

[TestClass]
public sealed class ExportCommandTests
{
    private static string IalsModel()
    {
        var model = Path.Combine(TestPaths.TempDir(), "ials.zip");
        var r = CliRunner.Run("train", "--model", "ials", "--train", TestPaths.Split("p2", "train"), "--out", model);
        Assert.AreEqual(0, r.ExitCode, r.Err);
        return model;
    }

    [TestMethod]
    public void Export_IalsModel_WritesOnnxFilesAndMetadataMatchingTheModel()
    {
        var model = IalsModel();
        var dir = Path.Combine(TestPaths.TempDir(), "export");
        var r = CliRunner.Run("export", "--model", model, "--out", dir, "--k", "7", "--exclude-seen", "--json");
        Assert.AreEqual(0, r.ExitCode, r.Err);
        Assert.AreEqual(7, r.Json["k"]!.GetValue<int>());
        foreach (var f in new[] { "query_tower.onnx", "item_tower.onnx", "recommend.onnx", "metadata.json" })
            Assert.IsTrue(File.Exists(Path.Combine(dir, f)), f);
        var loaded = (TwoTower.MLNet.Models.IEmbeddingRecommender)ModelFile.Load(model).Model;
        using var meta = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "metadata.json")));
        Assert.AreEqual(loaded.Dimension, meta.RootElement.GetProperty("dimension").GetInt32());
        Assert.AreEqual(loaded.Users.GetRawId(0), meta.RootElement.GetProperty("user_ids")[0].GetString());
        Assert.AreEqual("recommend_exclude_seen", meta.RootElement.GetProperty("files")[2].GetProperty("kind").GetString());
        // The cold-start vector a server outside .NET needs for unknown users (a network tower's index 0 is not it).
        var cold = new float[loaded.Dimension];
        loaded.EmbedUsers([-1], cold);
        CollectionAssert.AreEqual(cold, meta.RootElement.GetProperty("cold_user_vector").EnumerateArray().Select(e => e.GetSingle()).ToArray());
        // The item tower returns the model's vector for index key + 1.
        using var tower = OnnxTowerSession.Open(Path.Combine(dir, "item_tower.onnx"));
        var got = tower.Run(new OnnxTowerBatch(1).SetInt64("ItemId", [6]));
        var expected = loaded.ItemVectors.Span.Slice(5 * loaded.Dimension, loaded.Dimension).ToArray();
        for (var j = 0; j < expected.Length; j++) Assert.AreEqual(expected[j], got[j], 1e-6f);
    }

    [TestMethod]
    public void Export_PopularityModel_FailsNamingTheModelType()
    {
        var model = Path.Combine(TestPaths.TempDir(), "pop.zip");
        Assert.AreEqual(0, CliRunner.Run("train", "--model", "popularity", "--train", TestPaths.Split("p2", "train"), "--out", model).ExitCode);
        var r = CliRunner.Run("export", "--model", model, "--out", Path.Combine(TestPaths.TempDir(), "x"));
        Assert.AreNotEqual(0, r.ExitCode);
        StringAssert.Contains(r.Err, "a 'popularity' model has no user and item vectors");
    }

    [TestMethod]
    public void Export_Refused_LeavesNoOutFolderOfItsOwn()
    {
        var dir = TestPaths.TempDir();
        var missing = CliRunner.Run("export", "--model", Path.Combine(dir, "none.zip"), "--out", Path.Combine(dir, "onnx"));
        Assert.AreEqual(2, missing.ExitCode, missing.Err);
        Assert.IsFalse(Directory.Exists(Path.Combine(dir, "onnx")), "a refused export leaves no folder of its own behind");
        var pop = Path.Combine(dir, "pop.zip");
        Assert.AreEqual(0, CliRunner.Run("train", "--model", "popularity", "--train", TestPaths.Split("p2", "train"), "--out", pop).ExitCode);
        Assert.AreNotEqual(0, CliRunner.Run("export", "--model", pop, "--out", Path.Combine(dir, "onnx")).ExitCode);
        Assert.IsFalse(Directory.Exists(Path.Combine(dir, "onnx")));
        // A folder that was there before stays.
        Directory.CreateDirectory(Path.Combine(dir, "mine"));
        Assert.AreEqual(2, CliRunner.Run("export", "--model", Path.Combine(dir, "none.zip"), "--out", Path.Combine(dir, "mine")).ExitCode);
        Assert.IsTrue(Directory.Exists(Path.Combine(dir, "mine")));
    }

    [TestMethod]
    public void Export_KPastTheCatalogue_CappedAndSaid()
    {
        var r = CliRunner.Run("export", "--model", IalsModel(), "--out", Path.Combine(TestPaths.TempDir(), "x"), "--k", "100000", "--json");
        Assert.AreEqual(0, r.ExitCode, r.Err);
        StringAssert.Contains(r.Err, "--k 100000: the catalogue has");
        Assert.IsLessThan(100000, r.Json["k"]!.GetValue<int>());
        var zero = CliRunner.Run("export", "--model", IalsModel(), "--out", Path.Combine(TestPaths.TempDir(), "y"), "--k", "0");
        Assert.AreEqual(2, zero.ExitCode);
        StringAssert.Contains(zero.Err, "--k 0: must be in 1..");
    }

    [TestMethod]
    public void Export_MissingOut_IsAUsageError()
    {
        var r = CliRunner.Run("export", "--model", "m.zip");
        Assert.AreNotEqual(0, r.ExitCode);
        StringAssert.Contains(r.Err, "--out");
    }
}
