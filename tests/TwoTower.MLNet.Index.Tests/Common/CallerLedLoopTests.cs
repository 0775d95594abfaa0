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
}
