using System.Collections.Concurrent;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace TwoTower.MLNet.Tests.Catalog;

/// <summary>
/// The ML.NET sample of README.md ("Inside ML.NET") is this method's body: one test runs it, one
/// keeps the text identical.
/// </summary>
[TestClass]
public sealed class ReadmeCatalogSampleTests
{
    public sealed class Interaction
    {
        [LoadColumn(0)] public string UserId { get; set; } = "";
        [LoadColumn(1)] public string ItemId { get; set; } = "";
        [LoadColumn(2)] public float Rating { get; set; }
        [LoadColumn(3)] public long Timestamp { get; set; }
    }

    private static (double Ndcg, string[] Items, int Pooled) Sample(string trainCsv, string testCsv, string modelPath, string onnxDir)
    {
        // README-SAMPLE-BEGIN catalog
        var ml = new MLContext(seed: 1);
        var train = ml.Data.LoadFromTextFile<Interaction>(trainCsv, separatorChar: ',', hasHeader: true);
        var test = ml.Data.LoadFromTextFile<Interaction>(testCsv, separatorChar: ',', hasHeader: true);

        var pipeline = ml.TwoTower().Trainers.TwoTower(new TwoTowerOptions { TimestampColumn = "Timestamp" }) // UserId/ItemId by default; time for recency
            .Append(ml.TwoTower().Transforms.Recommend(k: 10, excludeSeen: true));           // adds ItemIds (string[10]) and Scores
        var model = pipeline.Fit(train);

        var metrics = ml.TwoTower().Evaluate(model, test);                                   // HR@K, NDCG@K, MRR, ... (DESIGN §6)
        Console.WriteLine($"NDCG@10 {metrics["NDCG@10"]:0.0000} ± {metrics.StandardErrors["NDCG@10"]:0.0000}");

        ml.Model.Save(model, train.Schema, modelPath);                                        // a plain ML.NET zip (ONNX graphs inside)
        var loaded = ml.Model.Load(modelPath, out _);
        var engine = ml.Model.CreatePredictionEngine<UserRequest, Recommendations>(loaded);
        var recs = engine.Predict(new UserRequest { UserId = "1" });
        Console.WriteLine(string.Join(" ", recs.ItemIds));

        // A PredictionEngine is not thread-safe: take one per thread from a pool (never dispose one that is
        // still pooled: an engine owns the model's ONNX sessions).
        var pool = new ConcurrentBag<PredictionEngine<UserRequest, Recommendations>>();
        Recommendations Recommend(string user)
        {
            if (!pool.TryTake(out var e)) e = ml.Model.CreatePredictionEngine<UserRequest, Recommendations>(loaded);
            try { return e.Predict(new UserRequest { UserId = user }); }
            finally { pool.Add(e); }
        }
        Parallel.For(1, 201, u => Recommend(u.ToString()));

        // The towers and the recommend graph as ONNX files with metadata.json, for serving outside .NET.
        OnnxModelExporter.Export(ml.TwoTower().FindModel(model)!.Model, onnxDir);
        // Dispose models when done: it closes their ONNX sessions and deletes the graph copies ML.NET keeps in ml.TempFilePath.
        ((IDisposable)model).Dispose();
        ((IDisposable)loaded).Dispose();
        // README-SAMPLE-END catalog
        return (metrics["NDCG@10"], recs.ItemIds, pool.Count);
    }

    [TestMethod]
    public void CatalogSample_Runs_BeatsPopularityAndExportsFiles()
    {
        var dir = Directory.CreateTempSubdirectory("catalog-readme-");
        try
        {
            var (ndcg, items, pooled) = Sample(CatalogFixture.TrainPath, CatalogFixture.TestPath, Path.Combine(dir.FullName, "model.zip"), Path.Combine(dir.FullName, "onnx"));
            Assert.IsGreaterThan(0.026, ndcg); // popularity's NDCG@10 on p2
            Assert.HasCount(10, items);
            Assert.IsGreaterThanOrEqualTo(1, pooled);
            Assert.IsTrue(File.Exists(Path.Combine(dir.FullName, "onnx", "metadata.json")));
        }
        finally { dir.Delete(recursive: true); }
    }

    [TestMethod]
    public void CatalogSample_IsTheSampleInTheReadmeSection() => ReadmeSample.AssertInReadme(Path.Combine("tests", "TwoTower.MLNet.Tests", "Catalog", "ReadmeCatalogSampleTests.cs"), "catalog", minimumLength: 200);
}
