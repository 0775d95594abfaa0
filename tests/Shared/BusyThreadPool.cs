using System.Diagnostics;
using System.Runtime.ExceptionServices;

namespace TwoTower.TestSupport;

/// <summary>Times a call made from an app's own thread (outside the pool) while every thread-pool thread is kept spinning.</summary>
internal static class BusyThreadPool
{
    /// <summary>
    /// The milliseconds <paramref name="call"/> took on a new thread while the pool was busy; an exception it threw (a failed
    /// assertion included) is rethrown here, where the test reports it, not left unhandled on that thread.
    /// </summary>
    public static double Milliseconds(Action call, TimeSpan timeout, string what)
    {
        using var stop = new ManualResetEventSlim();
        // Every pool thread spins, and more items wait behind them than the pool has threads.
        var busy = ThreadPool.ThreadCount + Environment.ProcessorCount + 4;
        for (var i = 0; i < busy; i++) ThreadPool.UnsafeQueueUserWorkItem(_ => { while (!stop.IsSet) Thread.SpinWait(1000); }, null);
        double milliseconds = 0;
        ExceptionDispatchInfo? failure = null;
        var caller = new Thread(() =>
        {
            var watch = Stopwatch.StartNew();
            try { call(); }
            catch (Exception e) { failure = ExceptionDispatchInfo.Capture(e); }
            milliseconds = watch.Elapsed.TotalMilliseconds;
        });
        try
        {
            caller.Start();
            Assert.IsTrue(caller.Join(timeout), $"{what} never ended");
        }
        finally { stop.Set(); }
        failure?.Throw();
        return milliseconds;
    }
}
