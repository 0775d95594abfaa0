using TwoTower.MLNet.Evaluation;
using TwoTower.MLNet.MatrixFactorization;
using TwoTower.MLNet.Models;
using TwoTower.MLNet.Training;
using TwoTower.MLNet.Tests.TwoTowerModel;

namespace TwoTower.MLNet.Tests.Training;

[TestClass]
public sealed class GridSearchTests
{
    [TestMethod]
    public void Expand_CartesianProduct_LastAxisFastest()
    {
        var settings = GridSearch.Expand(["Alpha=1,5", "Regularization=0.1,1,10"]);
        Assert.HasCount(6, settings);
        CollectionAssert.AreEqual(new[] { "Alpha=1", "Regularization=0.1" }, settings[0].ToArray());
        CollectionAssert.AreEqual(new[] { "Alpha=1", "Regularization=1" }, settings[1].ToArray());
        CollectionAssert.AreEqual(new[] { "Alpha=5", "Regularization=10" }, settings[5].ToArray());
    }

    [TestMethod]
    public void Expand_BracketedListsAndRepeatedValues()
    {
        var settings = GridSearch.Expand(["HiddenLayers=[256,128], [128] ,[],[128]"]);
        CollectionAssert.AreEqual(new[] { "HiddenLayers=256,128", "HiddenLayers=128", "HiddenLayers=" }, settings.Select(s => s.Single()).ToArray());
    }

    [TestMethod]
    [DataRow("Alpha", "is not Name=v1,v2")]
    [DataRow("=1,2", "is not Name=v1,v2")]
    [DataRow("Alpha=", "is not Name=v1,v2")]
    [DataRow("Alpha=1,,2", "has an empty value")]
    public void Expand_MalformedAxis_SaysWhat(string axis, string expected)
    {
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => GridSearch.Expand([axis])).Message, expected);
    }

    [TestMethod]
    public void Expand_SameAxisTwiceOrTooManySettingsOrNone_Throws()
    {
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => GridSearch.Expand(["Alpha=1", "alpha=2"])).Message, "given twice");
        var values = string.Join(',', Enumerable.Range(1, 17));
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => GridSearch.Expand([$"A={values}", $"B={values}"])).Message, "289 settings");
        Assert.ThrowsExactly<ArgumentException>(() => GridSearch.Expand([]));
    }

    [TestMethod]
    public void Sample_DistinctSettingsOfTheGridInGridOrder_SameSeedSameDraw()
    {
        string[] axes = ["Alpha=1,5,20,50,100", "Regularization=0.1,1,10,30,100", "Factors=16,32,64,128"];
        var grid = GridSearch.Expand(axes).Select(s => string.Join(' ', s)).ToList();
        var drawn = GridSearch.Sample(axes, 10, seed: 7).Select(s => string.Join(' ', s)).ToList();
        Assert.HasCount(10, drawn);
        Assert.HasCount(10, drawn.Distinct());
        var positions = drawn.Select(d => grid.IndexOf(d)).ToList();
        Assert.IsTrue(positions.All(p => p >= 0), "every drawn setting is a setting of the grid");
        CollectionAssert.AreEqual(positions.Order().ToList(), positions, "listed in grid order");
        CollectionAssert.AreEqual(drawn, GridSearch.Sample(axes, 10, seed: 7).Select(s => string.Join(' ', s)).ToList());
        CollectionAssert.AreNotEqual(drawn, GridSearch.Sample(axes, 10, seed: 8).Select(s => string.Join(' ', s)).ToList());
    }

    [TestMethod]
    public void Sample_EveryAxisValueIsDrawnAboutEquallyOften()
    {
        // Uniform over the grid: over 2,000 draws of 4 settings from 5 x 5 x 4, each Alpha value appears about 1/5 of the time.
        string[] axes = ["Alpha=1,5,20,50,100", "Regularization=0.1,1,10,30,100", "Factors=16,32,64,128"];
        var counts = new Dictionary<string, int>();
        for (var seed = 0; seed < 2000; seed++)
            foreach (var s in GridSearch.Sample(axes, 4, seed)) counts[s[0]] = counts.GetValueOrDefault(s[0]) + 1;
        Assert.HasCount(5, counts);
        foreach (var (value, n) in counts) Assert.IsTrue(n is > 1400 and < 1800, $"{value} drawn {n} times of 8,000; expected about 1,600.");
    }

    [TestMethod]
    public void Sample_GridNoLargerThanCount_IsTheWholeGrid_AndAHugeGridIsSampledWithoutExpanding()
    {
        CollectionAssert.AreEqual(GridSearch.Expand(["A=1,2", "B=x,y"]).Select(s => string.Join(' ', s)).ToList(),
            GridSearch.Sample(["A=1,2", "B=x,y"], 4, seed: 1).Select(s => string.Join(' ', s)).ToList());
        // 17^10 ≈ 2e12 settings: Expand refuses it, Sample draws from it.
        var values = string.Join(',', Enumerable.Range(1, 17));
        var axes = Enumerable.Range(0, 10).Select(a => $"P{a}={values}").ToArray();
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => GridSearch.Expand(axes)).Message, "random sample");
        var drawn = GridSearch.Sample(axes, 5, seed: 3);
        Assert.HasCount(5, drawn);
        Assert.IsTrue(drawn.All(s => s.Count == 10 && s[9].StartsWith("P9=", StringComparison.Ordinal)));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => GridSearch.Sample(["A=1"], 0, 1));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => GridSearch.Sample(["A=1"], GridSearch.MaxSettings + 1, 1));
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => GridSearch.Sample(["A=1,,2"], 2, 1)).Message, "empty value");
    }

    [TestMethod]
    public void Run_WithTrials_FitsOnlyTheSampledSettings()
    {
        var data = TrainingData.Create(TwoTowerTrainerTests.ClusteredLog(seed: 1), TwoTowerTrainerTests.ClusteredLog(perUser: 3, seed: 2));
        var fitted = new List<string>();
        IRecommenderTrainer Recording(IReadOnlyList<string> s) { fitted.Add(string.Join(' ', s)); return Ials(s); }
        string[] axes = ["Regularization=0.01,1,1000", "Factors=2,3,4"];
        var result = GridSearch.Run(data, axes, Recording, "NDCG@10", threads: 1, trials: 4, seed: 5);
        // Each sampled setting's trainer is made once to check its options before any fit, then once for its fit.
        var sampled = GridSearch.Sample(axes, 4, 5).Select(s => string.Join(' ', s)).ToList();
        CollectionAssert.AreEqual(sampled.Concat(sampled).ToList(), fitted);
        Assert.HasCount(4, result.Trials);
        Assert.AreEqual(result.Trials.Max(t => t.Score), result.Best.Score);
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => GridSearch.Run(data, axes, Recording, trials: -1));
    }

    [TestMethod]
    public void Run_Cancelled_StopsBeforeTheNextFitWithTheFinishedTrialsReported()
    {
        var data = TrainingData.Create(TwoTowerTrainerTests.ClusteredLog(seed: 1), TwoTowerTrainerTests.ClusteredLog(perUser: 3, seed: 2));
        using var cancellation = new CancellationTokenSource();
        var fits = 0;
        IRecommenderTrainer Counting(IReadOnlyList<string> s) { fits++; return Ials(s); }
        var reported = new List<GridSearchTrial>();
        Assert.ThrowsExactly<OperationCanceledException>(() => GridSearch.Run(data, ["Regularization=0.01,1,1000"], Counting, "NDCG@10", threads: 1,
            onTrial: (t, _, _) => { reported.Add(t); cancellation.Cancel(); }, cancellationToken: cancellation.Token));
        Assert.HasCount(1, reported);
        Assert.AreEqual(3 + 1, fits, "three trainers checked before the search, one fitted");
    }

    [TestMethod]
    public void Run_CancelledDuringAFit_EvaluationOfThatFitStopsAtOnce()
    {
        // Uncancelled, the fit's validation would score 625 blocks of 32 users at ≥ 10 ms each (≥ 3 s on two threads).
        var model = new Evaluation.SlowScoresModel(20_000, 5_000, TimeSpan.FromMilliseconds(10));
        var (history, validation) = model.Logs();
        var data = TrainingData.Create(history, validation);
        using var cancellation = new CancellationTokenSource();
        var reported = 0;
        var sw = System.Diagnostics.Stopwatch.StartNew();
        Assert.ThrowsExactly<OperationCanceledException>(() => GridSearch.Run(data, ["Seed=1"], _ => new CancellingTrainer(cancellation, model), "NDCG@10",
            threads: 2, onTrial: (_, _, _) => reported++, cancellationToken: cancellation.Token));
        Assert.AreEqual(0, reported);
        Assert.IsLessThan(1.0, sw.Elapsed.TotalSeconds, $"{model.Calls} of 625 blocks scored");
    }

    /// <summary>Returns its model from a fit that the token is cancelled during (as a signal arriving at the fit's end).</summary>
    private sealed class CancellingTrainer(CancellationTokenSource cancellation, IRecommender model) : IRecommenderTrainer
    {
        public string ModelType => model.ModelType;

        public IRecommender Fit(TrainingData data, IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
        {
            cancellation.Cancel();
            return model;
        }
    }

    [TestMethod]
    public void Run_KeepsTheBestTrialAndItsModel()
    {
        var data = TrainingData.Create(TwoTowerTrainerTests.ClusteredLog(seed: 1), TwoTowerTrainerTests.ClusteredLog(perUser: 3, seed: 2));
        var result = GridSearch.Run(data, ["Regularization=0.01,1,1000", "Factors=2,4"], Ials, "NDCG@10", threads: 1);
        Assert.HasCount(6, result.Trials);
        Assert.AreEqual(result.Trials.Max(t => t.Score), result.Best.Score);
        Assert.AreSame(result.Trials.First(t => t.Score == result.Best.Score), result.Best, "the first of equal scores wins");
        Assert.IsGreaterThan(result.Trials.Min(t => t.Score), result.Best.Score, "the grid spans good and bad settings");
        // The kept model is the best setting's: evaluating it again gives its score, and a fresh fit of that setting the same.
        Assert.AreEqual(result.Best.Score, Ndcg10(result.BestModel, data), 1e-12);
        Assert.AreEqual(result.Best.Score, Ndcg10(Ials(result.Best.Assignments).Fit(data), data), 1e-12);
        Assert.IsTrue(result.Trials.All(t => t.Metrics.ContainsKey("HR@10") && t.FitSeconds >= 0));
    }

    [TestMethod]
    public void Run_ASettingThatDiverges_IsAFailedTrialAndTheSearchGoesOn()
    {
        // A diverging learning rate threw out of the search and lost every finished trial.
        var data = TrainingData.Create(TwoTowerTrainerTests.ClusteredLog(seed: 1), TwoTowerTrainerTests.ClusteredLog(perUser: 3, seed: 2), TwoTowerTrainerTests.Genres());
        var reported = new List<GridSearchTrial>();
        var result = GridSearch.Run(data, ["LearningRate=0.01,1000000,0.003"], TwoTower, "NDCG@10", threads: 1, onTrial: (t, _, _) => reported.Add(t));
        Assert.HasCount(3, result.Trials);
        CollectionAssert.AreEqual(result.Trials.ToArray(), reported.ToArray());
        var failed = result.Trials[1];
        StringAssert.Contains(failed.Failure!, "Training diverged at epoch");
        Assert.IsTrue(double.IsNaN(failed.Score));
        Assert.IsEmpty(failed.Metrics);
        Assert.IsNull(result.CompareWithBest(failed));
        Assert.IsNull(result.Trials[0].Failure);
        Assert.IsNull(result.Trials[2].Failure);
        Assert.AreEqual(Math.Max(result.Trials[0].Score, result.Trials[2].Score), result.Best.Score);
        Assert.IsNotNull(result.BestModel);

        var none = Assert.ThrowsExactly<TrainingFailedException>(() => GridSearch.Run(data, ["LearningRate=1000000,2000000"], TwoTower, "NDCG@10", threads: 1, seeds: 2));
        StringAssert.Contains(none.Message, "Every setting of the search failed; the first: LearningRate=1000000: Seed=0: Training diverged");
    }

    [TestMethod]
    public void Run_EachTrialHasItsStandardErrorAndAPairedComparisonWithTheBest()
    {
        var data = TrainingData.Create(TwoTowerTrainerTests.ClusteredLog(seed: 1), TwoTowerTrainerTests.ClusteredLog(perUser: 3, seed: 2));
        var result = GridSearch.Run(data, ["Regularization=0.01,1,1000"], Ials, "NDCG@10", threads: 1);
        foreach (var t in result.Trials)
        {
            Assert.AreEqual(t.Evaluation!.StandardErrors["NDCG@10"], t.ScoreStandardError);
            Assert.IsGreaterThan(0.0, t.ScoreStandardError);
            CollectionAssert.AreEqual(new[] { "NDCG@10" }, t.Evaluation.PerUser!.MetricNames.ToArray(), "a trial keeps the searched metric's per-user values only");
            var c = result.CompareWithBest(t);
            if (ReferenceEquals(t, result.Best)) { Assert.IsNull(c); continue; }
            Assert.AreEqual(t.Score - result.Best.Score, c!.Difference, 1e-12);
            Assert.AreEqual(EvaluationComparison.Compare(t.Evaluation, result.Best.Evaluation!, "NDCG@10"), c);
        }
        var worst = result.Trials.MinBy(t => t.Score)!;
        Assert.IsLessThan(0.05, result.CompareWithBest(worst)!.PValue, "λ 1000 leaves little but popularity: clearly worse");

        // A catalogue metric has no per-user values: no standard error, no paired comparison.
        var coverage = GridSearch.Run(data, ["Factors=2,3"], Ials, "Coverage@10", threads: 1);
        Assert.IsTrue(coverage.Trials.All(t => double.IsNaN(t.ScoreStandardError) && coverage.CompareWithBest(t) is null));
    }

    [TestMethod]
    public void Run_Seeds_ScoresEachSettingByTheMeanOverSeededFits()
    {
        var data = TrainingData.Create(TwoTowerTrainerTests.ClusteredLog(seed: 1), TwoTowerTrainerTests.ClusteredLog(perUser: 3, seed: 2));
        var result = GridSearch.Run(data, ["Regularization=0.01,1000", "Factors=4"], Ials, "NDCG@10", threads: 1, seed: 5, seeds: 3);
        foreach (var t in result.Trials)
        {
            Assert.HasCount(3, t.SeedScores);
            // Fit k is the setting with Seed = 5 + k; the trial's score is their mean, and so is its users' mean value.
            for (var k = 0; k < 3; k++)
                Assert.AreEqual(Ndcg10(Ials([.. t.Assignments, $"Seed={5 + k}"]).Fit(data), data), t.SeedScores[k], 1e-12);
            Assert.AreEqual(t.SeedScores.Average(), t.Score, 1e-12);
            Assert.AreEqual(t.Score, t.Evaluation!.PerUser!["NDCG@10"].Average(), 1e-12);
        }
        Assert.AreNotEqual(result.Trials[0].SeedScores[0], result.Trials[0].SeedScores[1], "the seeds are different fits");
        // The kept model is the best setting's first fit (Seed = 5).
        Assert.AreEqual(result.Best.SeedScores[0], Ndcg10(result.BestModel, data), 1e-12);
        Assert.IsNotNull(result.CompareWithBest(result.Trials.First(t => t != result.Best)));

        var single = GridSearch.Run(data, ["Factors=4"], Ials, "NDCG@10", threads: 1);
        CollectionAssert.AreEqual(new[] { single.Best.Score }, single.Best.SeedScores.ToArray());
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => GridSearch.Run(data, ["Seed=1,2"], Ials, seeds: 2)).Message, "Seed axis");
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => GridSearch.Run(data, ["Factors=4"], Ials, seeds: 0));
        // The check Run makes, also callable before any fit (as `tune` does).
        GridSearch.CheckSeeds(GridSearch.Expand(["Seed=1,2"]), 1);
        GridSearch.CheckSeeds(GridSearch.Expand(["Factors=2,4"]), 3);
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => GridSearch.CheckSeeds(GridSearch.Expand(["Factors=2", "seed=1"]), 2)).Message, "already has a Seed axis");
    }

    [TestMethod]
    public void Run_ReportsEachTrial()
    {
        var data = TrainingData.Create(TwoTowerTrainerTests.ClusteredLog(seed: 1), TwoTowerTrainerTests.ClusteredLog(perUser: 3, seed: 2));
        var seen = new List<(string, int, int)>();
        GridSearch.Run(data, ["Factors=2,3"], Ials, "top_10", onTrial: (t, done, total) => seen.Add((t.Assignments[0], done, total)));
        CollectionAssert.AreEqual(new[] { ("Factors=2", 1, 2), ("Factors=3", 2, 2) }, seen);
    }

    [TestMethod]
    public void Run_NoValidationOrUnknownMetric_ThrowsBeforeFitting()
    {
        var fits = 0;
        IRecommenderTrainer Counting(IReadOnlyList<string> s) { fits++; return Ials(s); }
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() =>
            GridSearch.Run(TrainingData.Create(TwoTowerTrainerTests.ClusteredLog()), ["Factors=2"], Counting)).Message, "needs validation interactions");
        var data = TrainingData.Create(TwoTowerTrainerTests.ClusteredLog(seed: 1), TwoTowerTrainerTests.ClusteredLog(perUser: 3, seed: 2));
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => GridSearch.Run(data, ["Factors=2"], Counting, "NDGC@10")).Message, "'NDGC' is not a full-ranking metric");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => GridSearch.CheckMetric("Precision")).Message, "is unknown");
        GridSearch.CheckMetric("f_top_100");
        GridSearch.CheckMetric("MRR");
        Assert.AreEqual(0, fits);
    }

    [TestMethod]
    public void Run_KNotWrittenPlainly_ThrowsBeforeFitting()
    {
        // The evaluator names NDCG@10 and top_5 so; "NDCG@010" once parsed as K = 10 and failed only after the first fit.
        var fits = 0;
        IRecommenderTrainer Counting(IReadOnlyList<string> s) { fits++; return Ials(s); }
        var data = TrainingData.Create(TwoTowerTrainerTests.ClusteredLog(seed: 1), TwoTowerTrainerTests.ClusteredLog(perUser: 3, seed: 2));
        foreach (var name in new[] { "NDCG@010", "HR@ 10", "top_+5", "f_top_05" })
            StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => GridSearch.Run(data, ["Factors=2"], Counting, name), name).Message, "written plainly");
        Assert.AreEqual(0, fits);
    }

    [TestMethod]
    public void Run_TfrsNameWithMoreThanTopAndK_ThrowsBeforeFitting()
    {
        // "top__10" and "top_x_10" once parsed as K = 10 (the digits after the last '_') and failed only after the first fit.
        var fits = 0;
        IRecommenderTrainer Counting(IReadOnlyList<string> s) { fits++; return Ials(s); }
        var data = TrainingData.Create(TwoTowerTrainerTests.ClusteredLog(seed: 1), TwoTowerTrainerTests.ClusteredLog(perUser: 3, seed: 2));
        foreach (var name in new[] { "top__10", "top_x_10", "f_top__5", "f_top_top_5" })
            StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => GridSearch.Run(data, ["Factors=2"], Counting, name), name).Message, "expected top_K or f_top_K");
        Assert.AreEqual(0, fits);
    }

    [TestMethod]
    public void Run_BadValueInTheLastSetting_ThrowsBeforeTheFirstFit()
    {
        var data = TrainingData.Create(TwoTowerTrainerTests.ClusteredLog(seed: 1), TwoTowerTrainerTests.ClusteredLog(perUser: 3, seed: 2));
        var reported = 0;
        var ex = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => GridSearch.Run(data, ["Factors=4,0"], Ials, onTrial: (_, _, _) => reported++));
        StringAssert.Contains(ex.Message, "Factors");
        Assert.AreEqual(0, reported, "no trial was fitted and then lost");
    }

    [TestMethod]
    public void CheckMetric_AcceptsEveryMetricTheProtocolsReport()
    {
        // The metric names are checked before any fit against a list of their own: it must follow the evaluators.
        var data = TrainingData.Create(TwoTowerTrainerTests.ClusteredLog(seed: 1), TwoTowerTrainerTests.ClusteredLog(perUser: 3, seed: 2));
        var model = Ials(["Factors=2"]).Fit(data);
        var full = RetrievalEvaluator.EvaluateFullRanking(model, data.Train, data.Validation!, [5, 10], threads: 1).Metrics.Keys;
        var tfrs = RetrievalEvaluator.EvaluateTfrs(model, data.Train, data.Validation!, [5], threads: 1).Metrics.Keys;
        // Every reported metric that grows with quality is searchable; the two that describe the lists are refused.
        var descriptive = full.Where(n => n.StartsWith("PopularityPercentile@", StringComparison.Ordinal) || n.StartsWith("Gini@", StringComparison.Ordinal)).ToArray();
        Assert.HasCount(4, descriptive);
        foreach (var name in full.Concat(tfrs).Except(descriptive)) GridSearch.CheckMetric(name);
        foreach (var name in descriptive)
            StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => GridSearch.CheckMetric(name)).Message, "describes the lists (lower is not worse), it is no score to maximise");
        Assert.IsGreaterThan(10, full.Count());
    }

    [TestMethod]
    public void Run_RmseOfExplicitMf_KeepsTheLowestErrorAndPairsTheUsers()
    {
        var data = TrainingData.Create(MLNet.Data.CsvInteractions.Load(TestPaths.Split("p2-tune", "train")), MLNet.Data.CsvInteractions.Load(TestPaths.Split("p2-tune", "valid")));
        var result = GridSearch.Run(data, ["Regularization=0.01,0.1,100"], Mf, "RMSE", threads: 1);
        Assert.IsTrue(result.LowerIsBetter);
        Assert.AreEqual(result.Trials.Min(t => t.Score), result.Best.Score);
        Assert.IsLessThan(result.Trials.Max(t => t.Score), result.Best.Score, "the grid spans good and bad settings");
        // The kept model's error is the rating protocol's RMSE of that model.
        var direct = RatingMetrics.Evaluate((MatrixFactorizationModel)result.BestModel, data.Validation!);
        Assert.AreEqual(direct.RootMeanSquaredError, result.Best.Score, 1e-9);
        Assert.AreEqual(direct.MeanAbsoluteError, result.Best.Metrics["MAE"], 1e-9);
        foreach (var t in result.Trials.Where(t => !ReferenceEquals(t, result.Best)))
        {
            var c = result.CompareWithBest(t)!;
            Assert.AreEqual(t.Score - result.Best.Score, c.Difference, 1e-12);
            Assert.IsTrue(c.StandardError > 0 && c.PValue is >= 0 and <= 1, $"{c.StandardError} {c.PValue}");
        }
        Assert.IsTrue(double.IsFinite(result.Best.ScoreStandardError) && result.Best.ScoreStandardError > 0);
        var ex = Assert.ThrowsExactly<ArgumentException>(() => GridSearch.Run(data, ["Factors=2"], Ials, "RMSE"));
        StringAssert.Contains(ex.Message, "ranks items without predicting ratings");
        GridSearch.CheckMetric("MAE");
    }

    [TestMethod]
    public void RatingEvaluation_HandComputed()
    {
        // Two users: u0 rates i0 4 and i1 2, u1 rates i0 5; the model predicts 3 everywhere (global mean, zero factors).
        var train = Tests.MatrixFactorization.MfTestData.Make(2, 2, [(0, 0, 4f), (0, 1, 2f), (1, 0, 5f)]);
        var model = new MatrixFactorizationModel(MatrixFactorizationModel.ExplicitModelType, train.Users, train.Items, new float[2], new float[2], 1,
            userBiases: new float[2], itemBiases: new float[2], globalMean: 3f);
        var r = RatingEvaluation.Evaluate(model, train);
        // Errors +1, −1 (u0) and +2 (u1): MSE (1 + 1 + 4) / 3 = 2, MAE 4 / 3.
        Assert.AreEqual(Math.Sqrt(2), r["RMSE"], 1e-6);
        Assert.AreEqual(4 / 3.0, r["MAE"], 1e-6);
        CollectionAssert.AreEqual(new[] { 1.0, 4.0 }, r.PerUser!["MSE"].ToArray());
    }

    private static IRecommenderTrainer Mf(IReadOnlyList<string> setting)
    {
        var o = new ExplicitMatrixFactorizationOptions { Factors = 8, Iterations = 5, Threads = 1, Seed = 3 };
        foreach (var a in setting) OptionAssignment.Apply(o, a);
        return new ExplicitMatrixFactorizationTrainer(o);
    }

    private static IRecommenderTrainer TwoTower(IReadOnlyList<string> setting)
    {
        var o = TwoTowerTrainerTests.Small(threads: 1);
        o.Epochs = 3;
        o.ValidationMetric = "NDCG@10";
        foreach (var a in setting) OptionAssignment.Apply(o, a);
        return new TwoTower.MLNet.TwoTowerModel.TwoTowerTrainer(o);
    }

    private static IRecommenderTrainer Ials(IReadOnlyList<string> setting)
    {
        var o = new ImplicitAlsOptions { Iterations = 5, Threads = 1, Seed = 3 };
        foreach (var a in setting) OptionAssignment.Apply(o, a);
        return new ImplicitAlsTrainer(o);
    }

    private static double Ndcg10(IRecommender model, TrainingData data) =>
        RetrievalEvaluator.EvaluateFullRanking(model, data.Train, data.Validation!, [10], threads: 1).Metrics["NDCG@10"];
}
