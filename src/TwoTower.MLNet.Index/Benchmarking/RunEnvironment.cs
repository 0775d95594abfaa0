using System.Globalization;
using System.Reflection;

namespace TwoTower.MLNet.Index.Benchmarking;

/// <summary>
/// What every benchmark prints beside its figures: the date, the commit of the code, the CPU and cores, the threads and
/// the .NET version, so that a figure can be traced to the code and hardware that produced it.
/// </summary>
public static class RunEnvironment
{
    /// <summary>
    /// The commit this library was built from, short form ("abc1234"): the .NET SDK writes the checkout's commit into
    /// the informational version ("1.0.0+&lt;sha&gt;"); "unknown" for a build outside a git checkout.
    /// </summary>
    public static string Commit
    {
        get
        {
            // This assembly, built from the same checkout as the program (the entry assembly may be a test host).
            var version = typeof(RunEnvironment).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion;
            var plus = version?.IndexOf('+') ?? -1;
            if (plus < 0 || plus + 1 >= version!.Length) return "unknown";
            var sha = version[(plus + 1)..];
            return sha.Length > 7 ? sha[..7] : sha;
        }
    }

    /// <summary>The CPU model (from /proc/cpuinfo on Linux), else the process architecture.</summary>
    public static string Cpu
    {
        get
        {
            try
            {
                if (File.Exists("/proc/cpuinfo"))
                    foreach (var line in File.ReadLines("/proc/cpuinfo"))
                        if (line.StartsWith("model name", StringComparison.Ordinal) && line.IndexOf(':') is var c and > 0)
                            return line[(c + 1)..].Trim();
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // Not readable: the architecture below.
            }
            return System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture.ToString();
        }
    }

    /// <summary>One line, e.g. "2026-12-07 07:40Z · commit abc1234 · AMD EPYC, 2 cores · 1 thread · .NET 10.0.0".</summary>
    /// <param name="threads">The threads the measured work used.</param>
    public static string Line(int threads) =>
        string.Create(CultureInfo.InvariantCulture,
            $"{DateTime.UtcNow:yyyy-MM-dd HH:mm}Z · commit {Commit} · {Cpu}, {Environment.ProcessorCount} cores · {threads} thread{(threads == 1 ? "" : "s")} · .NET {Environment.Version}");
}
