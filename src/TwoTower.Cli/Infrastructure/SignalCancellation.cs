using System.Runtime.InteropServices;

namespace TwoTower.Cli.Infrastructure;

/// <summary>
/// Graceful stop of a long command on SIGINT (Ctrl+C) or SIGTERM (what Kubernetes and job runners send before killing):
/// while <see cref="Run{T}"/> runs its work, the first signal cancels the work's token instead of ending the process, so
/// the work stops at its next check and its writers delete their temporaries; the command then ends with
/// <see cref="CommandCancelledException"/> (exit code 130 or 143). The first signal also gives both signals back to the
/// runtime, so a second one ends the process at once. Outside <see cref="Run{T}"/> no handler is registered: in-process
/// runs (the tests) leave none behind, and short steps keep the default, immediate end.
/// </summary>
internal sealed class SignalCancellation : IDisposable
{
    private readonly CancellationTokenSource _source = new();
    private readonly Lock _gate = new();
    private readonly List<PosixSignalRegistration> _registrations = [];
    private int? _exitCode;
    private bool _disposed;

    private SignalCancellation()
    {
        _registrations.Add(PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal));
        _registrations.Add(PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal));
    }

    /// <summary>
    /// Runs <paramref name="work"/> with a token that the first SIGINT or SIGTERM cancels. If the work then stops by
    /// cancellation, throws <see cref="CommandCancelledException"/> with <paramref name="cancelled"/>'s message.
    /// </summary>
    public static T Run<T>(Func<CancellationToken, T> work, Func<string> cancelled)
    {
        using var signals = new SignalCancellation();
        try
        {
            return work(signals.Token);
        }
        catch (Exception ex) when (IsCancellation(ex) && signals.ExitCode is { } code)
        {
            throw new CommandCancelledException(cancelled(), code);
        }
    }

    private CancellationToken Token => _source.Token;

    // 128 + the signal's number, as shells report a process ended by it: 130 for SIGINT, 143 for SIGTERM.
    private int? ExitCode
    {
        get
        {
            lock (_gate) return _exitCode;
        }
    }

    private void OnSignal(PosixSignalContext context)
    {
        lock (_gate)
        {
            // A signal delivered as the work ends keeps the default handling: the work is no longer there to stop.
            if (_disposed || _exitCode is not null) return;
            // Without this the runtime ends the process as soon as the handlers return.
            context.Cancel = true;
            _exitCode = context.Signal == PosixSignal.SIGINT ? 130 : 143;
            Unregister();
            _source.Cancel();
        }
    }

    // Parallel loops whose bodies check the token report it wrapped.
    private static bool IsCancellation(Exception ex) => ex is OperationCanceledException
        || ex is AggregateException a && a.Flatten().InnerExceptions.All(e => e is OperationCanceledException);

    private void Unregister()
    {
        foreach (var r in _registrations) r.Dispose();
        _registrations.Clear();
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
            Unregister();
            _source.Dispose();
        }
    }
}
