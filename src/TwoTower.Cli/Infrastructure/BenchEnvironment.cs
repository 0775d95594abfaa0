using System.Globalization;
using System.Reflection;
using System.Text.Json.Nodes;

namespace TwoTower.Cli.Infrastructure;

/// <summary>
/// What every benchmark prints beside its figures (DESIGN §7): the machine (CPU model and cores), the thread count, the date
/// and the commit the binary was built from, so a figure can be traced to the code and hardware that produced it.
/// </summary>
internal static class BenchEnvironment
{
    /// <summary>
    /// The commit of this build, short form ("abc1234"): the .NET SDK puts the checkout's commit into the informational version
    /// ("1.0.0+&lt;sha&gt;"); "unknown" when it was built outside a git checkout.
    /// </summary>
    public static string Commit
    {
        get
        {
            var version = typeof(BenchEnvironment).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion;
            var plus = version?.IndexOf('+') ?? -1;
            if (plus < 0 || plus + 1 >= version!.Length) return "unknown";
            var sha = version[(plus + 1)..];
            return sha.Length > 7 ? sha[..7] : sha;
        }
    }

    /// <summary>The CPU model from /proc/cpuinfo (Linux), else the architecture.</summary>
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
            catch (IOException)
            {
                // Not readable: fall back to the architecture.
            }
            catch (UnauthorizedAccessException)
            {
                // Not readable: fall back to the architecture.
            }
            return System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture.ToString();
        }
    }

    /// <summary>One line for a table's caption or the log: "2026-12-07 07:40Z · commit abc1234 · CPU, 2 cores · 1 thread · .NET 10.0.0".</summary>
    public static string Line(int threads) =>
        string.Create(CultureInfo.InvariantCulture, $"{DateTime.UtcNow:yyyy-MM-dd HH:mm}Z · commit {Commit} · {Cpu}, {Environment.ProcessorCount} cores · {Threads(threads)} · .NET {Environment.Version}");

    /// <summary>Adds the same as keys of a benchmark's JSON result (date, commit, cpu, cores, threads, dotnet).</summary>
    public static JsonObject AddTo(JsonObject json, int threads)
    {
        json["date"] = DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
        json["commit"] = Commit;
        json["cpu"] = Cpu;
        json["cores"] = Environment.ProcessorCount;
        json["threads"] = threads;
        json["dotnet"] = Environment.Version.ToString();
        return json;
    }

    private static string Threads(int threads) => threads == 1 ? "1 thread" : $"{threads} threads";
}
