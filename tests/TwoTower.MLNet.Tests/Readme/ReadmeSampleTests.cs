using TwoTower.MLNet.Data;
using TwoTower.MLNet.Evaluation;
using TwoTower.MLNet.Models.Baselines;
using TwoTower.MLNet.Retrieval;
using TwoTower.MLNet.Splits;
using TwoTower.MLNet.Training;

namespace TwoTower.MLNet.Tests.Readme;

/// <summary>The C# sample in README.md is this method's body: one test keeps them identical, one runs it.</summary>
[TestClass]
public sealed class ReadmeSampleTests
{
    private static (double Ndcg, IReadOnlyList<Recommendation> Recs) CoreSample()
    {
        // README-SAMPLE-BEGIN core
        var dir = new MovieLensLocator().Locate();                    // $TWOTOWER_DATA, ../shared, cache, or download
        var data = MovieLens100K.Load(dir);                           // ratings + titles/genres + user features
        var split = LeaveLastOutSplit.Split(data.Interactions);       // per user: last → test, second-last → valid
        var train = InteractionLog.Concat("train+valid", split.Train, split.Valid);
        var training = TrainingData.Create(train, items: data.Items, users: data.Users);
        var model = new ItemItemTrainer().Fit(training);

        var set = EvaluationSet.Create(model, train, split.Test);
        var metrics = RetrievalEvaluator.EvaluateFullRanking(model, set.History, set.Test, ks: new[] { 10, 100 });
        Console.WriteLine($"NDCG@10 {metrics["NDCG@10"]:0.0000} ± {metrics.StandardErrors["NDCG@10"]:0.0000}  Recall@100 {metrics["Recall@100"]:0.0000}");

        var recommender = new ExactRecommender(model, seen: training.Train.ToUserItemMatrix());
        var recs = recommender.Recommend("1", k: 5, excludeSeen: true);
        foreach (var r in recs) Console.WriteLine($"{r.ItemId} {data.Items!.TitleOf(r.ItemId)} {r.Score:0.000}");
        // README-SAMPLE-END core
        return (metrics["NDCG@10"], recs);
    }

    [TestMethod]
    public void CoreSample_Runs_AndBeatsPopularity()
    {
        // The sample's locator reads $TWOTOWER_DATA first: point it at the shared copy wherever the build output lives.
        Environment.SetEnvironmentVariable("TWOTOWER_DATA", Path.Combine(TestPaths.Shared, "datasets"));
        var (ndcg, recs) = CoreSample();
        Assert.IsGreaterThan(0.0257, ndcg);
        Assert.HasCount(5, recs);
    }

    [TestMethod]
    public void CoreSample_IsTheSampleInTheReadme() => ReadmeSample.AssertInReadme(Path.Combine("tests", "TwoTower.MLNet.Tests", "Readme", "ReadmeSampleTests.cs"), "core");
}
