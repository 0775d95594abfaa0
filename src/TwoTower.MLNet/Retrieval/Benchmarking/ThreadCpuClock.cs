using System.Runtime.InteropServices;

namespace TwoTower.MLNet.Retrieval.Benchmarking;

/// <summary>
/// CPU time consumed by the calling thread (Linux CLOCK_THREAD_CPUTIME_ID), so a benchmark can separate the cost of
/// its code from time lost to preemption on a busy machine. Elsewhere <see cref="IsSupported"/> is false.
/// </summary>
public static partial class ThreadCpuClock
{
    private const int ClockThreadCpuTimeId = 3;

    /// <summary>Whether thread CPU time can be read on this platform.</summary>
    public static bool IsSupported { get; } = OperatingSystem.IsLinux() && Probe();

    /// <summary>The calling thread's CPU time in nanoseconds (0 when not supported).</summary>
    public static long NowNanoseconds()
    {
        if (!IsSupported) return 0;
        clock_gettime(ClockThreadCpuTimeId, out var ts);
        return ts.Seconds * 1_000_000_000L + ts.Nanoseconds;
    }

    private static bool Probe()
    {
        try
        {
            return clock_gettime(ClockThreadCpuTimeId, out _) == 0;
        }
        catch (DllNotFoundException)
        {
            return false;
        }
        catch (EntryPointNotFoundException)
        {
            return false;
        }
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [LibraryImport("libc", SetLastError = false)]
    private static partial int clock_gettime(int clockId, out TimeSpec time);
}
