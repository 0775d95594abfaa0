using System.Collections.Concurrent;
using TwoTower.MLNet.Index.Common;

namespace TwoTower.MLNet.Index.Tests.Common;

[TestClass]
public sealed class CallerLedLoopTests
{
    [TestMethod]
    [DataRow(1)]
    [DataRow(2)]
    [DataRow(8)]
    public void Run_SharedCounter_EveryItemDoneOnce(int threads)
    {
        var done = new int[10_000];
        int next = -1;
        CallerLedLoop.Run(threads, () =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < done.Length) Interlocked.Increment(ref done[i]);
        });
        Assert.IsTrue(done.All(c => c == 1), $"items done other than once: {done.Count(c => c != 1)}");
    }

    [TestMethod]
    [DataRow(0, 4)]
    [DataRow(1, 4)]
    [DataRow(7, 1)]
    [DataRow(1000, 3)]
    public void For_EveryIndexCalledOnce(int count, int threads)
    {
        var calls = new int[count];
        CallerLedLoop.For(count, threads, i => Interlocked.Increment(ref calls[i]));
        Assert.IsTrue(calls.All(c => c == 1), $"indexes called other than once: {calls.Count(c => c != 1)}");
    }

    [TestMethod]
    [DataRow(0, 4)]
    [DataRow(1, 4)]
    [DataRow(1000, 3)]
    public void For_WithScratch_EveryIndexCalledOnce_ScratchOwnedByOneRun(int count, int threads)
    {
        var calls = new int[count];
        var made = 0;
        CallerLedLoop.For(count, threads, () =>
        {
            Interlocked.Increment(ref made);
            return new int[1];
        }, (i, scratch) =>
        {
            // A scratch shared by two runs at once would see another run's mark here.
            scratch[0] = i;
            Thread.SpinWait(10);
            Assert.AreEqual(i, scratch[0], "a scratch object was used by two runs at once");
            Interlocked.Increment(ref calls[i]);
        });
        Assert.IsTrue(calls.All(c => c == 1), $"indexes called other than once: {calls.Count(c => c != 1)}");
        // A run makes its scratch before its first item only: none for no items, at most one per run.
        Assert.IsLessThanOrEqualTo(Math.Min(count, threads), made);
        if (count > 0) Assert.IsGreaterThanOrEqualTo(1, made);
    }

    [TestMethod]
    public void Invoke_RunsBothActionsOnce()
    {
        int first = 0, second = 0;
        CallerLedLoop.Invoke(() => Interlocked.Increment(ref first), () => Interlocked.Increment(ref second));
        Assert.AreEqual((1, 1), (first, second));
    }

    [TestMethod]
    public void Invoke_AnActionThrows_ThatExceptionReachesTheCaller()
    {
        var ex = Assert.ThrowsExactly<InvalidOperationException>(() => CallerLedLoop.Invoke(
            () => { },
            () => throw new InvalidOperationException("second failed")));
        Assert.AreEqual("second failed", ex.Message);
    }

    [TestMethod]
    public void Run_ARunThrows_ThatExceptionReachesTheCallerAfterEveryStartedRunEnded()
    {
        int next = -1, running = 0;
        var ex = Assert.ThrowsExactly<InvalidOperationException>(() => CallerLedLoop.Run(2, () =>
        {
            Interlocked.Increment(ref running);
            try
            {
                int i;
                while ((i = Interlocked.Increment(ref next)) < 1000)
                {
                    if (i == 500) throw new InvalidOperationException("item 500 failed");
                    Thread.SpinWait(100);
                }
            }
            finally { Interlocked.Decrement(ref running); }
        }));
        Assert.AreEqual("item 500 failed", ex.Message);
        Assert.AreEqual(0, Volatile.Read(ref running), "a run outlived the call");
    }

    [TestMethod]
    public void Run_HelperRuns_SeeTheCallersAsyncLocals()
    {
        // Found by a review: Parallel.For, which this loop replaced, runs its work in the caller's ExecutionContext, so a search's
        // Filter that reads an AsyncLocal (a request's tenant, Activity.Current, the current culture) saw it on every thread; the
        // helpers were queued without the context and saw the defaults, on some threads of a search only.
        var local = new AsyncLocal<string?> { Value = "caller" };
        var seen = new ConcurrentQueue<string?>();
        int runs = 0;
        CallerLedLoop.Run(2, () =>
        {
            seen.Enqueue(local.Value);
            // The first run waits for the other, so that the helper's run is one of the two (the pool is idle here).
            if (Interlocked.Increment(ref runs) == 1) SpinWait.SpinUntil(() => Volatile.Read(ref runs) == 2, TimeSpan.FromSeconds(30));
        });
        Assert.HasCount(2, seen, "the helper never started");
        Assert.IsTrue(seen.All(v => v == "caller"), $"runs saw: {string.Join(", ", seen.Select(v => v ?? "null"))}");
    }
}
