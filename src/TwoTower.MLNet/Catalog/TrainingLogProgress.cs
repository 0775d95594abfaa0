using Microsoft.ML;
using Microsoft.ML.Runtime;
using TwoTower.MLNet.Training;

namespace TwoTower.MLNet;

/// <summary>
/// Forwards a trainer's progress to the caller's sink and, as one Info line per report, to <c>MLContext.Log</c>
/// (a channel named like the trainer), so <c>ml.Log += ...</c> shows training like ML.NET's own trainers.
/// </summary>
internal sealed class TrainingLogProgress : IProgress<TrainingProgress>, IDisposable
{
    private readonly IChannel _channel;
    private readonly IProgress<TrainingProgress>? _inner;
    private readonly object _gate = new();

    public TrainingLogProgress(MLContext ml, string trainer, IProgress<TrainingProgress>? inner)
    {
        _channel = ((IHostEnvironment)ml).Start(trainer);
        _inner = inner;
    }

    public void Report(TrainingProgress value)
    {
        // A channel is not thread-safe; trainers may report from a worker.
        lock (_gate) _channel.Info(MessageSensitivity.None, value.ToString());
        _inner?.Report(value);
    }

    /// <summary>Writes each warning to the log as a Warning message (data or model signs that the fit is of little use).</summary>
    public void Warn(IEnumerable<string> warnings)
    {
        lock (_gate)
            foreach (var w in warnings) _channel.Warning(MessageSensitivity.None, w);
    }

    public void Dispose() => _channel.Dispose();
}
