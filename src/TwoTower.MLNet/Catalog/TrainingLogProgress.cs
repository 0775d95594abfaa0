using System.Globalization;
using System.Text;
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
        lock (_gate) _channel.Info(MessageSensitivity.None, Format(value));
        _inner?.Report(value);
    }

    /// <summary>Writes each warning to the log as a Warning message (data or model signs that the fit is of little use).</summary>
    public void Warn(IEnumerable<string> warnings)
    {
        lock (_gate)
            foreach (var w in warnings) _channel.Warning(MessageSensitivity.None, w);
    }

    /// <summary>One line, e.g. "epoch 3/14: loss 5.1234, NDCG@10 0.0612, 95,000 examples/s, 0.80 s".</summary>
    internal static string Format(TrainingProgress p)
    {
        var line = new StringBuilder(string.Create(CultureInfo.InvariantCulture, $"{p.Stage} {p.Step}/{p.TotalSteps}"));
        var parts = new List<string>();
        if (p.Loss is { } loss) parts.Add(string.Create(CultureInfo.InvariantCulture, $"loss {loss:G5}"));
        if (p.Metrics is { } metrics)
            foreach (var (name, v) in metrics) parts.Add(string.Create(CultureInfo.InvariantCulture, $"{name} {v:F4}"));
        if (p.ExamplesPerSecond is { } rate) parts.Add(string.Create(CultureInfo.InvariantCulture, $"{rate:N0} examples/s"));
        if (p.Seconds is { } s) parts.Add(string.Create(CultureInfo.InvariantCulture, $"{s:F2} s"));
        if (parts.Count > 0) line.Append(": ").AppendJoin(", ", parts);
        return line.ToString();
    }

    public void Dispose() => _channel.Dispose();
}
