using System.Text.Json;
using Microsoft.ML;
using Microsoft.ML.OnnxRuntime;
using TwoTower.MLNet.Onnx.Execution;

namespace TwoTower.MLNet.Tests.Catalog;

/// <summary>
/// ONNX export of a fitted model: towers equal the managed forward pass (max |Δ| ≤ 1e-5), ONNX's own checker accepts
/// the files, the recommend graph equals the pipeline, and Auto execution falls back to CPU with one log line.
/// </summary>
[TestClass]
public sealed class OnnxExportTests
{
    private static (MLContext Ml, FittedRecommender Fitted, ITransformer Model) FitTwoTower()
    {
        var ml = TestMLContext.Create(seed: 1);
        var train = CatalogFixture.Load(ml, CatalogFixture.TrainPath);
        var options = new TwoTowerOptions { Epochs = 1, EmbeddingDimension = 16, Threads = 1 };
        options.Engine.HiddenLayers = [32];
        options.Engine.ComputeQualityReport = false;
        var model = ml.TwoTower().Trainers.TwoTower(options).Append(ml.TwoTower().Transforms.Recommend(k: 10, excludeSeen: true)).Fit(train);
        return (ml, ml.TwoTower().FindModel(model)!, model);
    }

    [TestMethod]
    public void Export_TwoTower_TowersMatchManagedVectorsAndRecommendGraphMatchesPipeline()
    {
        var (ml, fitted, model) = FitTwoTower();
        var dir = Directory.CreateTempSubdirectory("catalog-export-");
        try
        {
            var manifest = OnnxModelExporter.Export(fitted.Model, dir.FullName, fitted.Training.ToUserItemMatrix(), k: 10);
            var m = fitted.Model;
            Assert.AreEqual("l2", manifest.Normalization);
            Assert.AreEqual(16, manifest.Dimension);

            // The query tower is the trained network: every user, plus the unknown index 0 (zero id embedding, no features).
            Assert.AreEqual("network", manifest.Towers);
            var tt = (global::TwoTower.MLNet.TwoTowerModel.TwoTowerRecommender)m;
            using (var tower = OnnxTowerSession.Open(Path.Combine(dir.FullName, OnnxModelExporter.QueryTowerFile)))
            {
                var n = m.Users.Count;
                var input = Enumerable.Range(0, n + 1).Select(i => (long)i).ToArray();
                var got = tower.Run(new OnnxTowerBatch(n + 1).SetInt64("UserId", input));
                var expected = new float[(n + 1) * m.Dimension];
                tt.UserTower!.Embed(-1, global::TwoTower.MLNet.Features.FeatureSchema.Row(global::TwoTower.MLNet.Features.FeatureTable.Empty(1), 0), expected.AsSpan(0, m.Dimension));
                m.EmbedUsers(Enumerable.Range(0, n).ToArray(), expected.AsSpan(m.Dimension));
                Assert.IsLessThanOrEqualTo(1e-5f, MaxAbsDiff(expected, got));
            }
            using (var tower = OnnxTowerSession.Open(Path.Combine(dir.FullName, OnnxModelExporter.ItemTowerFile)))
            {
                var n = m.Items.Count;
                var got = tower.Run(new OnnxTowerBatch(n).SetInt64("ItemId", Enumerable.Range(1, n).Select(i => (long)i).ToArray()));
                Assert.IsLessThanOrEqualTo(1e-5f, MaxAbsDiff(m.ItemVectors.ToArray(), got));
            }

            // recommend.onnx run by ONNX Runtime directly gives what the ML.NET pipeline gives.
            using var session = new InferenceSession(Path.Combine(dir.FullName, OnnxModelExporter.RecommendFile));
            using var engine = ml.Model.CreatePredictionEngine<UserRequest, Recommendations>(model);
            foreach (var user in new[] { "1", "500", "unknown" })
            {
                using var ids = OrtValue.CreateFromStringTensor(new Microsoft.ML.OnnxRuntime.Tensors.DenseTensor<string>(new[] { user }, [1, 1]));
                using var outputs = session.Run(new RunOptions(), ["UserId"], [ids], session.OutputNames);
                var onnxIds = outputs[session.OutputNames.ToList().IndexOf("ItemIds")].GetStringTensorAsArray();
                CollectionAssert.AreEqual(engine.Predict(new UserRequest { UserId = user }).ItemIds, onnxIds, $"user {user}");
            }

            using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir.FullName, OnnxModelExporter.ManifestFile)));
            Assert.AreEqual(m.Users.Count, json.RootElement.GetProperty("user_ids").GetArrayLength());
            Assert.AreEqual("recommend_exclude_seen", json.RootElement.GetProperty("files")[2].GetProperty("kind").GetString());
            Assert.AreEqual("UserId", json.RootElement.GetProperty("files")[0].GetProperty("inputs")[0].GetProperty("name").GetString());
        }
        finally { dir.Delete(recursive: true); }
    }

    [TestMethod]
    public void Export_Files_PassOnnxChecker()
    {
        OnnxChecker.Require();
        var (_, fitted, _) = FitTwoTower();
        var dir = Directory.CreateTempSubdirectory("catalog-checker-");
        try
        {
            OnnxModelExporter.Export(fitted.Model, dir.FullName, fitted.Training.ToUserItemMatrix(), k: 10);
            var files = new[] { OnnxModelExporter.QueryTowerFile, OnnxModelExporter.ItemTowerFile, OnnxModelExporter.RecommendFile }.Select(f => Path.Combine(dir.FullName, f)).ToArray();
            OnnxChecker.AssertValid(files, defaultDomainOnly: false);
        }
        finally { dir.Delete(recursive: true); }
    }

    [TestMethod]
    public void Export_KOutOfRange_Throws()
    {
        var (_, fitted, _) = FitTwoTower();
        var ex = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => OnnxModelExporter.Export(fitted.Model, Path.GetTempPath(), k: 0));
        StringAssert.Contains(ex.Message, $"k must be in 1..{fitted.Model.Items.Count}");
    }

    [TestMethod]
    public void Recommend_AutoExecutionWithoutCuda_FallsBackToCpuWithOneLogLine()
    {
        if (OnnxSessionFactory.IsCudaAvailable) Assert.Inconclusive("A CUDA provider is present: Auto resolves to GPU here, the fallback path is not reachable.");
        var ml = TestMLContext.Create(seed: 1);
        var train = CatalogFixture.Load(ml, CatalogFixture.TrainPath);
        var lines = new List<string>();
        var model = ml.TwoTower().Trainers.MatrixFactorization(CatalogFixture.Mf())
            .Append(ml.TwoTower().Transforms.Recommend(new RecommendOptions { K = 5, Execution = OnnxExecution.Auto, Log = lines.Add })).Fit(train);
        Assert.HasCount(1, lines);
        StringAssert.Contains(lines[0], "no CUDA execution provider");
        StringAssert.Contains(lines[0], "using CPU");
        var cpu = ml.TwoTower().Trainers.MatrixFactorization(CatalogFixture.Mf()).Append(ml.TwoTower().Transforms.Recommend(k: 5)).Fit(train);
        using var a = ml.Model.CreatePredictionEngine<UserRequest, Recommendations>(model);
        using var b = ml.Model.CreatePredictionEngine<UserRequest, Recommendations>(cpu);
        CollectionAssert.AreEqual(b.Predict(new UserRequest { UserId = "3" }).ItemIds, a.Predict(new UserRequest { UserId = "3" }).ItemIds);
    }

    [TestMethod]
    public void Recommend_GpuExecutionWithoutCuda_ThrowsNamingTheBuildSwitch()
    {
        if (OnnxSessionFactory.IsCudaAvailable) Assert.Inconclusive("A CUDA provider is present.");
        var ml = TestMLContext.Create(seed: 1);
        var train = CatalogFixture.Load(ml, CatalogFixture.TrainPath);
        var pipeline = ml.TwoTower().Trainers.MatrixFactorization(CatalogFixture.Mf())
            .Append(ml.TwoTower().Transforms.Recommend(new RecommendOptions { K = 5, Execution = OnnxExecution.Gpu }));
        var ex = Assert.ThrowsExactly<InvalidOperationException>(() => pipeline.Fit(train));
        StringAssert.Contains(ex.Message, "-p:OnnxRuntimeGpu=true");
    }

    internal static float MaxAbsDiff(float[] a, float[] b)
    {
        Assert.HasCount(a.Length, b);
        var max = 0f;
        for (var i = 0; i < a.Length; i++) max = Math.Max(max, Math.Abs(a[i] - b[i]));
        return max;
    }
}
