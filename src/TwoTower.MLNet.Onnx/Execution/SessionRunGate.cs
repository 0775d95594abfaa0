namespace TwoTower.MLNet.Onnx.Execution;

/// <summary>
/// One Run at a time on a session that keeps its input and output slots in fields, and a Dispose that waits for that Run: a
/// second thread's call would swap its tensors into the running one, and releasing the native session under a running call
/// crashed the process.
/// </summary>
internal sealed class SessionRunGate
{
    private readonly Lock _lock = new(); // guards the two flags below
    private bool _disposed;
    private bool _running; // a Run is using the shared input and output slots and the native session

    /// <summary>Whether Dispose was called (a Run in progress may still be finishing).</summary>
    public bool IsDisposed => _disposed;

    /// <summary>Marks a Run as started.</summary>
    /// <exception cref="ObjectDisposedException">The session was disposed.</exception>
    /// <exception cref="InvalidOperationException">Another thread's Run on this session is in progress.</exception>
    public void Enter(object session)
    {
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, session);
            if (_running)
                throw new InvalidOperationException($"{session.GetType().Name}.Run was called while another Run on this session was in progress: " +
                    "a session is not thread-safe; use one per thread (or a pool).");
            _running = true;
        }
    }

    /// <summary>Marks the Run as ended; returns whether a Dispose came during it, so that the caller releases the native session now.</summary>
    public bool Exit()
    {
        lock (_lock)
        {
            _running = false;
            return _disposed;
        }
    }

    /// <summary>Marks the session disposed; returns whether the caller releases the native session now (first call, no Run in progress).</summary>
    public bool Dispose()
    {
        lock (_lock)
        {
            if (_disposed) return false;
            _disposed = true;
            return !_running;
        }
    }
}
