using TwoTower.MLNet.Training;
using System.CommandLine;
using System.Text.Json.Nodes;
using Spectre.Console;
using TwoTower.Cli.Infrastructure;
using TwoTower.MLNet;
using TwoTower.MLNet.Data;
using TwoTower.MLNet.Retrieval.Benchmarking;
using TwoTower.MLNet.Retrieval.Engine;
using TwoTower.Serving.Benchmarking;
using TwoTower.Serving.Hosting;

namespace TwoTower.Cli.Commands;

/// <summary>
/// `twotower bench latency`: end-to-end recommend latency in process on a synthetic catalogue scaled from ML-100K,
/// and optionally a bounded open-loop HTTP load test against the service on 127.0.0.1.
/// </summary>
internal static class LatencyBenchCommand
{
    public static Command Create(CliConsole console, string name = "latency")
    {
        var data = new Option<string?>("--data") { Description = "ML-100K folder (default: located as for quickstart)." };
        var items = new Option<int>("--items") { Description = "Catalogue size (synthetic items scaled from ML-100K).", DefaultValueFactory = _ => 100_000 };
        var factors = new Option<int>("--factors") { Description = "Vector dimension of the iALS model.", DefaultValueFactory = _ => 64 };
        var queries = new Option<int>("--queries") { Description = "Measured requests in process.", DefaultValueFactory = _ => 5000 };
        var k = new Option<int>("--k") { Description = "Items per request.", DefaultValueFactory = _ => 10 };
        var index = new Option<string>("--index") { Description = "Index spec.", DefaultValueFactory = _ => "HNSW16" };
        var ef = new Option<int>("--ef") { Description = "HNSW efSearch.", DefaultValueFactory = _ => 64 };
        var http = new Option<bool>("--http") { Description = "Also run the HTTP load test against the service on 127.0.0.1." };
        var rate = new Option<int>("--rate") { Description = "HTTP requests per second.", DefaultValueFactory = _ => 500 };
        var seconds = new Option<double>("--seconds") { Description = "HTTP load duration in seconds (at most 600).", DefaultValueFactory = _ => 30 };
        var seed = new Option<int>("--seed") { Description = "Seed of the catalogue and of the request users.", DefaultValueFactory = _ => 1 };
        var json = new Option<bool>("--json") { Description = "Print one JSON object as the last line." };
        var cmd = new Command(name, "Recommend latency (p50/p95/p99) in process at a large synthetic catalogue, and optionally over HTTP.");
        foreach (var o in new Option[] { data, items, factors, queries, k, index, ef, http, rate, seconds, seed, json }) cmd.Options.Add(o);
        cmd.SetAction(r =>
        {
            console.Json = r.GetValue(json);
            if (r.GetValue(queries) < 1) throw new UserInputException($"--queries {r.GetValue(queries)}: must be ≥ 1.");
            if (r.GetValue(k) < 1) throw new UserInputException($"--k {r.GetValue(k)}: must be ≥ 1.");
            if (r.GetValue(ef) < 1) throw new UserInputException($"--ef {r.GetValue(ef)}: must be ≥ 1.");
            if (r.GetValue(factors) < 1) throw new UserInputException($"--factors {r.GetValue(factors)}: must be ≥ 1.");
            if (r.GetValue(rate) < 1) throw new UserInputException($"--rate {r.GetValue(rate)}: must be ≥ 1.");
            if (!(r.GetValue(seconds) > 0) || r.GetValue(seconds) > 600) throw new UserInputException($"--seconds {r.GetValue(seconds)}: must be in (0, 600].");
            // Without --http nothing reads them: the run went on as if the setting had been used.
            if (!r.GetValue(http))
                foreach (var (option, value) in new (Option Option, object? Value)[] { (rate, r.GetValue(rate)), (seconds, r.GetValue(seconds)) })
                    if (r.GetResult(option) is { Implicit: false })
                        throw new UserInputException($"{option.Name} {value}: it sets the HTTP load test, which runs only with --http; add --http or leave it out.");
            IndexBenchSettings.KindOf(r.GetValue(index)!); // a bad spec fails now, not after the catalogue is built
            var dir = new MovieLensLocator().Locate(r.GetValue(data), allowDownload: true, new SynchronousProgress<string>(console.Log));
            var dataset = DatasetLoader.Load(dir);
            if (r.GetValue(items) < 1) throw new UserInputException($"--items {r.GetValue(items)}: must be ≥ 1.");
            var buildClock = System.Diagnostics.Stopwatch.StartNew();
            SyntheticCatalogue catalogue;
            try
            {
                catalogue = SyntheticCatalogue.Build(dataset, r.GetValue(items), r.GetValue(factors), r.GetValue(seed));
            }
            catch (ArgumentOutOfRangeException ex) when (ex.ParamName == "itemCount")
            {
                throw new UserInputException($"--items: {ex.MessageWithoutParameter()}");
            }
            using var engine = RetrievalEngine.Create(catalogue.Model, catalogue.Items, catalogue.Users,
                new RetrievalEngineOptions { IndexSpec = r.GetValue(index)!, EfSearch = r.GetValue(ef) }, catalogue.ItemNeighbours);
            console.Log($"Catalogue of {engine.Catalog.LiveCount} items × {r.GetValue(factors)} built and indexed ({r.GetValue(index)}) in {buildClock.Elapsed.TotalSeconds:0.0} s.");
            var result = LatencyBenchmark.Run(engine, r.GetValue(queries), r.GetValue(k), warmup: Math.Min(1000, r.GetValue(queries)), seed: r.GetValue(seed));
            var table = new Table().Title(Markup.Escape($"recommend latency, {engine.Catalog.LiveCount} items, 1 thread (ms)"))
                .AddColumn("stage").AddColumn(new TableColumn("p50").RightAligned()).AddColumn(new TableColumn("p95").RightAligned()).AddColumn(new TableColumn("p99").RightAligned()).AddColumn(new TableColumn("max").RightAligned());
            void Row(string stage, LatencyStats s) => table.AddRow(stage, s.P50.ToString("0.000"), s.P95.ToString("0.000"), s.P99.ToString("0.000"), s.Max.ToString("0.000"));
            Row("user vector", result.UserVector);
            Row("ANN search", result.Ann);
            Row("total (sources, merge, rules)", result.Total);
            Row("total with filter + diversity", result.Filtered);
            if (result.TotalCpu is { } cpu) Row("total, thread CPU time", cpu);
            JsonObject? httpJson = null;
            if (r.GetValue(http))
            {
                var app = ServingApp.Build(engine, new ServingOptions());
                app.Urls.Add("http://127.0.0.1:0");
                app.StartAsync().GetAwaiter().GetResult();
                try
                {
                    var users = engine.Model.Users;
                    var rng = new Random(r.GetValue(seed));
                    var bodies = Enumerable.Range(0, 4096).Select(_ => $"{{\"userId\":\"{users.GetRawId(rng.Next(users.Count))}\",\"k\":{r.GetValue(k)}}}").ToArray();
                    var load = HttpLoadTest.RunAsync(ServingApp.ListeningAddress(app), "/recommend", i => bodies[(i & int.MaxValue) % bodies.Length], r.GetValue(rate), r.GetValue(seconds)).GetAwaiter().GetResult();
                    table.AddRow($"HTTP at {r.GetValue(rate)}/s for {r.GetValue(seconds)} s ({load.Errors} errors, {load.Throughput:0} ok/s)",
                        load.Latency.P50.ToString("0.000"), load.Latency.P95.ToString("0.000"), load.Latency.P99.ToString("0.000"), load.Latency.Max.ToString("0.000"));
                    httpJson = new JsonObject
                    {
                        ["rate"] = r.GetValue(rate), ["seconds"] = r.GetValue(seconds), ["requests"] = load.Requests, ["errors"] = load.Errors,
                        ["throughput_rps"] = Math.Round(load.Throughput, 1), ["p50_ms"] = Round(load.Latency.P50), ["p95_ms"] = Round(load.Latency.P95),
                        ["p99_ms"] = Round(load.Latency.P99), ["max_ms"] = Round(load.Latency.Max),
                        ["cpu_ms_per_request"] = Round(load.CpuMsPerRequest),
                    };
                }
                finally
                {
                    app.StopAsync().GetAwaiter().GetResult();
                }
            }
            console.Info(MLNet.Index.Benchmarking.RunEnvironment.Line(1));
            console.Write(table);
            if (console.Json)
                console.WriteJson(BenchEnvironment.AddTo(new JsonObject
                {
                    ["items"] = engine.Catalog.LiveCount, ["dimension"] = r.GetValue(factors), ["index"] = r.GetValue(index), ["ef_search"] = r.GetValue(ef),
                    ["queries"] = r.GetValue(queries), ["k"] = r.GetValue(k), ["threads"] = 1,
                    ["p50_ms"] = Round(result.Total.P50), ["p95_ms"] = Round(result.Total.P95), ["p99_ms"] = Round(result.Total.P99), ["max_ms"] = Round(result.Total.Max),
                    ["user_vector"] = Stage(result.UserVector), ["ann"] = Stage(result.Ann), ["filtered_total"] = Stage(result.Filtered),
                    ["total_cpu"] = result.TotalCpu is { } c ? Stage(c) : null,
                    ["http"] = httpJson,
                }, 1));
            return 0;
        });
        return cmd;
    }

    private static double Round(double v) => Math.Round(v, 4);

    private static JsonObject Stage(LatencyStats s) => new() { ["p50_ms"] = Round(s.P50), ["p95_ms"] = Round(s.P95), ["p99_ms"] = Round(s.P99) };
}
