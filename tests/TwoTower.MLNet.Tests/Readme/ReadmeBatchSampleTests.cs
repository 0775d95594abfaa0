using TwoTower.MLNet.Batch;
using TwoTower.MLNet.Data;
using TwoTower.MLNet.Models.Baselines;
using TwoTower.MLNet.Persistence;
using TwoTower.MLNet.Training;

namespace TwoTower.MLNet.Tests.Readme;

/// <summary>The batch scoring sample in README.md is this method's body: one test keeps them identical, one runs it.</summary>
[TestClass]
public sealed class ReadmeBatchSampleTests
{
    private static async Task<BatchScoringSummary> ScoreShard(string modelPath, string outDir, int shard, int shardCount)
    {
        // README-SAMPLE-BEGIN batch
        var loaded = ModelFile.Load(modelPath);                       // validated completely before use
        var options = new BatchScoringOptions { K = 10, ExcludeSeen = true, Shard = shard, ShardCount = shardCount };
        var summary = await BatchScoringJob.RunShardAsync(loaded, users: null, outDir, options);   // null: every user the model knows
        var (recs, metadata) = await RecommendationParquet.ReadAsync(summary.Path);
        Console.WriteLine($"{summary.Path}: {summary.Users} users, {recs.Count} rows, model {metadata["twotower.model_type"]}");
        return summary;
        // README-SAMPLE-END batch
    }

    [TestMethod]
    public async Task BatchSample_ThreeShards_ScoreEveryUserOnce()
    {
        var train = CsvInteractions.Load(TestPaths.Split("p2", "train"));
        var data = TrainingData.Create(train);
        var modelPath = Path.Combine(TestPaths.TempDir(), "pop.zip");
        ModelFile.Save(modelPath, new PopularityTrainer().Fit(data), data.Train.ToUserItemMatrix());
        var outDir = Path.Combine(TestPaths.TempDir(), "scores");
        var users = 0;
        for (var s = 0; s < 3; s++) users += (await ScoreShard(modelPath, outDir, s, 3)).Users;
        Assert.AreEqual(943, users);
        Assert.HasCount(3, Directory.GetFiles(outDir, "part-*"));
    }

    [TestMethod]
    public void BatchSample_IsTheSampleInTheReadme() => ReadmeSample.AssertInReadme(Path.Combine("tests", "TwoTower.MLNet.Tests", "Readme", "ReadmeBatchSampleTests.cs"), "batch");
}
