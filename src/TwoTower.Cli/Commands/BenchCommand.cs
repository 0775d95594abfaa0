using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using Spectre.Console;
using TwoTower.Cli.Infrastructure;
using TwoTower.MLNet.Data;
using TwoTower.MLNet.Training;
using TwoTower.MLNet.TwoTowerModel;

namespace TwoTower.Cli.Commands;

/// <summary>`twotower bench`: the toolkit's own benchmarks, one subcommand each (`bench train`, …).</summary>
internal static class BenchCommand
{
    /// <summary>Rows kept by `bench train --quick` (a smoke run of a few seconds).</summary>
    internal const int QuickRows = 8192;

    public static Command Create(CliConsole console)
    {
        var cmd = new Command("bench", "Benchmarks: `bench train` (two-tower training throughput on the PyTorch peer's configuration), `bench ann` (an index spec's " +
            "recall and speed on seeded clustered vectors) and `bench latency` (recommend latency in process and over HTTP).");
        cmd.Subcommands.Add(CreateTrain(console));
        cmd.Subcommands.Add(AnnBenchCommand.Create(console));
        cmd.Subcommands.Add(LatencyBenchCommand.Create(console));
        return cmd;
    }

    /// <summary>`bench train`: examples/s of two-tower training with the peer's model, batch and optimiser.</summary>
    private static Command CreateTrain(CliConsole console)
    {
        var data = new DataArguments();
        // Five: the first epoch runs on warm-up code and the second on partly tiered code, so three epochs made the median a warm-up figure.
        var epochs = new Option<int>("--epochs") { Description = "Epochs to time; the figure is the median epoch (the first two include JIT warm-up).", DefaultValueFactory = _ => 5 };
        var threads = new Option<int>("--threads") { Description = "Threads (0 = all cores).", DefaultValueFactory = _ => 0 };
        var batch = new Option<int>("--batch-size") { Description = "Mini-batch size (the peer's is 1024).", DefaultValueFactory = _ => 1024 };
        var seed = new Option<int>("--seed") { Description = "Random seed.", DefaultValueFactory = _ => 1 };
        var quick = new Option<bool>("--quick") { Description = $"Smoke run: one epoch on the first {QuickRows} training rows." };
        var json = new Option<bool>("--json") { Description = "Print one JSON object (examples_per_s, epochs, threads, batch, …) as the last line." };
        var cmd = new Command("train",
            "Two-tower training throughput on the PyTorch peer's configuration (../shared/peers/twotower_torch.py: batch 1024, id embeddings 64, " +
            "MLP 256-128-128, L2-normalised outputs, Adam, in-batch softmax with logQ, title and genre features). Default data: the p1 training split " +
            "next to the located ML-100K folder (../shared/datasets/splits/ml-100k/p1/train.csv), else all of ML-100K; --train needs --items.");
        data.AddTo(cmd, valid: false, test: false, users: false);
        foreach (var o in new Option[] { epochs, threads, batch, seed, quick, json }) cmd.Options.Add(o);
        cmd.SetAction(r =>
        {
            console.Json = r.GetValue(json);
            var isQuick = r.GetValue(quick);
            var epochCount = isQuick ? 1 : r.GetValue(epochs);
            if (epochCount < 1) throw new UserInputException($"--epochs {epochCount}: expected ≥ 1.");
            if (r.GetValue(batch) < 1) throw new UserInputException($"--batch-size {r.GetValue(batch)}: expected ≥ 1.");
            if (r.GetValue(threads) < 0) throw new UserInputException($"--threads {r.GetValue(threads)}: expected ≥ 0 (0 = all cores).");
            var options = TrainingThroughputBenchmark.PeerConfiguration(epochCount, r.GetValue(threads), r.GetValue(seed));
            options.BatchSize = r.GetValue(batch);
            // Before the data is read (--batch-size 1 failed after it, naming the engine's BatchSize): the error names the flag.
            EngineOptionErrors.Attributed(options.Validate, property => property == nameof(options.BatchSize) ? new ArgumentSource($"--batch-size {options.BatchSize}", NamesTheProperty: false) : null);
            var (log, items, source) = LoadData(data, r, console);
            if (isQuick && log.Count > QuickRows) log = log.Subset(Enumerable.Range(0, QuickRows), $"{log.Source} (first {QuickRows} rows)");
            var td = TrainingData.Create(log, null, items, null);
            var result = console.WithProgress("bench train", p => TrainingThroughputBenchmark.Run(td, options, p));

            var table = new Table().AddColumn("").AddColumn(new TableColumn("").RightAligned());
            table.AddRow("examples/s (median epoch)", result.ExamplesPerSecond.ToString("0", CultureInfo.InvariantCulture));
            table.AddRow("examples per CPU-second (median epoch)", result.ExamplesPerCpuSecond.ToString("0", CultureInfo.InvariantCulture));
            table.AddRow("per epoch", string.Join(", ", result.EpochExamplesPerSecond.Select(x => x.ToString("0", CultureInfo.InvariantCulture))));
            table.AddRow("examples per epoch", result.Examples.ToString(CultureInfo.InvariantCulture));
            table.AddRow("epochs · threads · batch", $"{result.Epochs} · {result.Threads} · {result.BatchSize}");
            table.AddRow("data", Markup.Escape(source));
            table.AddRow("total seconds", result.TotalSeconds.ToString("0.00", CultureInfo.InvariantCulture));
            console.Info(MLNet.Index.Benchmarking.RunEnvironment.Line(result.Threads));
            console.Write(table);
            if (console.Json)
                console.WriteJson(BenchEnvironment.AddTo(new JsonObject
                {
                    ["benchmark"] = "train",
                    ["examples_per_s"] = Math.Round(result.ExamplesPerSecond, 1),
                    ["examples_per_cpu_s"] = Math.Round(result.ExamplesPerCpuSecond, 1),
                    ["load_average"] = LoadAverage(),
                    ["epoch_examples_per_s"] = new JsonArray(result.EpochExamplesPerSecond.Select(x => (JsonNode)Math.Round(x, 1)).ToArray()),
                    ["examples"] = result.Examples,
                    ["epochs"] = result.Epochs,
                    ["threads"] = result.Threads,
                    ["batch"] = result.BatchSize,
                    ["quick"] = isQuick,
                    ["data"] = source,
                    ["total_seconds"] = Math.Round(result.TotalSeconds, 3),
                }, result.Threads));
            return 0;
        });
        return cmd;
    }

    // Other jobs on the machine change wall-clock rates: the 1-minute load average goes with every figure.
    private static double? LoadAverage()
    {
        try
        {
            var text = File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg") : null;
            return text is not null && double.TryParse(text.Split(' ')[0], NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : null;
        }
        catch (IOException)
        {
            return null;
        }
    }

    // --train/--data when given; else the peer's p1 training rows beside the located ML-100K folder, else all of ML-100K.
    private static (InteractionLog Log, ItemMetadata? Items, string Source) LoadData(DataArguments data, ParseResult r, CliConsole console)
    {
        if (r.GetValue(data.Train) is not null || r.GetValue(data.Data) is not null)
        {
            var (log, ds) = data.LoadTrain(r, console);
            // Without titles and genres the item tower would be ids only: not the peer's model, whatever the figure says.
            var given = data.LoadItems(r, console, ds)
                ?? throw new UserInputException($"--items: {log.Source} has no item metadata, and the peer's item tower reads titles and genres: give --items (e.g. ../shared/datasets/ml-100k).");
            return (log, given, log.Source);
        }
        var dir = new MovieLensLocator().Locate(r.GetValue(data.Items), allowDownload: true, new SynchronousProgress<string>(console.Log));
        var items = r.GetValue(data.Items) is not null ? data.LoadItems(r, console) : MovieLens100K.LoadItems(dir);
        var p1 = Path.GetFullPath(Path.Combine(dir, "..", "splits", "ml-100k", "p1", "train.csv"));
        if (File.Exists(p1)) return (data.LoadLog(p1, r, console, "p1 train"), items, p1);
        console.Log($"bench train: no p1 split at {p1}; timing on all of ML-100K instead.");
        var all = MovieLens100K.Load(dir).Interactions;
        return (all, items, Path.Combine(dir, "u.data"));
    }
}
