using System.Text.Json;
using TwoTower.MLNet.Persistence;
using TwoTower.MLNet.Tests.TwoTowerModel;
using TwoTower.MLNet.Training;
using TwoTower.MLNet.TwoTowerModel;

namespace TwoTower.MLNet.Tests.Catalog;

/// <summary>metadata.json says how a model's user history was cut, so a server outside .NET feeds the tower what it was trained on.</summary>
[TestClass]
public sealed class OnnxExportHistoryTests
{
    private static TwoTowerRecommender Train(bool history, int length)
    {
        var o = TwoTowerTrainerTests.Small();
        o.UseUserHistory = history;
        o.UserHistoryLength = length;
        return new TwoTowerTrainer(o).Train(TrainingData.Create(TwoTowerTrainerTests.ClusteredLog(), null, TwoTowerTrainerTests.Genres()));
    }

    private static JsonElement HistoryFeature(string dir) =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, OnnxModelExporter.ManifestFile))).RootElement
            .GetProperty("query_features").EnumerateArray().Single(f => f.GetProperty("name").GetString() == "history");

    [TestMethod]
    public void Export_HistoryOfTheLastItems_MetadataSaysHowMany_AlsoAfterSaveAndLoad()
    {
        var model = Train(history: true, length: 3);
        Assert.AreEqual(3, model.UserHistoryLength);
        var path = Path.Combine(TestPaths.TempDir(), "history.zip");
        ModelFile.Save(path, model);
        var loaded = (TwoTowerRecommender)ModelFile.Load(path).Model;
        Assert.AreEqual(3, loaded.UserHistoryLength);
        var dir = Path.Combine(TestPaths.TempDir(), "onnx");
        OnnxModelExporter.Export(loaded, dir, k: 5);
        var history = HistoryFeature(dir);
        Assert.AreEqual("bag", history.GetProperty("kind").GetString());
        Assert.AreEqual(3, history.GetProperty("max_length").GetInt32());
    }

    [TestMethod]
    public void Export_WholeHistoryOrNoHistory_NoLength()
    {
        var whole = Train(history: true, length: 0);
        Assert.AreEqual(0, whole.UserHistoryLength);
        var dir = Path.Combine(TestPaths.TempDir(), "onnx");
        OnnxModelExporter.Export(whole, dir, k: 5);
        Assert.IsFalse(HistoryFeature(dir).TryGetProperty("max_length", out var n) && n.ValueKind != JsonValueKind.Null);
        Assert.IsNull(Train(history: false, length: 0).UserHistoryLength, "no history bag, nothing to cut (a length without the bag is refused)");
    }
}
