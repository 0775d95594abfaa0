namespace TwoTower.MLNet.Training;

/// <summary>One progress report of a trainer: the CLI shows it as a progress bar, notebooks plot it.</summary>
/// <param name="Stage">What is running (e.g. "epoch", "iteration").</param>
/// <param name="Step">1-based step just finished.</param>
/// <param name="TotalSteps">Planned number of steps.</param>
/// <param name="Loss">Training loss of the step, when the model has one.</param>
/// <param name="Metrics">Validation metrics after the step (names as in the evaluation module).</param>
/// <param name="ExamplesPerSecond">Training throughput of the step.</param>
/// <param name="Seconds">Wall time of the step.</param>
public sealed record TrainingProgress(
    string Stage,
    int Step,
    int TotalSteps,
    double? Loss = null,
    IReadOnlyDictionary<string, double>? Metrics = null,
    double? ExamplesPerSecond = null,
    double? Seconds = null);
