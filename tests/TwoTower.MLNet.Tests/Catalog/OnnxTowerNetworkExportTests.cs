using System.Text.Json;
using TwoTower.MLNet.Data;
using TwoTower.MLNet.Features;
using TwoTower.MLNet.Onnx.Execution;
using TwoTower.MLNet.Training;
using TwoTower.MLNet.TwoTowerModel;

namespace TwoTower.MLNet.Tests.Catalog;

using EngineOptions = global::TwoTower.MLNet.TwoTowerModel.TwoTowerTrainerOptions;

/// <summary>
/// Export of a two-tower model trained with ML-100K's user and item features: the ONNX towers are the networks,
/// with one input per feature, and reproduce the managed forward pass for every known and a new entity (max |Δ| ≤ 1e-5).
/// </summary>
[TestClass]
public sealed class OnnxTowerNetworkExportTests
{
    private static readonly Lazy<(TwoTowerRecommender Model, LoadedDataset Data, string Dir)> Exported = new(() =>
    {
        var data = MovieLens100K.Load(TestPaths.MovieLens100K);
        var options = new EngineOptions { Epochs = 1, EmbeddingDimension = 16, IdEmbeddingDimension = 16, FeatureEmbeddingDimension = 8, HiddenLayers = [32], UseUserFeatures = true, ComputeQualityReport = false, Threads = 2 };
        var model = new TwoTowerTrainer(options).Train(TrainingData.Create(data.Interactions, null, data.Items, data.Users));
        var dir = Path.Combine(TestPaths.TempDir(), "network-export");
        OnnxModelExporter.Export(model, dir, k: 10);
        return (model, data, dir);
    });

    [TestMethod]
    public void ItemTower_EveryItemAndANewOne_MatchesTheManagedTower()
    {
        var (model, data, dir) = Exported.Value;
        var tower = model.ItemTower!;
        var records = model.Items.RawIds.Select(id => data.Items!.TryGet(id, out var r) ? r : null).ToArray();
        var raws = records.Select(r => r is null ? new RawFeatures() : ItemFeatureBuilder.Describe(r)).ToList();
        raws.Add(ItemFeatureBuilder.Describe(new ItemRecord("new", "Toy Story 3 (2010)", ["Animation", "Children's", "Comedy"], new DateOnly(2010, 6, 18))));
        var ids = Enumerable.Range(1, model.Items.Count).Select(i => (long)i).Append(0L).ToArray();
        var expected = model.ItemVectors.ToArray().Concat(model.EmbedNewItem(raws[^1])).ToArray();
        using var session = OnnxTowerSession.Open(Path.Combine(dir, OnnxModelExporter.ItemTowerFile));
        Assert.IsNull(tower.IdEmbedding, "by default items are embedded from their features alone");
        var got = session.Run(Batch(tower.Features, null, ids, raws));
        Assert.IsLessThanOrEqualTo(1e-5f, OnnxExportTests.MaxAbsDiff(expected, got));
    }

    [TestMethod]
    public void QueryTower_EveryUserAndANewOne_MatchesTheManagedTower()
    {
        var (model, data, dir) = Exported.Value;
        var tower = model.UserTower!;
        Assert.IsNotEmpty(tower.Features.Categoricals, "the model was trained with user features");
        var raws = model.Users.RawIds.Select(id => data.Users!.TryGet(id, out var r) ? UserFeatureBuilder.Describe(r) : new RawFeatures()).ToList();
        raws.Add(UserFeatureBuilder.Describe(new UserRecord("new", 31, "F", "engineer", "94110")));
        var ids = Enumerable.Range(1, model.Users.Count).Select(i => (long)i).Append(0L).ToArray();
        var expected = model.UserVectors.ToArray().Concat(model.EmbedNewUser(raws[^1])).ToArray();
        using var session = OnnxTowerSession.Open(Path.Combine(dir, OnnxModelExporter.QueryTowerFile));
        var got = session.Run(Batch(tower.Features, "UserId", ids, raws));
        Assert.IsLessThanOrEqualTo(1e-5f, OnnxExportTests.MaxAbsDiff(expected, got));
    }

    [TestMethod]
    public void Manifest_DescribesEveryFeatureInput()
    {
        var (_, _, dir) = Exported.Value;
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, OnnxModelExporter.ManifestFile)));
        var root = json.RootElement;
        Assert.AreEqual("network", root.GetProperty("towers").GetString());
        var itemInputs = root.GetProperty("files")[1].GetProperty("inputs").EnumerateArray().Select(i => i.GetProperty("name").GetString()).ToArray();
        CollectionAssert.AreEqual(new[] { "genres", "title", "release_year" }, itemInputs);
        var genres = root.GetProperty("item_features")[0];
        Assert.AreEqual("bag", genres.GetProperty("kind").GetString());
        Assert.AreEqual(genres.GetProperty("vocabulary").GetArrayLength(), genres.GetProperty("padding").GetInt32());
        var userInputs = root.GetProperty("files")[0].GetProperty("inputs").EnumerateArray().Select(i => i.GetProperty("name").GetString()).ToArray();
        CollectionAssert.AreEqual(new[] { "UserId", "gender", "occupation", "zip_region", "age_bucket", "age" }, userInputs);
    }

    [TestMethod]
    public void Manifest_InputTypesAndShapes_AreWhatOnnxRuntimeReports()
    {
        var (_, _, dir) = Exported.Value;
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, OnnxModelExporter.ManifestFile)));
        var files = json.RootElement.GetProperty("files");
        foreach (var (index, file) in new[] { (0, OnnxModelExporter.QueryTowerFile), (1, OnnxModelExporter.ItemTowerFile) })
        {
            Assert.AreEqual(file, files[index].GetProperty("file").GetString());
            var manifest = files[index].GetProperty("inputs").EnumerateArray()
                .Select(i => (i.GetProperty("name").GetString(), i.GetProperty("type").GetString(), i.GetProperty("shape")[1].GetString())).ToArray();
            using var session = OnnxTowerSession.Open(Path.Combine(dir, file));
            var runtime = session.Inputs.Select(i => ((string?)i.Name, (string?)(i.IsInt64 ? "int64" : "float"), (string?)(i.Width >= 0 ? i.Width.ToString(System.Globalization.CultureInfo.InvariantCulture) : "L"))).ToArray();
            CollectionAssert.AreEqual(runtime, manifest, file);
        }
    }

    [TestMethod]
    public void NetworkTowers_PassOnnxChecker()
    {
        OnnxChecker.Require();
        var (_, _, dir) = Exported.Value;
        OnnxChecker.AssertValid([Path.Combine(dir, OnnxModelExporter.QueryTowerFile), Path.Combine(dir, OnnxModelExporter.ItemTowerFile)]);
    }

    // Encodes raw features the way metadata.json tells an outside caller to: codes, padded token ids, raw numerics.
    private static OnnxTowerBatch Batch(FeatureSchema schema, string? idName, long[] ids, IReadOnlyList<RawFeatures> raws)
    {
        var n = ids.Length;
        var batch = new OnnxTowerBatch(n);
        if (idName is not null) batch.SetInt64(idName, ids);
        var encoded = raws.Select(schema.Encode).ToArray();
        for (var c = 0; c < schema.Categoricals.Count; c++)
            batch.SetInt64(schema.Categoricals[c].Name, encoded.Select(e => (long)e.Categorical[c]).ToArray());
        for (var b = 0; b < schema.Bags.Count; b++)
        {
            var width = Math.Max(1, encoded.Max(e => e.Bags[b].Length));
            var pad = schema.Bags[b].Vocabulary.Count;
            var values = new long[n * width];
            Array.Fill(values, pad);
            for (var r = 0; r < n; r++)
                for (var j = 0; j < encoded[r].Bags[b].Length; j++) values[r * width + j] = encoded[r].Bags[b][j];
            batch.SetInt64(schema.Bags[b].Name, values, width);
        }
        foreach (var x in schema.Numerics)
            batch.SetFloat(x.Name, raws.Select(r => (float)(r.Numeric.TryGetValue(x.Name, out var v) ? v : x.Mean)).ToArray(), 1);
        return batch;
    }
}
