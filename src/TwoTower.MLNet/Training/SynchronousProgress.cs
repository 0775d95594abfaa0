namespace TwoTower.MLNet.Training;

/// <summary>
/// An <see cref="IProgress{T}"/> that calls back on the reporting thread, in order, one report at a time.
/// <see cref="Progress{T}"/> posts to the synchronisation context (the thread pool in console apps and notebooks), so
/// its reports can arrive late and out of order: a per-epoch curve collected through it may miss the last epochs.
/// </summary>
/// <typeparam name="T">The report type, e.g. <see cref="TrainingProgress"/>.</typeparam>
public sealed class SynchronousProgress<T> : IProgress<T>
{
    private readonly Action<T> _report;
    private readonly object _gate = new();

    /// <summary>Creates a progress sink that runs <paramref name="report"/> for every report.</summary>
    public SynchronousProgress(Action<T> report) => _report = report ?? throw new ArgumentNullException(nameof(report));

    /// <inheritdoc />
    public void Report(T value)
    {
        // Reports from parallel workers are serialised so the callback needs no locking of its own.
        lock (_gate) _report(value);
    }
}
