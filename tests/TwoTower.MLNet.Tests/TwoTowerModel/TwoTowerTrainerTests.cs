using TwoTower.MLNet.Data;
using TwoTower.MLNet.Features;
using TwoTower.MLNet.Persistence;
using TwoTower.MLNet.Training;
using TwoTower.MLNet.TwoTowerModel;

namespace TwoTower.MLNet.Tests.TwoTowerModel;

// TwoTower.MLNet.TwoTowerTrainerOptions (the ML.NET catalog's options) would win over the using directive from inside TwoTower.MLNet.*.
using TwoTowerTrainerOptions = global::TwoTower.MLNet.TwoTowerModel.TwoTowerTrainerOptions;

[TestClass]
public sealed class TwoTowerTrainerTests
{
    // Two taste groups: even users like items 0..19, odd users like items 20..39.
    internal static InteractionLog ClusteredLog(int users = 40, int perUser = 12, int seed = 1)
    {
        var rng = new Random(seed);
        var log = new InteractionLog("synthetic");
        for (var u = 0; u < users; u++)
        {
            var offset = u % 2 == 0 ? 0 : 20;
            foreach (var i in Enumerable.Range(0, 20).OrderBy(_ => rng.Next()).Take(perUser))
                log.Add($"u{u}", $"i{i + offset}");
        }
        return log;
    }

    internal static ItemMetadata Genres() => new(Enumerable.Range(0, 40).Select(i =>
        new ItemRecord($"i{i}", $"Movie {i}", new[] { i < 20 ? "Drama" : "Comedy" }, null)));

    internal static TwoTowerTrainerOptions Small(int threads = 2, int seed = 1) => new()
    {
        EmbeddingDimension = 8,
        IdEmbeddingDimension = 8,
        FeatureEmbeddingDimension = 4,
        HiddenLayers = new[] { 16 },
        BatchSize = 64,
        Epochs = 6,
        LearningRate = 0.01f,
        Temperature = 0.2f,
        Threads = threads,
        Seed = seed,
    };

    [TestMethod]
    public void Train_HugeLearningRate_ReportedAsDivergedNotSavedAsZeros()
    {
        // L2-normalised outputs of an overflowing tower come out 0 and the loss stays finite (about log batch size):
        // the loss check alone let an all-zero model through.
        var options = Small();
        options.LearningRate = 1e6f;
        var ex = Assert.ThrowsExactly<TrainingFailedException>(() => new TwoTowerTrainer(options).Train(TrainingData.Create(ClusteredLog(), null, Genres())));
        StringAssert.Contains(ex.Message, "Training diverged at epoch");
    }

    [TestMethod]
    public void Train_ClusteredData_ScoresOwnGroupHigher()
    {
        var model = new TwoTowerTrainer(Small()).Train(TrainingData.Create(ClusteredLog(), null, Genres()));
        Assert.AreEqual(model.Users.Count, OwnGroupWins(model), "every user scores its own taste group higher on average");
    }

    // Users whose mean score over their own taste group (even users: items 0–19) beats the other group's.
    private static int OwnGroupWins(TwoTowerRecommender model)
    {
        var scores = new float[model.Items.Count];
        var wins = 0;
        for (var u = 0; u < model.Users.Count; u++)
        {
            model.Score(new[] { u }, scores);
            var even = int.Parse(model.Users.GetRawId(u)[1..]) % 2 == 0;
            double own = 0, other = 0;
            for (var k = 0; k < model.Items.Count; k++)
            {
                var first = int.Parse(model.Items.GetRawId(k)[1..]) < 20;
                if (first == even) own += scores[k]; else other += scores[k];
            }
            if (own > other) wins++;
        }
        return wins;
    }

    [TestMethod]
    public void Train_SameSeedAndThreads_IdenticalModel()
    {
        var data = TrainingData.Create(ClusteredLog(), null, Genres());
        var a = new TwoTowerTrainer(Small(threads: 2)).Train(data);
        var b = new TwoTowerTrainer(Small(threads: 2)).Train(data);
        CollectionAssert.AreEqual(a.ItemVectors.ToArray(), b.ItemVectors.ToArray());
        CollectionAssert.AreEqual(a.UserVectors.ToArray(), b.UserVectors.ToArray());
        var c = new TwoTowerTrainer(Small(threads: 2, seed: 2)).Train(data);
        CollectionAssert.AreNotEqual(a.ItemVectors.ToArray(), c.ItemVectors.ToArray(), "another seed gives another model");
    }

    [TestMethod]
    public void Train_OneAndTwoThreads_SameModel()
    {
        // The parallel split is by tower, so the thread count does not change the arithmetic.
        var data = TrainingData.Create(ClusteredLog(), null, Genres());
        var a = new TwoTowerTrainer(Small(threads: 1)).Train(data);
        var b = new TwoTowerTrainer(Small(threads: 2)).Train(data);
        CollectionAssert.AreEqual(a.ItemVectors.ToArray(), b.ItemVectors.ToArray());
    }

    [TestMethod]
    public void Train_WithValidation_ReportsEveryEpochAndRestoresBest()
    {
        var data = TrainingData.Create(ClusteredLog(seed: 1), ClusteredLog(perUser: 3, seed: 2), Genres());
        var reports = new List<TrainingProgress>();
        var options = Small();
        options.ValidationMetric = "HR@10";
        options.EarlyStoppingPatience = 2;
        var model = new TwoTowerTrainer(options).Train(data, new SynchronousProgress<TrainingProgress>(reports.Add));
        var report = model.Report!;
        Assert.HasCount(report.EpochsRun, reports);
        Assert.IsTrue(reports.All(r => r.Metrics is not null && r.Metrics.ContainsKey("HR@10") && r.ExamplesPerSecond > 0));
        Assert.AreEqual(report.ValidationCurve.Max(m => m["HR@10"]), report.BestValidationValue!.Value);
        Assert.IsTrue(report.BestEpoch >= 1 && report.BestEpoch <= report.EpochsRun);
        Assert.HasCount(report.EpochsRun, report.LossCurve);
    }

    [TestMethod]
    [DataRow(0f)]
    [DataRow(0.9f)]
    public void Train_EarlyStopped_ReturnedModelScoresTheBestEpochsValidationValue(float averaging)
    {
        // The restored parameters are those the best epoch was validated with (the averages when averaging is on): the
        // returned model scores exactly the best value again, though training ran on past that epoch.
        var data = TrainingData.Create(ClusteredLog(seed: 1), ClusteredLog(perUser: 3, seed: 2), Genres());
        var options = Small();
        (options.Epochs, options.LearningRate, options.EarlyStoppingPatience, options.WeightAveragingDecay) = (12, 0.05f, 1, averaging);
        var model = new TwoTowerTrainer(options).Train(data);
        var report = model.Report!;
        var curve = report.ValidationCurve.Select(m => m["NDCG@10"]).ToArray();
        Assert.IsLessThan(report.EpochsRun, report.BestEpoch, $"the test needs epochs after the best one ({string.Join(", ", curve)})");
        Assert.AreEqual(curve.Max(), curve[report.BestEpoch - 1]);
        var again = ValidationMetric.Parse("NDCG@10").Evaluate(model, data.Train, data.Validation!, 2, default)["NDCG@10"];
        Assert.AreEqual(report.BestValidationValue!.Value, again, 1e-12);
    }

    [TestMethod]
    public void Train_Ensemble_ProgressNamesTheMemberOfEachEpoch()
    {
        // Each member counts its epochs from 1: the reports read "epoch 1/2 … 2/2" once per member and could not be told
        // apart (the CLI's bar restarted, its log repeated the same lines).
        var data = TrainingData.Create(ClusteredLog(seed: 1), null, Genres());
        var options = Small();
        (options.Epochs, options.EnsembleSize) = (2, 3);
        var reports = new List<TrainingProgress>();
        new TwoTowerTrainer(options).Train(data, new SynchronousProgress<TrainingProgress>(reports.Add));
        CollectionAssert.AreEqual(new[] { (1, 1), (1, 2), (2, 1), (2, 2), (3, 1), (3, 2) }, reports.Select(r => (r.Member, r.Step)).ToArray());
        Assert.IsTrue(reports.All(r => r.Members == 3 && r.Stage == "epoch"));
        StringAssert.StartsWith(reports[3].ToString(), "epoch 2/2 of member 2/3: loss ");

        options.EnsembleSize = 1;
        reports.Clear();
        new TwoTowerTrainer(options).Train(data, new SynchronousProgress<TrainingProgress>(reports.Add));
        Assert.IsTrue(reports.All(r => r.Member == 0 && r.Members == 0));
        StringAssert.StartsWith(reports[1].ToString(), "epoch 2/2: loss ");
    }

    [TestMethod]
    public void Train_Ensemble_ReportKeepsEveryMembersCurvesThroughSaveLoad()
    {
        // The report of an ensemble described member 0 only: the other members' epochs and validation values were lost.
        var data = TrainingData.Create(ClusteredLog(seed: 1), ClusteredLog(perUser: 3, seed: 2), Genres());
        var options = Small();
        options.ValidationMetric = "HR@10";
        options.EnsembleSize = 3;
        var model = new TwoTowerTrainer(options).Train(data);
        var report = model.Report!;
        Assert.IsNotNull(report.Members);
        Assert.HasCount(3, report.Members);
        for (var m = 0; m < 3; m++)
        {
            options.EnsembleSize = 1;
            options.Seed = Small().Seed + 1000 * m;
            var alone = new TwoTowerTrainer(options).Train(data).Report!;
            var member = report.Members[m];
            Assert.AreEqual(alone.EpochsRun, member.EpochsRun, $"member {m}");
            CollectionAssert.AreEqual(alone.LossCurve, member.LossCurve, $"member {m}: the same seed trains the same member");
            Assert.AreEqual(alone.BestValidationValue, member.BestValidationValue);
            Assert.IsGreaterThan(0.0, member.TrainingSeconds);
            Assert.IsNull(member.Members);
        }
        CollectionAssert.AreEqual(report.Members[0].LossCurve, report.LossCurve, "the head curves are member 0's");
        Assert.AreEqual(3 * options.EmbeddingDimension, model.Dimension);
        var path = Path.Combine(TestPaths.TempDir(), "ensemble.zip");
        ModelRegistry.Save(model, path);
        var loaded = ((TwoTowerRecommender)ModelRegistry.Load(path)).Report!;
        Assert.HasCount(3, loaded.Members!);
        CollectionAssert.AreEqual(report.Members[2].LossCurve, loaded.Members![2].LossCurve);

        var single = new TwoTowerTrainer(Small()).Train(data);
        Assert.IsNull(single.Report!.Members, "a single model has no member list");
        var singlePath = Path.Combine(TestPaths.TempDir(), "single.zip");
        ModelRegistry.Save(single, singlePath);
        using var zip = System.IO.Compression.ZipFile.OpenRead(singlePath);
        using var reader = new StreamReader(zip.GetEntry("report.json")!.Open());
        Assert.DoesNotContain("Members", reader.ReadToEnd(), StringComparison.OrdinalIgnoreCase);
    }

    [TestMethod]
    public void Train_QualityReport_CoherenceAboveBaseRate()
    {
        var model = new TwoTowerTrainer(Small()).Train(TrainingData.Create(ClusteredLog(), null, Genres()));
        var r = model.Report!;
        Assert.AreEqual(0.5, r.GenreBaseRate!.Value, 0.02, "two equal genres: about half of random pairs share one");
        Assert.IsGreaterThan(0.9, r.NeighbourGenreCoherence!.Value);
        Assert.IsTrue(r.CatalogueCoverageAt10 > 0 && r.CatalogueCoverageAt10 <= 1);
        Assert.HasCount(5, r.ItemVectorNorms);
    }

    [TestMethod]
    public void Train_QualityReport_NormsBeforeNormalization()
    {
        var normalised = new TwoTowerTrainer(Small()).Train(TrainingData.Create(ClusteredLog(), null, Genres())).Report!;
        Assert.AreEqual(1.0, normalised.ItemVectorNorms[2], 1e-4, "normalised vectors have norm 1");
        foreach (var q in new[] { normalised.ItemNormsBeforeNormalization, normalised.UserNormsBeforeNormalization, normalised.UserIdEmbeddingNorms })
        {
            Assert.HasCount(5, q);
            CollectionAssert.AreEqual(q.Order().ToArray(), q, "min, p10, median, p90, max");
            Assert.IsGreaterThan(0.0, q[0]);
        }
        Assert.IsGreaterThan(1e-3, normalised.ItemNormsBeforeNormalization[4] - normalised.ItemNormsBeforeNormalization[0], "raw norms vary between items");
        var options = Small();
        options.Normalize = false;
        var raw = new TwoTowerTrainer(options).Train(TrainingData.Create(ClusteredLog(), null, Genres())).Report!;
        Assert.IsEmpty(raw.ItemNormsBeforeNormalization, "without normalisation the vector norms are the raw norms");
        Assert.IsEmpty(raw.UserNormsBeforeNormalization);
    }

    [TestMethod]
    public void SaveLoad_RoundTrip_SameScores()
    {
        var model = new TwoTowerTrainer(Small()).Train(TrainingData.Create(ClusteredLog(), null, Genres()));
        var path = Path.Combine(Path.GetTempPath(), $"tt-{Guid.NewGuid():N}.zip");
        try
        {
            ModelRegistry.Save(model, path);
            var loaded = (TwoTowerRecommender)ModelRegistry.Load(path);
            var keys = new[] { 0, 3, -1 };
            var a = new float[keys.Length * model.Items.Count];
            var b = new float[a.Length];
            model.Score(keys, a);
            loaded.Score(keys, b);
            CollectionAssert.AreEqual(a, b);
            CollectionAssert.AreEqual(model.Items.RawIds.ToArray(), loaded.Items.RawIds.ToArray());
            Assert.AreEqual(model.Report!.EpochsRun, loaded.Report!.EpochsRun);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [TestMethod]
    public void Score_UnknownUserMinusOne_UsesColdVector()
    {
        var model = new TwoTowerTrainer(Small()).Train(TrainingData.Create(ClusteredLog(), null, Genres()));
        var v = new float[model.Dimension];
        model.EmbedUsers(new[] { -1 }, v);
        CollectionAssert.AreEqual(model.ColdUserVector.ToArray(), v);
        Assert.AreEqual(1.0, Math.Sqrt(v.Sum(x => (double)x * x)), 1e-5, "normalised mean of the user vectors");
    }

    [TestMethod]
    public void Score_KeyBeyondUsers_ThrowsNamingRange()
    {
        var model = new TwoTowerTrainer(Small()).Train(TrainingData.Create(ClusteredLog(), null, Genres()));
        var ex = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => model.Score(new[] { model.Users.Count }, new float[model.Items.Count]));
        StringAssert.Contains(ex.Message, "-1 (unknown user)");
    }

    [TestMethod]
    public void Train_ColdItemWithFeatures_GetsFeatureVector()
    {
        // i40 has metadata but no interactions: it is in the catalogue and embedded from its genre.
        var meta = new ItemMetadata(Genres().Records.Append(new ItemRecord("i40", "Movie 40", new[] { "Drama" }, null)));
        var model = new TwoTowerTrainer(Small()).Train(TrainingData.Create(ClusteredLog(), null, meta));
        var cold = model.Items.GetKey("i40");
        var v = model.ItemVectors.Span.Slice(cold * model.Dimension, model.Dimension).ToArray();
        Assert.IsTrue(v.Any(x => x != 0f));
    }

    [TestMethod]
    public void Train_MetadataForSomeItemsOnly_ItemsWithoutFeaturesStillTrainApart()
    {
        // Metadata for i0..i9 only: the other 30 items have no feature at all. Read from features alone (the default item
        // tower when metadata is given) they all had one input, zeros, so one vector; with most of the batch such rows the
        // fit stopped as "diverged" (outputs collapsed to 0) and told the user to lower the learning rate.
        var meta = new ItemMetadata(Genres().Records.Take(10));
        var model = new TwoTowerTrainer(Small()).Train(TrainingData.Create(ClusteredLog(), null, meta));
        float[] Vector(string id) => model.ItemVectors.Span.Slice(model.Items.GetKey(id) * model.Dimension, model.Dimension).ToArray();
        CollectionAssert.AreNotEqual(Vector("i15"), Vector("i35"), "two items without metadata, of different taste groups");
        Assert.IsGreaterThan(model.Users.Count * 9 / 10, OwnGroupWins(model), "users score their own taste group higher on average");
    }

    [TestMethod]
    public void Train_EmptyTrainingSet_ThrowsSayingEmpty()
    {
        var ex = Assert.ThrowsExactly<ArgumentException>(() => TrainingData.Create(new InteractionLog("empty.csv")));
        StringAssert.Contains(ex.Message, "empty");
    }

    [TestMethod]
    public void Train_FeatureTableOfWrongSize_ThrowsNamingCounts()
    {
        var data = TrainingData.Create(ClusteredLog());
        var ex = Assert.ThrowsExactly<ArgumentException>(() => new TwoTowerTrainer(Small()).Train(data, FeatureTable.Empty(data.Users.Count), FeatureTable.Empty(3)));
        StringAssert.Contains(ex.Message, $"itemFeatures describes 3 items; the training item map has {data.Items.Count}");
    }

    [TestMethod]
    public void Train_WarmStartOfWrongDimension_ThrowsWithExpectedSize()
    {
        var data = TrainingData.Create(ClusteredLog());
        var options = Small();
        options.InitialUserEmbeddings = new float[data.Users.Count * 5 + 1];
        options.InitialEmbeddingDimension = 5;
        var ex = Assert.ThrowsExactly<ArgumentException>(() => new TwoTowerTrainer(options).Train(data));
        StringAssert.Contains(ex.Message, $"expected {data.Users.Count} rows");
    }

    [TestMethod]
    public void Train_FreezeWithoutWarmStart_RefusedNamingTheOption()
    {
        // Nothing was frozen and nothing said so: the option only acts on InitialUserEmbeddings / InitialItemEmbeddings.
        var data = TrainingData.Create(ClusteredLog());
        var options = Small();
        options.FreezeInitialEmbeddingsEpochs = 2;
        var ex = Assert.ThrowsExactly<ArgumentException>(() => new TwoTowerTrainer(options).Train(data));
        Assert.AreEqual("FreezeInitialEmbeddingsEpochs", ex.ParamName);
        StringAssert.Contains(ex.Message, "InitialUserEmbeddings");
        options.FreezeInitialEmbeddingsEpochs = 0;
        new TwoTowerTrainer(options).Train(data);
    }

    [TestMethod]
    public void Train_WarmStartFrozenAllEpochs_KeepsInitialUserRows()
    {
        var data = TrainingData.Create(ClusteredLog());
        var options = Small();
        options.InitialItemEmbeddings = Enumerable.Range(0, data.Items.Count * 8).Select(i => (i % 7) * 0.01f).ToArray();
        options.InitialEmbeddingDimension = 8;
        options.FreezeInitialEmbeddingsEpochs = options.Epochs;
        // With frozen warm-started item ids the model still trains (the MLPs move) and stays finite.
        var model = new TwoTowerTrainer(options).Train(data);
        Assert.IsTrue(model.ItemVectors.ToArray().All(float.IsFinite));
    }

    [TestMethod]
    public void Options_InvalidValues_ThrowNamingOption()
    {
        var o = new TwoTowerTrainerOptions { Temperature = 0f };
        var ex = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => o.Validate());
        Assert.AreEqual("Temperature", ex.ParamName);
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new TwoTowerTrainerOptions { BatchSize = 0 }.Validate());
        Assert.ThrowsExactly<ArgumentException>(() => new TwoTowerTrainerOptions { UseItemIdEmbedding = false, UseItemFeatures = false }.Validate());
        var decay = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new TwoTowerTrainerOptions { WeightAveragingDecay = 1f }.Validate());
        Assert.AreEqual("WeightAveragingDecay", decay.ParamName);
    }

    [TestMethod]
    public void Options_IgnoredCombinations_RefusedNamingTheOption()
    {
        // Each of these trained without a word about the option that had no effect.
        var dropout = Assert.ThrowsExactly<ArgumentException>(() => new TwoTowerTrainerOptions { HiddenLayers = [], Dropout = 0.2f }.Validate());
        Assert.AreEqual("Dropout", dropout.ParamName);
        StringAssert.Contains(dropout.Message, "HiddenLayers is empty");
        var extra = Assert.ThrowsExactly<ArgumentException>(() => new TwoTowerTrainerOptions { SoftmaxOverAllItems = true, ExtraNegatives = 8 }.Validate());
        Assert.AreEqual("ExtraNegatives", extra.ParamName);
        var hard = Assert.ThrowsExactly<ArgumentException>(() => new TwoTowerTrainerOptions { SoftmaxOverAllItems = true, HardNegatives = 4 }.Validate());
        Assert.AreEqual("HardNegatives", hard.ParamName);
        StringAssert.Contains(hard.Message, "SoftmaxOverAllItems");
        var pool = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new TwoTowerTrainerOptions { HardNegatives = 600 }.Validate());
        Assert.AreEqual("HardNegativePool", pool.ParamName);
        StringAssert.Contains(pool.Message, "HardNegativePool = 512 must be ≥ HardNegatives (600)");
        var history = Assert.ThrowsExactly<ArgumentException>(() => new TwoTowerTrainerOptions { UserHistoryLength = 20 }.Validate());
        Assert.AreEqual("UserHistoryLength", history.ParamName);
        StringAssert.Contains(history.Message, "UseUserHistory");
        // The meaningful neighbours stay accepted.
        new TwoTowerTrainerOptions { HiddenLayers = [], Dropout = 0f }.Validate();
        new TwoTowerTrainerOptions { HiddenLayers = [8], Dropout = 0.2f }.Validate();
        new TwoTowerTrainerOptions { SoftmaxOverAllItems = true }.Validate();
        new TwoTowerTrainerOptions { UseUserHistory = true, UserHistoryLength = 20 }.Validate();
        new TwoTowerTrainerOptions { HardNegatives = 512 }.Validate();
    }

    [TestMethod]
    public void Options_BatchSizeOneWithoutOtherNegatives_RefusedNamingTheOption()
    {
        // Found by an audit: one example per batch makes one column, so the softmax of the positive is 1 and BPR and hinge
        // have no pair: every gradient was 0, the loss curve read 0 and the "trained" model was its random start.
        var ex = Assert.ThrowsExactly<ArgumentException>(() => new TwoTowerTrainerOptions { BatchSize = 1 }.Validate());
        Assert.AreEqual("BatchSize", ex.ParamName);
        StringAssert.Contains(ex.Message, "BatchSize = 1");
        StringAssert.Contains(ex.Message, "ExtraNegatives");
        // With negatives from elsewhere a batch of one still has something to rank against.
        new TwoTowerTrainerOptions { BatchSize = 1, ExtraNegatives = 4 }.Validate();
        new TwoTowerTrainerOptions { BatchSize = 1, HardNegatives = 4 }.Validate();
        new TwoTowerTrainerOptions { BatchSize = 1, SoftmaxOverAllItems = true }.Validate();
        new TwoTowerTrainerOptions { BatchSize = 2 }.Validate();
    }

    [TestMethod]
    public void Train_UserHistoryWithAveragingOneAndTwoThreads_SameModel()
    {
        // Held-out history (one user row per example), the parallel softmax and parameter averaging keep the arithmetic thread-independent.
        var data = TrainingData.Create(ClusteredLog(), null, Genres());
        TwoTowerTrainerOptions Options(int threads)
        {
            var o = Small(threads);
            o.UseUserHistory = true;
            o.WeightAveragingDecay = 0.9f;
            o.MaskSameUserPositives = true;
            return o;
        }
        var a = new TwoTowerTrainer(Options(1)).Train(data);
        var b = new TwoTowerTrainer(Options(2)).Train(data);
        CollectionAssert.AreEqual(a.UserVectors.ToArray(), b.UserVectors.ToArray());
        CollectionAssert.AreEqual(a.ItemVectors.ToArray(), b.ItemVectors.ToArray());
        Assert.AreEqual("True", a.Describe()["user_history"]!.ToString());
    }

    [TestMethod]
    public void Train_ItemIdEmbeddingAuto_OnlyWithoutItemFeatures()
    {
        var withFeatures = new TwoTowerTrainer(Small()).Train(TrainingData.Create(ClusteredLog(), null, Genres()));
        Assert.IsFalse((bool)withFeatures.Describe()["item_id_embedding"]!);
        Assert.IsEmpty(withFeatures.Report!.ItemIdEmbeddingNorms);
        var withoutFeatures = new TwoTowerTrainer(Small()).Train(TrainingData.Create(ClusteredLog()));
        Assert.IsTrue((bool)withoutFeatures.Describe()["item_id_embedding"]!);
        Assert.HasCount(5, withoutFeatures.Report!.ItemIdEmbeddingNorms);
    }

    [TestMethod]
    [DataRow(TwoTowerLoss.BinaryCrossEntropy)]
    [DataRow(TwoTowerLoss.Bpr)]
    [DataRow(TwoTowerLoss.Hinge)]
    public void Train_OtherLosses_LearnTheGroups(TwoTowerLoss loss)
    {
        var options = Small();
        options.Loss = loss;
        options.Epochs = 10;
        options.ExtraNegatives = 8;
        options.HardNegatives = 4;
        options.HardNegativePool = 16;
        var model = new TwoTowerTrainer(options).Train(TrainingData.Create(ClusteredLog(), null, Genres()));
        Assert.IsLessThan(model.Report!.LossCurve[0], model.Report.LossCurve[^1], $"{loss}: loss falls ({string.Join(", ", model.Report.LossCurve)})");
        // A falling loss proves only that the gradient matches the loss; the groups prove the loss ranks positives up.
        Assert.AreEqual(model.Users.Count, OwnGroupWins(model), $"{loss}: every user scores its own taste group higher on average");
    }

    [TestMethod]
    public void Train_Cancelled_Throws()
    {
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        Assert.ThrowsExactly<OperationCanceledException>(() => new TwoTowerTrainer(Small()).Train(TrainingData.Create(ClusteredLog()), null, cts.Token));
    }

    [TestMethod]
    public void Train_CancelledAfterTheLastEpoch_ThrowsInsteadOfFinishingTheReport()
    {
        // Found by an audit: after the epochs nothing looked at the token, so a cancel during the quality report (about 7 s
        // at 40k users × 50k items) waited for it and then returned the model as if nothing had been asked.
        using var cts = new CancellationTokenSource();
        var options = Small();
        var progress = new OnReport(p =>
        {
            if (p.Stage == "epoch" && p.Step == options.Epochs) cts.Cancel();
        });
        Assert.ThrowsExactly<OperationCanceledException>(() => new TwoTowerTrainer(options).Train(TrainingData.Create(ClusteredLog(), null, Genres()), progress, cts.Token));
    }

    [TestMethod]
    public void Train_CancelledDuringValidation_StopsWithinHalfASecond()
    {
        // 40k validation users × 50k items: each epoch's validation (about 0.6 s) costs far more than its training (about 0.1 s).
        var (train, valid) = (new InteractionLog(), new InteractionLog());
        for (var r = 0; r < 50_000; r++) train.Add($"u{r % 40_000}", $"i{r}");
        for (var u = 0; u < 40_000; u++) valid.Add($"u{u}", $"i{(u * 7 + 1) % 50_000}");
        var options = new TwoTowerTrainerOptions
        {
            EmbeddingDimension = 8, IdEmbeddingDimension = 8, HiddenLayers = [], BatchSize = 256, Epochs = 6, EarlyStoppingPatience = 0,
            LearningRate = 0.01f, Threads = 2,
        };
        using var cts = new CancellationTokenSource();
        var sw = System.Diagnostics.Stopwatch.StartNew();
        var cancelledAt = TimeSpan.Zero;
        cts.Token.Register(() => cancelledAt = sw.Elapsed);
        var epochs = 0;
        var validationSeconds = 0.0;
        var log = new List<string>();
        // Epoch 2 (compiled code by then) times training and validation; epoch 3's validation is cancelled a quarter of the way in
        // (other tests running alongside can shift that: a cancel in epoch 4 must stop promptly too).
        var progress = new OnReport(p =>
        {
            log.Add($"{p.Stage} {p.Step} at {sw.Elapsed.TotalSeconds:0.000} s: {p.ExamplesPerSecond:0} ex/s, {p.Seconds:0.000} s");
            if (p.Stage != "epoch" || ++epochs != 2) return;
            var trainSeconds = train.Count / p.ExamplesPerSecond!.Value;
            validationSeconds = p.Seconds!.Value - trainSeconds;
            DelayedCancellation.Start(cts, TimeSpan.FromSeconds(trainSeconds + 0.25 * validationSeconds));
        });
        Assert.ThrowsExactly<OperationCanceledException>(() => new TwoTowerTrainer(options).Train(TrainingData.Create(train, valid), progress, cts.Token),
            $"cancelled at {cancelledAt.TotalSeconds:0.000} s; {string.Join("; ", log)}");
        var latency = (sw.Elapsed - cancelledAt).TotalSeconds;
        // Waiting for the validation pass to end took about three quarters of one.
        Assert.IsLessThan(Math.Min(0.5, validationSeconds / 2), latency, $"the fit ended {latency:0.000} s after the token was cancelled at {cancelledAt.TotalSeconds:0.000} s; {string.Join("; ", log)}");
    }

    /// <summary>Runs an action on each report, synchronously (Progress&lt;T&gt; would post them to the thread pool).</summary>
    private sealed class OnReport(Action<TrainingProgress> action) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => action(value);
    }
}
