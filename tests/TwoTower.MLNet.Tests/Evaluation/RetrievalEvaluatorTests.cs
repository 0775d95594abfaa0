using System.Diagnostics;
using TwoTower.MLNet.Data;
using TwoTower.MLNet.Evaluation;
using TwoTower.MLNet.Models.Baselines;
using TwoTower.MLNet.Training;

namespace TwoTower.MLNet.Tests.Evaluation;

[TestClass]
public sealed class RetrievalEvaluatorTests
{
    // Two users, four items. User a: train {i0}, test {i2}; user b: train {i1}, test {i3, i0}.
    private static (FixedScoresModel Model, EvaluationSet Set) Tiny()
    {
        var users = new IdMap("user", new[] { "a", "b" });
        var items = new IdMap("item", new[] { "i0", "i1", "i2", "i3" });
        var scores = new float[,] { { 9, 8, 7, 1 }, { 5, 9, 2, 5 } };
        var model = new FixedScoresModel(users, items, scores);
        var train = new InteractionLog();
        train.Add("a", "i0"); train.Add("b", "i1");
        var test = new InteractionLog();
        test.Add("a", "i2"); test.Add("b", "i3"); test.Add("b", "i0");
        return (model, EvaluationSet.Create(model, train, test));
    }

    [TestMethod]
    public void EvaluateFullRanking_TinyCase_MatchesHandComputedMetrics()
    {
        var (model, set) = Tiny();
        var r = RetrievalEvaluator.EvaluateFullRanking(model, set.History, set.Test, new[] { 1, 2 });
        // a: i0 excluded → scores i1 8, i2 7, i3 1: target i2 at rank 1.
        // b: i1 excluded → i0 5, i2 2, i3 5: targets i0 and i3 tie at the top; tied targets take positions 0 and 1.
        Assert.AreEqual((0 + 1) / 2.0, r["HR@1"], 1e-12);
        Assert.AreEqual((1 + 1) / 2.0, r["HR@2"], 1e-12);
        Assert.AreEqual((0 + 0.5) / 2, r["Recall@1"], 1e-12);
        Assert.AreEqual((1 + 1.0) / 2, r["Recall@2"], 1e-12);
        Assert.AreEqual((1 / Math.Log2(3) + 1.0) / 2, r["NDCG@2"], 1e-12);
        // b has two targets and K = 1: its ideal DCG counts min(K, 2) = 1 of them, so its top hit scores 1.
        Assert.AreEqual((0 + 1.0) / 2, r["NDCG@1"], 1e-12);
        Assert.AreEqual((0.5 + 1.0) / 2, r["MRR"], 1e-12);
        Assert.AreEqual(2, r.Users);
        // Top-1 lists: a → i1, b → i0 (tie with i3, lower key wins): 2 of 4 items.
        Assert.AreEqual(0.5, r["Coverage@1"], 1e-12);
    }

    [TestMethod]
    public void Evaluate_RawLogs_SameAsThroughAnEvaluationSet()
    {
        var (model, _) = Tiny();
        var train = new InteractionLog();
        train.Add("a", "i0"); train.Add("b", "i1");
        var test = new InteractionLog();
        test.Add("a", "i2"); test.Add("b", "i3"); test.Add("new-user", "i1"); test.Add("b", "new-item");
        var set = EvaluationSet.Create(model, train, test);
        var full = RetrievalEvaluator.EvaluateFullRanking(model, train, test, [1, 2]);
        CollectionAssert.AreEqual(RetrievalEvaluator.EvaluateFullRanking(model, set.History, set.Test, [1, 2]).OrderedMetrics.ToArray(), full.OrderedMetrics.ToArray());
        Assert.AreEqual((1, 1), (full.UnknownUserRows, full.UnknownItemRows));
        var tfrs = RetrievalEvaluator.EvaluateTfrs(model, train, test, [1, 2]);
        CollectionAssert.AreEqual(RetrievalEvaluator.EvaluateTfrs(model, set.History, set.Test, [1, 2]).OrderedMetrics.ToArray(), tfrs.OrderedMetrics.ToArray());
        Assert.ThrowsExactly<ArgumentException>(() => RetrievalEvaluator.EvaluateFullRanking(model, train, new InteractionLog("empty")));
    }

    [TestMethod]
    public void EvaluateTfrs_TinyCase_TrainItemsCountUnlessFiltered()
    {
        var (model, set) = Tiny();
        var r = RetrievalEvaluator.EvaluateTfrs(model, set.History, set.Test, new[] { 1, 2 });
        // Unfiltered ranks: a/i2 → 2 (i0 9, i1 8 above); b/i3 → 1 (i1 9); b/i0 → 1.
        Assert.AreEqual(0.0, r["top_1"], 1e-12);
        Assert.AreEqual(2 / 3.0, r["top_2"], 1e-12);
        // Filtered: a/i2 → 1; b/i3 → 0; b/i0 → 0.
        Assert.AreEqual(2 / 3.0, r["f_top_1"], 1e-12);
        Assert.AreEqual(1.0, r["f_top_2"], 1e-12);
    }

    [TestMethod]
    public void Evaluate_UnknownTestItem_CountsAsMissAndIsReported()
    {
        var (model, _) = Tiny();
        var train = new InteractionLog();
        train.Add("a", "i0");
        var test = new InteractionLog();
        test.Add("a", "new-item");
        var set = EvaluationSet.Create(model, train, test);
        var r = RetrievalEvaluator.EvaluateFullRanking(model, set.History, set.Test, new[] { 4 });
        Assert.AreEqual(0.0, r["HR@4"]);
        Assert.AreEqual(1, r.UnknownItemRows);
    }

    [TestMethod]
    public void Evaluate_TargetScoredMinusInfinityOrNaN_MissesEvenWithKPastTheCatalogue()
    {
        // Neither score is ever put in a top-K list (ScoreRanking.TopK skips both), so neither target can be a hit. A NaN
        // target once ranked at the catalogue size: a hit at K = 5 of 3 items, with a reciprocal rank of 1/4.
        var model = new FixedScoresModel(new IdMap("user", new[] { "a" }), new IdMap("item", new[] { "i0", "i1", "i2" }), new float[,] { { 1, float.NegativeInfinity, float.NaN } });
        foreach (var target in new[] { "i1", "i2" })
        {
            var test = new InteractionLog();
            test.Add("a", target);
            var set = EvaluationSet.Create(model, new InteractionLog(), test);
            var full = RetrievalEvaluator.EvaluateFullRanking(model, set.History, set.Test, [5]);
            Assert.AreEqual(0.0, full["HR@5"], target);
            Assert.AreEqual(0.0, full["MRR"], target);
            Assert.AreEqual(1 / 3.0, full["Coverage@5"], 1e-12, "only i0 is ever listed");
            var tfrs = RetrievalEvaluator.EvaluateTfrs(model, set.History, set.Test, [5]);
            Assert.AreEqual(0.0, tfrs["top_5"], target);
            Assert.AreEqual(0.0, tfrs["f_top_5"], target);
        }
    }

    [TestMethod]
    public void Evaluate_DataNotEncodedWithModelMaps_ThrowsWithAdvice()
    {
        var (model, _) = Tiny();
        var other = new Interactions(new IdMap("user", new[] { "x" }), new IdMap("item", new[] { "y" }), new[] { 0 }, new[] { 0 }, new[] { 1f }, new[] { 0L });
        var ex = Assert.ThrowsExactly<ArgumentException>(() => RetrievalEvaluator.EvaluateFullRanking(model, other, other));
        StringAssert.Contains(ex.Message, "EvaluationSet.Create");
    }

    [TestMethod]
    public void Evaluate_NonPositiveK_Throws()
    {
        var (model, set) = Tiny();
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => RetrievalEvaluator.EvaluateFullRanking(model, set.History, set.Test, new[] { 0 }));
    }

    [TestMethod]
    public void EvaluateFullRanking_KPastTheCatalogue_SameAsKAtTheCatalogue()
    {
        // K = int.MaxValue once allocated a list of K entries per thread; it means "every item", as K = 4 does here.
        var (model, set) = Tiny();
        var huge = RetrievalEvaluator.EvaluateFullRanking(model, set.History, set.Test, new[] { int.MaxValue });
        var whole = RetrievalEvaluator.EvaluateFullRanking(model, set.History, set.Test, new[] { 4 });
        Assert.AreEqual(whole["NDCG@4"], huge[$"NDCG@{int.MaxValue}"], 1e-12);
        Assert.AreEqual(whole["Coverage@4"], huge[$"Coverage@{int.MaxValue}"], 1e-12);
        Assert.AreEqual(1.0, huge[$"Recall@{int.MaxValue}"], 1e-12);
    }

    [TestMethod]
    public void EvaluationSet_EmptyTest_ThrowsNamingTheSource()
    {
        var (model, _) = Tiny();
        var ex = Assert.ThrowsExactly<ArgumentException>(() => EvaluationSet.Create(model, new InteractionLog(), new InteractionLog("test.csv")));
        StringAssert.Contains(ex.Message, "test.csv");
    }

    [TestMethod]
    public void Popularity_P1Split_ReproducesPeerTfrsFigures()
    {
        var train = CsvInteractions.Load(TestPaths.Split("p1", "train"));
        var test = CsvInteractions.Load(TestPaths.Split("p1", "test"));
        var model = new PopularityTrainer().Fit(TrainingData.Create(train));
        var set = EvaluationSet.Create(model, train, test);
        var r = RetrievalEvaluator.EvaluateTfrs(model, set.History, set.Test);
        // ../shared/peers/README.md, table 1 (most-popular row).
        Assert.AreEqual(0.2970, r["top_100"], 5e-5);
        Assert.AreEqual(0.4138, r["f_top_100"], 5e-5);
        Assert.AreEqual(0.0537, r["top_10"], 5e-5);
        Assert.AreEqual(0.0065, r["top_1"], 5e-5);
        Assert.AreEqual(0.0901, r["f_top_10"], 5e-5);
    }

    [TestMethod]
    public void Popularity_P2Split_ReproducesPeerFullRankingFigures()
    {
        var train = CsvInteractions.Load(TestPaths.Split("p2", "train"));
        var test = CsvInteractions.Load(TestPaths.Split("p2", "test"));
        // With the full catalogue (u.item), unseen test items get a zero score as in data.py: MRR matches too.
        var model = new PopularityTrainer().Fit(TrainingData.Create(train, null, MovieLens100K.LoadItems(TestPaths.MovieLens100K)));
        var set = EvaluationSet.Create(model, train, test);
        var r = RetrievalEvaluator.EvaluateFullRanking(model, set.History, set.Test);
        Assert.AreEqual(0.0498, r["HR@10"], 5e-5);
        Assert.AreEqual(0.0257, r["NDCG@10"], 5e-5);
        Assert.AreEqual(0.2344, r["Recall@100"], 5e-5);
        Assert.AreEqual(0.1432, r["Recall@50"], 5e-5);
        Assert.AreEqual(0.02615, r["MRR"], 5e-5);
        Assert.AreEqual(943, r.Users);
    }

    [TestMethod]
    public void EvaluateFullRanking_Ml100kAllUsers_TakesWellUnderASecond()
    {
        var train = CsvInteractions.Load(TestPaths.Split("p2", "train"));
        var test = CsvInteractions.Load(TestPaths.Split("p2", "test"));
        var model = new RandomTrainer(3).Fit(TrainingData.Create(train));
        var set = EvaluationSet.Create(model, train, test);
        RetrievalEvaluator.EvaluateFullRanking(model, set.History, set.Test); // warm-up (JIT)
        var sw = Stopwatch.StartNew();
        var r = RetrievalEvaluator.EvaluateFullRanking(model, set.History, set.Test);
        sw.Stop();
        Assert.AreEqual(943, r.Users);
        Assert.IsLessThan(1.0, sw.Elapsed.TotalSeconds, $"943 users × {model.Items.Count} items took {sw.Elapsed.TotalSeconds:0.000} s.");
    }

    [TestMethod]
    public void EvaluateFullRanking_OneThreadVersusTwo_IdenticalMetrics()
    {
        var train = CsvInteractions.Load(TestPaths.Split("p2", "train"));
        var test = CsvInteractions.Load(TestPaths.Split("p2", "test"));
        var model = new ItemItemTrainer().Fit(TrainingData.Create(train));
        var set = EvaluationSet.Create(model, train, test);
        var a = RetrievalEvaluator.EvaluateFullRanking(model, set.History, set.Test, threads: 1);
        var b = RetrievalEvaluator.EvaluateFullRanking(model, set.History, set.Test, threads: 2);
        CollectionAssert.AreEqual(a.OrderedMetrics.ToArray(), b.OrderedMetrics.ToArray());
    }

    [TestMethod]
    [DataRow("full")]
    [DataRow("tfrs")]
    public void Evaluate_CancelledAfter200Ms_ThrowsOperationCanceledWithinASecond(string protocol)
    {
        // 625 blocks of 32 users at ≥ 10 ms each: ≥ 3 s on two threads when nothing stops it.
        var model = new SlowScoresModel(20_000, 5_000, TimeSpan.FromMilliseconds(10));
        var (history, test) = model.Logs();
        var set = EvaluationSet.Create(model, history, test);
        using var cts = new CancellationTokenSource();
        var sw = Stopwatch.StartNew();
        DelayedCancellation.Start(cts, TimeSpan.FromMilliseconds(200));
        Assert.ThrowsExactly<OperationCanceledException>(() => _ = protocol == "full"
            ? RetrievalEvaluator.EvaluateFullRanking(model, set.History, set.Test, threads: 2, cancellationToken: cts.Token)
            : RetrievalEvaluator.EvaluateTfrs(model, set.History, set.Test, threads: 2, cancellationToken: cts.Token));
        Assert.IsLessThan(1.2, sw.Elapsed.TotalSeconds, $"stopped {sw.Elapsed.TotalSeconds:0.00} s after the start, {model.Calls} of 625 blocks scored");
        Assert.IsLessThan(625, model.Calls);
    }

    [TestMethod]
    public void SeparateTiedTargets_TiesAndUnrankable_PushedApartInOrder()
    {
        var ranks = new List<int> { 3, 0, 0, int.MaxValue, 1 };
        RetrievalEvaluator.SeparateTiedTargets(ranks);
        CollectionAssert.AreEqual(new[] { 0, 1, 2, 3, int.MaxValue }, ranks);
    }
}
