using System.Globalization;

namespace TwoTower.MLNet.Training;

/// <summary>One progress report of a trainer: the CLI shows it as a progress bar, notebooks plot it.</summary>
/// <param name="Stage">What is running (e.g. "epoch", "iteration").</param>
/// <param name="Step">1-based step just finished.</param>
/// <param name="TotalSteps">Planned number of steps.</param>
/// <param name="Loss">Training loss of the step, when the model has one.</param>
/// <param name="Metrics">Validation metrics after the step (names as in the evaluation module).</param>
/// <param name="ExamplesPerSecond">Throughput of the step: training examples per second, or the <see cref="RateUnit"/> per second.</param>
/// <param name="Seconds">Wall time of the step.</param>
public sealed record TrainingProgress(
    string Stage,
    int Step,
    int TotalSteps,
    double? Loss = null,
    IReadOnlyDictionary<string, double>? Metrics = null,
    double? ExamplesPerSecond = null,
    double? Seconds = null)
{
    /// <summary>1-based member of an ensemble whose steps these are (each member runs its own epochs); 0 outside an ensemble.</summary>
    public int Member { get; init; }

    /// <summary>Members of the ensemble (<see cref="Member"/>'s count); 0 outside an ensemble.</summary>
    public int Members { get; init; }

    /// <summary>What <see cref="ExamplesPerSecond"/> counts, shown as "N {unit}/s" (default "examples"; batch scoring counts "users").</summary>
    public string RateUnit { get; init; } = "examples";

    /// <summary>Where the run is, e.g. "epoch 3/14", or "epoch 3/14 of member 2/3" in an ensemble.</summary>
    public string Position => Members > 1 ? $"{Stage} {Step}/{TotalSteps} of member {Member}/{Members}" : $"{Stage} {Step}/{TotalSteps}";

    /// <summary>The report's figures, e.g. "loss 5.1235, NDCG@10 0.0612, 95,000 examples/s, 0.80 s" (empty when it has none).</summary>
    public string Figures()
    {
        var parts = new List<string>();
        if (Loss is { } loss) parts.Add(string.Create(CultureInfo.InvariantCulture, $"loss {loss:G5}"));
        if (Metrics is { } metrics)
            foreach (var (name, v) in metrics) parts.Add(string.Create(CultureInfo.InvariantCulture, $"{name} {v:F4}"));
        if (ExamplesPerSecond is { } rate) parts.Add(string.Create(CultureInfo.InvariantCulture, $"{rate:N0} {RateUnit}/s"));
        if (Seconds is { } s) parts.Add(string.Create(CultureInfo.InvariantCulture, $"{s:F2} s"));
        return string.Join(", ", parts);
    }

    /// <summary>One line, e.g. "epoch 3/14: loss 5.1235, NDCG@10 0.0612, 95,000 examples/s, 0.80 s".</summary>
    public override string ToString() => Figures() is { Length: > 0 } figures ? $"{Position}: {figures}" : Position;
}
