using TwoTower.MLNet.Data;
using TwoTower.MLNet.Persistence;
using TwoTower.MLNet.Training;
using TwoTower.MLNet.TwoTowerModel;

namespace TwoTower.MLNet.Tests.TwoTowerModel;

[TestClass]
public sealed class TrainingCheckpointTests
{
    private static TrainingData Data(int seed = 1) =>
        TrainingData.Create(TwoTowerTrainerTests.ClusteredLog(seed: seed), TwoTowerTrainerTests.ClusteredLog(perUser: 3, seed: 2), TwoTowerTrainerTests.Genres());

    // Every stream a resumed run must continue: shuffles, extra and hard negatives, dropout masks, averaging, early stopping.
    private static TwoTowerTrainerOptions Options(string? checkpoint, int epochs = 5)
    {
        var o = TwoTowerTrainerTests.Small();
        o.Epochs = epochs;
        o.ValidationMetric = "HR@10";
        o.EarlyStoppingPatience = 0;
        o.ExtraNegatives = 6;
        o.HardNegatives = 3;
        o.HardNegativePool = 12;
        o.Dropout = 0.1f;
        o.RecencyWeight = 2f;
        o.CheckpointDirectory = checkpoint;
        return o;
    }

    // Trains until the progress report of epoch `stopAfter`, then cancels: the checkpoint of that epoch is on disk.
    private static void TrainAndCancelAfter(TwoTowerTrainerOptions options, TrainingData data, int stopAfter)
    {
        using var cts = new CancellationTokenSource();
        var progress = new SynchronousProgress<TrainingProgress>(p => { if (p.Stage == "epoch" && p.Step == stopAfter) cts.Cancel(); });
        Assert.ThrowsExactly<OperationCanceledException>(() => new TwoTowerTrainer(options).Train(data, progress, cts.Token));
    }

    [TestMethod]
    public void Resume_AfterAnInterruptedRun_GivesTheUninterruptedModel()
    {
        var data = Data();
        var uninterrupted = new TwoTowerTrainer(Options(null)).Train(data);
        var dir = TestPaths.TempDir();
        TrainAndCancelAfter(Options(dir), data, stopAfter: 2);
        Assert.IsTrue(File.Exists(TrainingCheckpoint.PathFor(dir, 0)));

        var reports = new List<TrainingProgress>();
        var resumed = new TwoTowerTrainer(Options(dir)).Train(data, new SynchronousProgress<TrainingProgress>(reports.Add));
        CollectionAssert.AreEqual(new[] { "resume 2", "epoch 3", "epoch 4", "epoch 5" }, reports.Select(r => $"{r.Stage} {r.Step}").ToArray());
        CollectionAssert.AreEqual(uninterrupted.UserVectors.ToArray(), resumed.UserVectors.ToArray());
        CollectionAssert.AreEqual(uninterrupted.ItemVectors.ToArray(), resumed.ItemVectors.ToArray());
        CollectionAssert.AreEqual(uninterrupted.Report!.LossCurve, resumed.Report!.LossCurve);
        Assert.AreEqual(uninterrupted.Report.BestEpoch, resumed.Report.BestEpoch);
        Assert.AreEqual(5, resumed.Report.EpochsRun);
        Assert.HasCount(5, resumed.Report.ValidationCurve);
    }

    [TestMethod]
    public void Rerun_AfterAFinishedRun_ReturnsItsModelWithoutTraining()
    {
        var data = Data();
        var dir = TestPaths.TempDir();
        var first = new TwoTowerTrainer(Options(dir, epochs: 3)).Train(data);
        var reports = new List<TrainingProgress>();
        var again = new TwoTowerTrainer(Options(dir, epochs: 3)).Train(data, new SynchronousProgress<TrainingProgress>(reports.Add));
        CollectionAssert.AreEqual(new[] { "resume 3" }, reports.Select(r => $"{r.Stage} {r.Step}").ToArray());
        CollectionAssert.AreEqual(first.ItemVectors.ToArray(), again.ItemVectors.ToArray());
        CollectionAssert.AreEqual(first.UserVectors.ToArray(), again.UserVectors.ToArray());
    }

    [TestMethod]
    public void Resume_OtherOptionsOrData_RefusesAndNamesWhat()
    {
        var dir = TestPaths.TempDir();
        TrainAndCancelAfter(Options(dir), Data(), stopAfter: 1);
        var other = Options(dir);
        other.LearningRate = 0.02f;
        var ex = Assert.ThrowsExactly<InvalidOperationException>(() => new TwoTowerTrainer(other).Train(Data()));
        StringAssert.Contains(ex.Message, "other options (LearningRate differs)");
        StringAssert.Contains(ex.Message, "delete it to start over");
        ex = Assert.ThrowsExactly<InvalidOperationException>(() => new TwoTowerTrainer(Options(dir)).Train(Data(seed: 5)));
        StringAssert.Contains(ex.Message, "other training data");
        // The options that do not shape the model may change.
        var free = Options(dir);
        free.ComputeQualityReport = false;
        Assert.AreEqual(5, new TwoTowerTrainer(free).Train(Data()).Report!.EpochsRun);
    }

    [TestMethod]
    public void Fingerprint_ChangesWithTimesRatingsIdsValidationAndMetadata()
    {
        // Each of these shapes training (recency weights, early stopping, features), so a resume on changed ones is refused.
        var log = TwoTowerTrainerTests.ClusteredLog(seed: 1);
        var valid = TwoTowerTrainerTests.ClusteredLog(perUser: 2, seed: 2);
        string Of(Func<InteractionLog, InteractionLog> edit, InteractionLog? v = null, ItemMetadata? items = null) =>
            TrainingCheckpoint.Fingerprint(TrainingData.Create(edit(log), v ?? valid, items ?? TwoTowerTrainerTests.Genres()));
        InteractionLog Rebuilt(Func<int, (string User, string Item, float Rating, long Time)> row)
        {
            var copy = new InteractionLog("copy");
            for (var r = 0; r < log.Count; r++) { var (u, i, rating, t) = row(r); copy.Add(u, i, rating, t); }
            return copy;
        }
        var same = Of(l => l);
        Assert.AreEqual(same, Of(l => l));
        Assert.AreNotEqual(same, Of(_ => Rebuilt(r => (log.Users[r], log.Items[r], log.Ratings[r], r))), "timestamps");
        Assert.AreNotEqual(same, Of(_ => Rebuilt(r => (log.Users[r], log.Items[r], 2f, log.Timestamps[r]))), "ratings");
        Assert.AreNotEqual(same, Of(_ => Rebuilt(r => ("x" + log.Users[r], log.Items[r], log.Ratings[r], log.Timestamps[r]))), "raw ids");
        Assert.AreNotEqual(same, Of(l => l, TwoTowerTrainerTests.ClusteredLog(perUser: 2, seed: 3)), "validation rows");
        var renamed = new ItemMetadata(TwoTowerTrainerTests.Genres().Records.Select(r => r with { Genres = ["Western"] }));
        Assert.AreNotEqual(same, Of(l => l, items: renamed), "item metadata");
    }

    [TestMethod]
    public void Resume_CorruptOrNewerCheckpoint_FailsWithTheReason()
    {
        var dir = TestPaths.TempDir();
        TrainAndCancelAfter(Options(dir), Data(), stopAfter: 1);
        var path = TrainingCheckpoint.PathFor(dir, 0);
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);
        StringAssert.Contains(Assert.ThrowsExactly<ModelFormatException>(() => new TwoTowerTrainer(Options(dir)).Train(Data())).Message, "truncated");

        // A checkpoint written by a later layout.
        var parameters = new[] { new TwoTower.MLNet.Optimizers.Parameter("w", 2, 2, isSparse: false) };
        new TrainingCheckpoint
        {
            Epoch = 1, Step = 1, Finished = false, Options = ["A=1"], Data = "d", Parameters = parameters, State = new TrainingCheckpoint.TrainingState(),
        }.Save(path);
        var json = ModelContainerReader.Open(path);
        Assert.AreEqual(TrainingCheckpoint.ModelType, json.ModelType);
        var w = new ModelContainerWriter(TrainingCheckpoint.ModelType, TrainingCheckpoint.Version + 1);
        w.AddJson("checkpoint.json", new { Version = TrainingCheckpoint.Version + 1 });
        w.Save(path);
        StringAssert.Contains(Assert.ThrowsExactly<ModelFormatException>(() => TrainingCheckpoint.Load(path, ["A=1"], "d", parameters)).Message, "newer than this library reads");
    }

    [TestMethod]
    public void CheckpointFolder_HeldByAnotherRun_Refused()
    {
        // Two runs sharing a folder overwrote each other's state; the second is now refused while the first holds it.
        var dir = TestPaths.TempDir();
        using (new FileStream(Path.Combine(dir, ".lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None))
        {
            var ex = Assert.ThrowsExactly<InvalidOperationException>(() => new TwoTowerTrainer(Options(dir)).Train(Data()));
            StringAssert.Contains(ex.Message, $"Checkpoint folder '{dir}' is in use by another training run");
        }
        new TwoTowerTrainer(Options(dir, epochs: 1)).Train(Data()); // free again once the other lets go
    }

    [TestMethod]
    public void Ensemble_EachMemberKeepsItsOwnCheckpoint()
    {
        var dir = TestPaths.TempDir();
        var o = Options(dir, epochs: 2);
        o.EnsembleSize = 2;
        var first = new TwoTowerTrainer(o).Train(Data());
        Assert.IsTrue(File.Exists(TrainingCheckpoint.PathFor(dir, 0)) && File.Exists(TrainingCheckpoint.PathFor(dir, 1)));
        var reports = new List<TrainingProgress>();
        var again = new TwoTowerTrainer(o).Train(Data(), new SynchronousProgress<TrainingProgress>(reports.Add));
        CollectionAssert.AreEqual(first.ItemVectors.ToArray(), again.ItemVectors.ToArray());
        // Found by a review: the epoch reports name their member (6940d89) but the resume reports did not, so the two read
        // "resume 2/2" alike, and the CLI's bar over all members fell back to one member's length and position.
        CollectionAssert.AreEqual(new[] { "resume 2/2 of member 1/2", "resume 2/2 of member 2/2" }, reports.Select(r => r.Position).ToArray(), string.Join("; ", reports.Select(r => r.Position)));
    }
}
