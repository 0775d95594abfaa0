using TwoTower.MLNet.Training;

namespace TwoTower.MLNet.Tests.Training;

[TestClass]
public sealed class SynchronousProgressTests
{
    [TestMethod]
    public void Report_RunsOnTheReportingThreadBeforeReturning()
    {
        var seen = new List<(int Value, int Thread)>();
        IProgress<int> progress = new SynchronousProgress<int>(v => seen.Add((v, Environment.CurrentManagedThreadId)));
        for (var i = 0; i < 5; i++)
        {
            progress.Report(i);
            Assert.HasCount(i + 1, seen, "the callback ran before Report returned");
        }
        CollectionAssert.AreEqual(new[] { 0, 1, 2, 3, 4 }, seen.Select(s => s.Value).ToArray());
        Assert.IsTrue(seen.All(s => s.Thread == Environment.CurrentManagedThreadId));
    }

    [TestMethod]
    public void Report_FromParallelWorkers_NeverOverlaps()
    {
        var inside = 0;
        var overlaps = 0;
        var count = 0;
        var progress = new SynchronousProgress<int>(_ =>
        {
            if (Interlocked.Increment(ref inside) > 1) Interlocked.Increment(ref overlaps);
            Thread.SpinWait(200);
            count++; // unsynchronised on purpose: the sink serialises callers
            Interlocked.Decrement(ref inside);
        });
        Parallel.For(0, 2000, new ParallelOptions { MaxDegreeOfParallelism = 4 }, i => progress.Report(i));
        Assert.AreEqual(0, overlaps);
        Assert.AreEqual(2000, count);
    }

    [TestMethod]
    public void Constructor_NullCallback_Throws()
    {
        var ex = Assert.ThrowsExactly<ArgumentNullException>(() => new SynchronousProgress<int>(null!));
        Assert.AreEqual("report", ex.ParamName);
    }
}
