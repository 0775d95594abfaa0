using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using Spectre.Console;
using TwoTower.Cli.Infrastructure;
using TwoTower.MLNet.Index;
using TwoTower.MLNet.Index.Benchmarking;

namespace TwoTower.Cli.Commands;

/// <summary>`twotower index bench`: recall@k and speed of one index spec on an ANN benchmark set (base, queries, ground truth).</summary>
internal static class IndexBenchCommand
{
    /// <summary>efSearch values swept when an HNSW spec gets no --ef.</summary>
    public static readonly int[] DefaultEf = [16, 24, 32, 48, 64, 96, 128];

    /// <summary>nProbe values swept when an IVF spec gets no --nprobe.</summary>
    public static readonly int[] DefaultNProbe = [1, 2, 4, 8, 16, 32, 64];

    /// <summary>`index bench`: measure one index spec on a benchmark set of files.</summary>
    public static Command CreateBench(CliConsole console)
    {
        var basePath = new Option<string>("--base") { Description = "Base vectors: .npy float32 (n × d) or .fvecs. Their ids are the row numbers 0 … n−1.", Required = true };
        var queriesPath = new Option<string>("--queries") { Description = "Query vectors: .npy float32 (nq × d) or .fvecs.", Required = true };
        var gtPath = new Option<string>("--gt") { Description = "Ground truth: .npy int64/int32 (nq × ≥k base row numbers, best first) or .ivecs.", Required = true };
        var spec = new Option<string>("--index") { Description = $"Index factory spec: {IndexFactory.ValidForms}.", Required = true };
        var ef = new Option<string?>("--ef") { Description = $"HNSW: efSearch values, e.g. 16,32,64 (default {string.Join(',', DefaultEf)})." };
        var nprobe = new Option<string?>("--nprobe") { Description = $"IVF: nProbe values, e.g. 1,8,32 (default {string.Join(',', DefaultNProbe)})." };
        var threads = new Option<int>("--threads") { Description = "Search threads (1 or more; the build always uses all cores).", DefaultValueFactory = _ => 1 };
        var metric = IndexMetricArgument.Create();
        var k = new Option<int>("--k") { Description = "Recall@k cut-off.", DefaultValueFactory = _ => 10 };
        var repeats = new Option<int>("--repeats") { Description = "Batch searches per point; the fastest counts (shared cores only ever slow a run down).", DefaultValueFactory = _ => 3 };
        var json = new Option<bool>("--json") { Description = "Print one JSON object {index, build_seconds, bytes_per_vector, points} as the last line." };
        var cmd = new Command("bench", "Build an index from a factory spec and measure recall@k, batch and one-query-per-call QPS, build time and bytes per vector.");
        foreach (var o in new Option[] { basePath, queriesPath, gtPath, spec, ef, nprobe, threads, metric, k, repeats, json }) cmd.Options.Add(o);
        cmd.SetAction(r =>
        {
            console.Json = r.GetValue(json);
            var specText = r.GetValue(spec)!;
            var kind = IndexBenchSettings.KindOf(specText);
            var values = IndexBenchSettings.SweepValues(kind, specText, r.GetValue(ef), r.GetValue(nprobe));
            var threadCount = r.GetValue(threads);
            if (threadCount < 1) throw new UserInputException($"--threads {threadCount}: expected 1 or more search threads.");
            var kValue = r.GetValue(k);
            if (kValue < 1) throw new UserInputException($"--k {kValue}: expected a positive cut-off, e.g. 10.");
            var repeatCount = r.GetValue(repeats);
            if (repeatCount < 1) throw new UserInputException($"--repeats {repeatCount}: expected 1 or more batch searches per point.");
            var vectorMetric = IndexMetricArgument.Parse(r.GetValue(metric));

            var data = AnnBenchmarkFiles.Load(r.GetValue(basePath)!, r.GetValue(queriesPath)!, r.GetValue(gtPath)!, kValue);
            values = IndexBenchSettings.FitSweep(specText, data.Dimension, vectorMetric, values, given: r.GetValue(nprobe) is not null);
            console.Info($"{specText}: base {data.BaseRows} × {data.Dimension}, {data.QueryRows} queries, ground truth {data.GroundTruthWidth} per query, metric {r.GetValue(metric)}, search threads {threadCount}");
            // Ctrl+C or SIGTERM stops the build or the sweep at its next check, as in index build; the table is printed only at the end.
            var result = SignalCancellation.Run(cancellation =>
            {
                // A line as the work starts (as index build): a build of a million vectors says nothing for minutes otherwise.
                console.Log($"index bench: building {specText} of {data.BaseRows} × {data.Dimension} vectors");
                return IndexBenchSettings.Run(specText, () => AnnBenchmark.Run(specText, data.Base, data.Queries, data.Dimension, data.GroundTruth, data.GroundTruthWidth, values, threadCount,
                    vectorMetric, kValue, repeatCount, cancellation));
            }, () => "twotower index bench: cancelled; nothing was measured");
            Report(console, specText, kind, kValue, result, null, threadCount);
            return 0;
        });
        return cmd;
    }

    /// <summary>The recall/QPS table and, with --json, the JSON object of one benchmark run (<paramref name="extra"/> fields first).</summary>
    public static void Report(CliConsole console, string specText, IndexKind kind, int kValue, AnnBenchmarkResult result, JsonObject? extra, int threads)
    {
        console.Info(MLNet.Index.Benchmarking.RunEnvironment.Line(threads));
        var param = kind switch { IndexKind.Hnsw => "ef", IndexKind.Ivf => "nprobe", _ => null };
        var table = new Table().Title(Markup.Escape($"{specText} · build {result.BuildSeconds:0.00} s · {result.BytesPerVector:0} B/vector"));
        if (param is not null) table.AddColumn(param);
        table.AddColumn(new TableColumn($"recall@{kValue}").RightAligned()).AddColumn(new TableColumn("QPS batch").RightAligned()).AddColumn(new TableColumn("QPS single").RightAligned());
        foreach (var p in result.Points)
        {
            var cells = new List<string>();
            if (param is not null) cells.Add((p.Ef ?? p.NProbe)!.Value.ToString(CultureInfo.InvariantCulture));
            cells.Add(Formatting.F4(p.Recall));
            cells.Add(p.QpsBatch.ToString("0", CultureInfo.InvariantCulture));
            cells.Add(p.QpsSingle.ToString("0", CultureInfo.InvariantCulture));
            table.AddRow(cells.ToArray());
        }
        console.Write(table);
        if (console.Json)
        {
            var points = new JsonArray();
            foreach (var p in result.Points)
            {
                var o = new JsonObject();
                if (p.Ef is { } e) o["ef"] = e;
                if (p.NProbe is { } np) o["nprobe"] = np;
                o["recall"] = Math.Round(p.Recall, 6);
                o["qps_batch"] = Math.Round(p.QpsBatch, 1);
                o["qps_single"] = Math.Round(p.QpsSingle, 1);
                points.Add(o);
            }
            var obj = extra ?? new JsonObject();
            obj["index"] = specText;
            obj["build_seconds"] = Math.Round(result.BuildSeconds, 3);
            obj["bytes_per_vector"] = Math.Round(result.BytesPerVector, 1);
            obj["points"] = points;
            console.WriteJson(BenchEnvironment.AddTo(obj, threads));
        }
    }
}
