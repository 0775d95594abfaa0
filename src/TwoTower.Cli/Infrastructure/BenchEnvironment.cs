using System.Globalization;
using System.Text.Json.Nodes;
using TwoTower.MLNet.Index.Benchmarking;

namespace TwoTower.Cli.Infrastructure;

/// <summary>The run's environment (<see cref="RunEnvironment"/>: date, commit, CPU, threads) in a benchmark command's JSON (DESIGN §7).</summary>
internal static class BenchEnvironment
{
    /// <summary>Adds date, commit, cpu, cores, threads and dotnet to a benchmark's JSON result.</summary>
    public static JsonObject AddTo(JsonObject json, int threads)
    {
        json["date"] = DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
        json["commit"] = RunEnvironment.Commit;
        json["cpu"] = RunEnvironment.Cpu;
        json["cores"] = Environment.ProcessorCount;
        json["threads"] = threads;
        json["dotnet"] = Environment.Version.ToString();
        return json;
    }
}
