using System.Diagnostics;
using TwoTower.MLNet.Training;

namespace TwoTower.MLNet.TwoTowerModel;

/// <summary>What <see cref="TrainingThroughputBenchmark.Run"/> measured.</summary>
/// <param name="ExamplesPerSecond">Median over the timed epochs of training examples per second.</param>
/// <param name="EpochExamplesPerSecond">Examples per second of every epoch, in order.</param>
/// <param name="Examples">Training examples per epoch.</param>
/// <param name="Epochs">Epochs run.</param>
/// <param name="Threads">Threads the trainer used.</param>
/// <param name="BatchSize">Examples per mini-batch.</param>
/// <param name="TotalSeconds">Wall time of the whole run (model building included).</param>
/// <param name="ExamplesPerCpuSecond">
/// Median over the epochs of examples per second of process CPU time (all threads): the figure that stays
/// comparable when other jobs share the cores (wall-clock rates then measure the scheduler).
/// </param>
public sealed record TrainingThroughputResult(double ExamplesPerSecond, IReadOnlyList<double> EpochExamplesPerSecond, int Examples, int Epochs, int Threads, int BatchSize, double TotalSeconds, double ExamplesPerCpuSecond);

/// <summary>
/// Training throughput of the two-tower engine on the PyTorch peer's configuration
/// (../shared/peers/twotower_torch.py, `one p1 --opt adam --batch 1024 --temp 0.05 --logq --genres`):
/// batch 1024, id embeddings 64, title-token and genre inputs, MLP 256-128-128 with L2-normalised
/// 128-d outputs, Adam, in-batch softmax with logQ. The figure is the median epoch throughput, as the
/// peer reports it.
/// </summary>
public static class TrainingThroughputBenchmark
{
    /// <summary>
    /// Options matching the peer: its item tower and ours read a 64-d item id embedding and a 64-d title embedding; the
    /// peer adds a 19-d genre multi-hot, ours 64-d genre embeddings and the release year. User metadata is off (the
    /// peer has none); no parameter averaging (the peer keeps the last step's parameters); no quality report (timing
    /// only). One difference stays: the engine runs each tower once per distinct user and item of a batch (on ML-100K
    /// about 500 of 1024 rows each) where the peer runs both towers on all 1024 rows, and a batch's repeated item is
    /// one softmax column.
    /// </summary>
    public static TwoTowerTrainerOptions PeerConfiguration(int epochs = 3, int threads = 0, int seed = 1) => new()
    {
        BatchSize = 1024,
        IdEmbeddingDimension = 64,
        // The peer's item tower has an item id embedding beside the title: the default leaves it out where every item has features.
        UseUserIdEmbedding = true,
        UseItemIdEmbedding = true,
        FeatureEmbeddingDimension = 64,
        HiddenLayers = new[] { 256, 128 },
        EmbeddingDimension = 128,
        Normalize = true,
        Temperature = 0.05f,
        Optimizer = TwoTowerOptimizer.Adam,
        LearningRate = 1e-3f,
        LearningRateDecay = Optimizers.LearningRateDecay.None,
        LogQCorrection = true,
        LogQWeight = 1f,
        UseItemFeatures = true,
        UseUserFeatures = false,
        UseUserHistory = false,
        // The peer trains an in-batch softmax with uniform example weights: keep the same model whatever the defaults are.
        RecencyWeight = 0f,
        SoftmaxOverAllItems = false,
        ExtraNegatives = 0,
        HardNegatives = 0,
        MaskSameUserPositives = false,
        Loss = TwoTowerLoss.SampledSoftmax,
        Dropout = 0f,
        WeightDecay = 0f,
        WarmupSteps = 0,
        GradientClipNorm = 0f,
        WeightAveragingDecay = 0f,
        EnsembleSize = 1,
        Epochs = epochs,
        EarlyStoppingPatience = 0,
        ComputeQualityReport = false,
        Threads = threads,
        Seed = seed,
    };

    /// <summary>Trains on <paramref name="data"/> (its validation part is ignored) with <paramref name="options"/> and reports the throughput.</summary>
    public static TrainingThroughputResult Run(TrainingData data, TwoTowerTrainerOptions options, IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(options);
        // Validation would add evaluation time to the epochs: time training only, as the peer does.
        var trainOnly = data.Validation is null ? data : TrainingData.FromEncoded(data.Train, null, data.ItemMetadata, data.UserMetadata);
        var cpuPerEpoch = new List<double>();
        var process = Process.GetCurrentProcess();
        var sw = Stopwatch.StartNew();
        var lastCpu = CpuSeconds(process);
        // Epoch progress arrives right after each epoch's last step (no validation here): CPU time between reports = the epoch's.
        var timed = new EpochCpuProgress(progress, () =>
        {
            var now = CpuSeconds(process);
            cpuPerEpoch.Add(now - lastCpu);
            lastCpu = now;
        });
        var model = new TwoTowerTrainer(options).Train(trainOnly, timed, cancellationToken);
        var seconds = sw.Elapsed.TotalSeconds;
        var rates = model.Report!.ExamplesPerSecond.ToArray();
        var threads = options.Threads == 0 ? Environment.ProcessorCount : options.Threads;
        var n = trainOnly.Train.Count;
        return new TrainingThroughputResult(Median(rates), rates, n, model.Report.EpochsRun, threads, options.BatchSize, seconds,
            Median(cpuPerEpoch.Select(c => n / Math.Max(c, 1e-9)).ToArray()));
    }

    private static double CpuSeconds(Process process)
    {
        process.Refresh();
        return process.TotalProcessorTime.TotalSeconds;
    }

    private static double Median(double[] values)
    {
        if (values.Length == 0) return double.NaN;
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }

    private sealed class EpochCpuProgress(IProgress<TrainingProgress>? inner, Action onEpoch) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value)
        {
            if (value.Stage == "epoch") onEpoch();
            inner?.Report(value);
        }
    }
}
