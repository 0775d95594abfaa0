// WarmStartBench: two-tower validation metric per epoch, cold (random id embeddings) against warm (iALS factors), on the
// -tune splits only. Writes a markdown table to stdout and a plot (PNG).
//   dotnet run -c Release --project bench/WarmStartBench -- [--epochs 12] [--plot bench/warmstart] [--data DIR]   (writes PREFIX-p2-tune.png, PREFIX-p1-tune.png)
using System.Globalization;
using TwoTower.MLNet.Data;
using TwoTower.MLNet.MatrixFactorization;
using TwoTower.MLNet.Training;
using TwoTower.MLNet.TwoTowerModel;

CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
var root = Arg("--data") ?? Environment.GetEnvironmentVariable("TWOTOWER_DATA") ?? Path.Combine("..", "shared", "datasets");
var epochs = int.Parse(Arg("--epochs") ?? "12", CultureInfo.InvariantCulture);
var plotPrefix = Arg("--plot") ?? Path.Combine("bench", "warmstart");
var items = MovieLens100K.LoadItems(Path.Combine(root, "ml-100k"));
Console.WriteLine($"# WarmStartBench {TwoTower.MLNet.Index.Benchmarking.RunEnvironment.Line(Environment.ProcessorCount)} · epochs {epochs} · load {File.ReadAllText("/proc/loadavg").Trim()}");

var curves = new List<(string Split, string Metric, string Label, double[] Values)>();
Console.WriteLine("| split | start | metric | " + string.Join(" | ", Enumerable.Range(1, epochs).Select(e => $"ep {e}")) + " | best (epoch) |");
Console.WriteLine("|---|---|---|" + string.Concat(Enumerable.Repeat("---|", epochs)) + "---|");
foreach (var (split, metric) in new[] { ("p2-tune", "NDCG@10"), ("p1-tune", "top_100") })
{
    var train = CsvInteractions.Load(Path.Combine(root, "splits", "ml-100k", split, "train.csv"));
    var valid = CsvInteractions.Load(Path.Combine(root, "splits", "ml-100k", split, "valid.csv"));
    var data = TrainingData.Create(train, valid, items);
    var mf = (MatrixFactorizationModel)new ImplicitAlsTrainer(new ImplicitAlsOptions()).Fit(data);
    foreach (var warm in new[] { false, true })
    {
        var o = new TwoTowerTrainerOptions { Epochs = epochs, EarlyStoppingPatience = epochs, ValidationMetric = metric, ComputeQualityReport = false };
        // User factors only: with the default towers items are embedded from their features, and item factors would
        // switch on an item id embedding that the cold run does not have (a different model, not another start).
        if (warm) WarmStart.UseFactors(o, mf, data, items: false);
        var values = new List<double>();
        var progress = new SynchronousProgress<TrainingProgress>(p => { if (p.Metrics is { } m && m.TryGetValue(metric, out var v)) values.Add(v); });
        new TwoTowerTrainer(o).Train(data, progress);
        var label = $"{split} {(warm ? "warm (iALS)" : "cold")}";
        curves.Add((split, metric, label, values.ToArray()));
        var best = values.Count == 0 ? -1 : values.IndexOf(values.Max());
        Console.WriteLine($"| {split} | {(warm ? "iALS warm start" : "random")} | {metric} | {string.Join(" | ", values.Select(v => v.ToString("F4")))} | {(best < 0 ? "-" : $"{values[best]:F4} ({best + 1})")} |");
    }
}

// One plot per split: the two metrics live on different scales.
foreach (var group in curves.GroupBy(c => (c.Split, c.Metric)))
{
    var plt = new ScottPlot.Plot();
    foreach (var (_, _, label, values) in group)
    {
        var line = plt.Add.Scatter(Enumerable.Range(1, values.Length).Select(x => (double)x).ToArray(), values);
        line.LegendText = label;
    }
    plt.XLabel("epoch");
    plt.YLabel($"validation {group.Key.Metric}");
    plt.Title($"Two-tower on {group.Key.Split}: random init vs iALS warm start");
    plt.ShowLegend();
    var path = $"{plotPrefix}-{group.Key.Split}.png";
    plt.SavePng(path, 800, 450);
    Console.WriteLine($"plot: {path}");
}

string? Arg(string name)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
}
