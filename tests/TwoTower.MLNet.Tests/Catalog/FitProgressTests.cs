using Microsoft.ML;
using TwoTower.MLNet.Training;

namespace TwoTower.MLNet.Tests.Catalog;

/// <summary>An estimator's fit reports progress (to a sink and to MLContext.Log) and stops on its cancellation token.</summary>
[TestClass]
public sealed class FitProgressTests
{
    [TestMethod]
    public void Fit_InsideAPipeline_ReportsEveryIterationToTheSinkAndToTheLog()
    {
        var ml = TestMLContext.Create(seed: 1);
        var logged = new List<string>();
        ml.Log += (_, e) => { if (e.Kind == Microsoft.ML.Runtime.ChannelMessageKind.Info) lock (logged) logged.Add(e.Message); };
        var tt = ml.TwoTower();
        var reports = new List<TrainingProgress>();
        var pipeline = tt.Trainers.MatrixFactorization(CatalogFixture.Mf())
            .WithProgress(new SynchronousProgress<TrainingProgress>(reports.Add))
            .Append(tt.Transforms.Recommend(k: 10));

        pipeline.Fit(CatalogFixture.Load(ml, CatalogFixture.TrainPath));

        CollectionAssert.AreEqual(new[] { 1, 2, 3, 4 }, reports.Select(r => r.Step).ToArray());
        Assert.IsTrue(reports.All(r => r.Stage == "iteration" && r.TotalSteps == 4 && r.Loss is > 0));
        var lines = logged.Where(m => m.Contains("iteration ", StringComparison.Ordinal)).ToArray();
        Assert.HasCount(4, lines);
        StringAssert.Contains(lines[0], "iteration 1/4: loss ");
        StringAssert.Contains(lines[3], "iteration 4/4: loss ");
    }

    [TestMethod]
    public void Fit_CancelledAfterTheFirstEpoch_StopsAndRegistersNothing()
    {
        var ml = TestMLContext.Create(seed: 1);
        var tt = ml.TwoTower();
        using var cts = new CancellationTokenSource();
        var epochs = 0;
        var estimator = tt.Trainers.TwoTower(new TwoTowerOptions { Epochs = 5, EmbeddingDimension = 16 })
            .WithProgress(new SynchronousProgress<TrainingProgress>(r => { if (r.Stage == "epoch") { epochs++; cts.Cancel(); } }))
            .WithCancellation(cts.Token);
        var train = CatalogFixture.Load(ml, CatalogFixture.TrainPath);

        Assert.ThrowsExactly<OperationCanceledException>(() => estimator.Fit(train));

        Assert.AreEqual(1, epochs, "training must stop at the first check after the cancellation");
        Assert.IsNull(estimator.LastFitted);
        var ex = Assert.ThrowsExactly<InvalidOperationException>(() => tt.Transforms.Recommend(k: 10).Fit(train));
        StringAssert.Contains(ex.Message, "has no model");
    }

    [TestMethod]
    public void Fit_WithATokenCancelledBefore_ThrowsBeforeLookingAtTheData()
    {
        var ml = TestMLContext.Create(seed: 1);
        var estimator = ml.TwoTower().Trainers.MatrixFactorization(CatalogFixture.Mf()).WithCancellation(new CancellationToken(canceled: true));
        // This data has no item id column, which Fit would report: the cancellation comes first.
        var noItems = ml.Data.LoadFromEnumerable(new List<UserRequest> { new() { UserId = "1" } });
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.TwoTower().Trainers.MatrixFactorization(CatalogFixture.Mf()).Fit(noItems));
        Assert.ThrowsExactly<OperationCanceledException>(() => estimator.Fit(noItems));
    }

    [TestMethod]
    public void WithProgress_AndWithCancellation_ReturnCopiesAndLeaveTheOriginalAsItWas()
    {
        var ml = TestMLContext.Create(seed: 1);
        var original = ml.TwoTower().Trainers.MatrixFactorization(CatalogFixture.Mf());
        using var cts = new CancellationTokenSource();
        var sink = new SynchronousProgress<TrainingProgress>(_ => { });
        var copy = original.WithProgress(sink).WithCancellation(cts.Token);
        Assert.AreSame(sink, copy.Progress);
        Assert.AreEqual(cts.Token, copy.CancellationToken);
        Assert.IsNull(original.Progress);
        Assert.AreEqual(CancellationToken.None, original.CancellationToken);
        Assert.ThrowsExactly<ArgumentNullException>(() => original.WithProgress(null!));
    }

    [TestMethod]
    public void ToString_WritesStageStepAndEveryKnownFigure()
    {
        var line = new TrainingProgress("epoch", 3, 14, 5.123456, new Dictionary<string, double> { ["NDCG@10"] = 0.06123 }, 95000.4, 0.8).ToString();
        Assert.AreEqual("epoch 3/14: loss 5.1235, NDCG@10 0.0612, 95,000 examples/s, 0.80 s", line);
        Assert.AreEqual("fit 1/1", new TrainingProgress("fit", 1, 1).ToString());
    }
}
