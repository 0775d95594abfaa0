using System.CommandLine;
using System.Text.Json.Nodes;
using TwoTower.Cli.Infrastructure;
using TwoTower.MLNet.Index.Benchmarking;

namespace TwoTower.Cli.Commands;

/// <summary>`twotower bench ann`: recall and speed of an index spec on seeded clustered vectors, no files needed.</summary>
internal static class AnnBenchCommand
{
    public static Command Create(CliConsole console)
    {
        var n = new Option<int>("--n") { Description = "Base vectors.", DefaultValueFactory = _ => 20_000 };
        var d = new Option<int>("--d") { Description = "Dimension.", DefaultValueFactory = _ => 64 };
        var queries = new Option<int>("--queries") { Description = "Query vectors (drawn around the same centres).", DefaultValueFactory = _ => 1_000 };
        var clusters = new Option<int>("--clusters") { Description = "Gaussian clusters the vectors are drawn around.", DefaultValueFactory = _ => 100 };
        var seed = new Option<int>("--seed") { Description = "Random seed of the data.", DefaultValueFactory = _ => 1 };
        var spec = new Option<string>("--index") { Description = "Index factory spec, e.g. HNSW16, HNSW32,efC200, IVF256,Flat, IVF256,PQ16,Refine, Flat.", DefaultValueFactory = _ => "HNSW16" };
        var ef = new Option<string?>("--ef") { Description = $"HNSW: efSearch values (default {string.Join(',', IndexBenchCommand.DefaultEf)})." };
        var nprobe = new Option<string?>("--nprobe") { Description = $"IVF: nProbe values (default {string.Join(',', IndexBenchCommand.DefaultNProbe)})." };
        var threads = new Option<int>("--threads") { Description = "Search threads.", DefaultValueFactory = _ => 1 };
        var metric = IndexMetricArgument.Create();
        var k = new Option<int>("--k") { Description = "Recall@k cut-off.", DefaultValueFactory = _ => 10 };
        var repeats = new Option<int>("--repeats") { Description = "Batch searches per point; the fastest counts.", DefaultValueFactory = _ => 3 };
        var json = new Option<bool>("--json") { Description = "Print one JSON object {n, d, queries, index, build_seconds, bytes_per_vector, points} as the last line." };
        var cmd = new Command("ann", "ANN index benchmark on seeded clustered vectors with exact ground truth (no files; `index bench` takes your own base/queries/ground truth).");
        foreach (var o in new Option[] { n, d, queries, clusters, seed, spec, ef, nprobe, threads, metric, k, repeats, json }) cmd.Options.Add(o);
        cmd.SetAction(r =>
        {
            console.Json = r.GetValue(json);
            foreach (var (option, min) in new[] { (n, 1), (d, 1), (queries, 1), (clusters, 1), (threads, 1), (k, 1), (repeats, 1) })
                if (r.GetValue(option) < min) throw new UserInputException($"{option.Name} {r.GetValue(option)}: must be ≥ {min}.");
            if (r.GetValue(k) > r.GetValue(n)) throw new UserInputException($"--k {r.GetValue(k)}: at most --n ({r.GetValue(n)}) neighbours exist.");
            if ((long)r.GetValue(n) * r.GetValue(d) > Array.MaxLength) throw new UserInputException($"--n × --d = {(long)r.GetValue(n) * r.GetValue(d)} values do not fit in memory as one array.");
            var specText = r.GetValue(spec)!;
            var kind = IndexBenchSettings.KindOf(specText);
            var values = IndexBenchSettings.SweepValues(kind, specText, r.GetValue(ef), r.GetValue(nprobe));
            var vectorMetric = IndexMetricArgument.Parse(r.GetValue(metric));
            values = IndexBenchSettings.FitSweep(specText, r.GetValue(d), vectorMetric, values, given: r.GetValue(nprobe) is not null);
            // Ctrl+C or SIGTERM stops the data, the ground truth, the build or the sweep at its next check, as in index build.
            var result = SignalCancellation.Run(cancellation =>
            {
                console.Log($"{r.GetValue(n)} × {r.GetValue(d)} base vectors and {r.GetValue(queries)} queries around {r.GetValue(clusters)} centres (seed {r.GetValue(seed)}); exact ground truth by brute force …");
                var baseVectors = SyntheticVectors.Clustered(r.GetValue(n), r.GetValue(d), r.GetValue(clusters), r.GetValue(seed), stream: 0, cancellationToken: cancellation);
                var queryVectors = SyntheticVectors.Clustered(r.GetValue(queries), r.GetValue(d), r.GetValue(clusters), r.GetValue(seed), stream: 1, cancellationToken: cancellation);
                var truth = SyntheticVectors.ExactNeighbours(baseVectors, queryVectors, r.GetValue(d), r.GetValue(k), vectorMetric, cancellationToken: cancellation);
                return IndexBenchSettings.Run(specText, () => AnnBenchmark.Run(specText, baseVectors, queryVectors, r.GetValue(d), truth, r.GetValue(k), values, r.GetValue(threads), vectorMetric,
                    r.GetValue(k), r.GetValue(repeats), cancellation));
            }, () => "twotower bench ann: cancelled; nothing was measured");
            IndexBenchCommand.Report(console, specText, kind, r.GetValue(k), result,
                new JsonObject { ["n"] = r.GetValue(n), ["d"] = r.GetValue(d), ["queries"] = r.GetValue(queries), ["clusters"] = r.GetValue(clusters), ["metric"] = r.GetValue(metric) }, r.GetValue(threads));
            return 0;
        });
        return cmd;
    }
}
