using System.Runtime.ExceptionServices;

namespace TwoTower.MLNet.Index.Common;

/// <summary>
/// Runs a work loop that takes its items from a shared counter on the calling thread and on up to threads − 1 thread-pool
/// helpers, and waits only for the helpers that started. Parallel.For waits for every replica it queued: called from a thread
/// outside the pool while searches kept the pool busy, a compaction of 30 vectors (0.5 ms of work) waited 2 s for the pool to
/// add a thread. Here a helper that starts after the caller ran out of items finds nothing to do and leaves.
/// </summary>
internal static class CallerLedLoop
{
    /// <summary>
    /// Runs <paramref name="work"/> on this thread and on up to <paramref name="threads"/> − 1 helpers; returns when this thread's
    /// run and every started helper's run ended. <paramref name="work"/> must take its items from a counter it shares across runs
    /// and return when none are left, so that any number of runs, one included, does all of them. Helpers run in the caller's
    /// ExecutionContext (its AsyncLocal values and culture), as Parallel.For's did.
    /// </summary>
    /// <exception cref="Exception">The first exception a run threw, rethrown with its stack after every started run ended.</exception>
    public static void Run(int threads, Action work)
    {
        if (threads <= 1)
        {
            work();
            return;
        }
        var gate = new Gate(work);
        // With the caller's ExecutionContext, as Parallel.For ran them: a search's Filter may read an AsyncLocal (a request's tenant).
        for (int t = 1; t < threads; t++) ThreadPool.QueueUserWorkItem(static g => g.Help(), gate, preferLocal: false);
        try { work(); }
        catch (Exception e) { gate.Record(e); }
        gate.Close();
    }

    /// <summary>
    /// Calls <paramref name="body"/>(i) for every i in [0, <paramref name="count"/>) on this thread and on up to
    /// <paramref name="threads"/> − 1 helpers (as <see cref="Run"/>), in the place of Parallel.For; on this thread alone when
    /// one thread or one item leaves nothing to share.
    /// </summary>
    /// <exception cref="Exception">The first exception a call threw, rethrown with its stack after every started run ended.</exception>
    public static void For(int count, int threads, Action<int> body)
    {
        if (threads <= 1 || count <= 1)
        {
            for (var i = 0; i < count; i++) body(i);
            return;
        }
        var next = -1;
        Run(Math.Min(threads, count), () =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < count) body(i);
        });
    }

    /// <summary>
    /// As <see cref="For(int, int, Action{int})"/>, with a scratch object per run in the place of Parallel.For's thread-local
    /// state: a run makes it with <paramref name="scratch"/> before its first item (a helper that finds no items makes none) and
    /// hands it to each of its calls of <paramref name="body"/>(i, scratch).
    /// </summary>
    /// <exception cref="Exception">The first exception a call threw, rethrown with its stack after every started run ended.</exception>
    public static void For<TScratch>(int count, int threads, Func<TScratch> scratch, Action<int, TScratch> body)
    {
        var next = -1;
        Run(Math.Min(threads, count), () =>
        {
            var made = false;
            TScratch own = default!;
            int i;
            while ((i = Interlocked.Increment(ref next)) < count)
            {
                if (!made) (own, made) = (scratch(), true);
                body(i, own);
            }
        });
    }

    /// <summary>
    /// Runs <paramref name="first"/> and <paramref name="second"/>, on this thread and one helper (as <see cref="Run"/>), in the
    /// place of Parallel.Invoke: both on this thread, one after the other, when the helper has not started by then.
    /// </summary>
    /// <exception cref="Exception">
    /// The first exception an action threw, rethrown with its stack after every started action ended (the other action may not
    /// have run: Parallel.Invoke ran it, then threw an AggregateException).
    /// </exception>
    public static void Invoke(Action first, Action second) => For(2, 2, i => (i == 0 ? first : second)());

    private sealed class Gate(Action work)
    {
        // An object, not a Lock: Monitor.Wait and PulseAll need its monitor.
        private readonly object _lock = new();
        private int _running;
        private bool _closed;
        private ExceptionDispatchInfo? _failure;

        public void Help()
        {
            lock (_lock)
            {
                // The caller finished and stopped waiting: its items are all taken, and it must not be outlived.
                if (_closed) return;
                _running++;
            }
            try { work(); }
            catch (Exception e) { Record(e); }
            finally
            {
                lock (_lock)
                {
                    _running--;
                    if (_running == 0) Monitor.PulseAll(_lock);
                }
            }
        }

        public void Record(Exception e)
        {
            lock (_lock) _failure ??= ExceptionDispatchInfo.Capture(e);
        }

        public void Close()
        {
            lock (_lock)
            {
                _closed = true;
                while (_running > 0) Monitor.Wait(_lock);
            }
            _failure?.Throw();
        }
    }
}
