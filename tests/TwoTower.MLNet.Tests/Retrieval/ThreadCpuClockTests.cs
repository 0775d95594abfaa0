using System.Diagnostics;
using TwoTower.MLNet.Retrieval.Benchmarking;

namespace TwoTower.MLNet.Tests.Retrieval;

[TestClass]
public sealed class ThreadCpuClockTests
{
    [TestMethod]
    public void NowNanoseconds_BusyThread_AdvancesNoFasterThanWallClock()
    {
        Assert.AreEqual(OperatingSystem.IsLinux(), ThreadCpuClock.IsSupported);
        if (!ThreadCpuClock.IsSupported) return;
        var wall = Stopwatch.StartNew();
        var c0 = ThreadCpuClock.NowNanoseconds();
        var x = 0.0;
        while (ThreadCpuClock.NowNanoseconds() - c0 < 5_000_000 && wall.Elapsed < TimeSpan.FromSeconds(20)) x += Math.Sqrt(x + 1);
        var cpu = ThreadCpuClock.NowNanoseconds() - c0;
        Assert.IsGreaterThanOrEqualTo(5_000_000L, cpu, $"spun {x}");
        Assert.IsLessThanOrEqualTo(wall.Elapsed.Ticks * 100 + 1_000_000, cpu); // CPU time cannot outrun the wall clock (1 ms slack)
    }

    [TestMethod]
    public void LatencyStats_HandComputed_NearestRank()
    {
        var s = LatencyStats.From(Enumerable.Range(1, 100).Select(i => (double)i).ToArray());
        Assert.AreEqual(50.0, s.P50);
        Assert.AreEqual(95.0, s.P95);
        Assert.AreEqual(99.0, s.P99);
        Assert.AreEqual(100.0, s.Max);
        Assert.AreEqual(50.5, s.Mean);
        Assert.ThrowsExactly<ArgumentException>(() => LatencyStats.From(Array.Empty<double>()));
    }
}
