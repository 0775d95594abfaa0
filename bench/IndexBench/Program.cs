// Recall@10 / QPS plot (ScottPlot 5, PNG) of ANN benchmark runs.
// usage: dotnet run -c Release -- OUT.png "TITLE" LABEL=FILE [LABEL=FILE ...]
//    or: dotnet run -c Release -- mmap …   (full vs memory-mapped index loading, see MmapBench.cs)
//    or: dotnet run -c Release -- ivfip …  (IVF recall/QPS against nProbe on non-unit inner-product data, see IvfIpBench.cs)
//    or: dotnet run -c Release -- filter … (Flat search speed under allow-lists, see FilterBench.cs)
//   FILE is either the output of `twotower index bench --json` (the JSON object on its last line; qps_batch is plotted)
//   or a whitespace table whose rows are "param recall qps" (lines starting with '#' or a non-number are skipped).
using System.Globalization;
using System.Text.Json;
using ScottPlot;

if (args.Length > 0 && args[0] == "mmap") return IndexBench.MmapBench.Run(args[1..]);
if (args.Length > 0 && args[0] == "ivfip") return IndexBench.IvfIpBench.Run(args[1..]);
if (args.Length > 0 && args[0] == "filter") return IndexBench.FilterBench.Run(args[1..]);

if (args.Length < 3)
{
    Console.Error.WriteLine("usage: IndexBench OUT.png TITLE LABEL=FILE [LABEL=FILE ...]");
    return 2;
}

var plot = new Plot();
plot.Title(args[1]);
plot.XLabel("recall@10");
plot.YLabel("queries per second (batched, 1 thread, log scale)");
plot.Axes.SetLimitsX(0.84, 1.003);
var palette = new ScottPlot.Palettes.Category10();
var i = 0;
foreach (var spec in args.Skip(2))
{
    var split = spec.LastIndexOf('='); // labels may hold '=' (compiler flags), paths here do not
    if (split <= 0) { Console.Error.WriteLine($"series '{spec}': expected LABEL=FILE"); return 2; }
    var (label, file) = (spec[..split], spec[(split + 1)..]);
    if (!File.Exists(file)) { Console.Error.WriteLine($"series '{label}': file '{file}' not found"); return 2; }
    var points = ReadSeries(file);
    if (points.Count == 0) { Console.Error.WriteLine($"series '{label}': no points in '{file}'"); return 2; }
    var xs = points.Select(p => p.Recall).ToArray();
    // Log-scale by plotting log10(QPS) with tick labels in QPS.
    var ys = points.Select(p => Math.Log10(p.Qps)).ToArray();
    var scatter = plot.Add.Scatter(xs, ys);
    scatter.LegendText = label;
    scatter.Color = palette.GetColor(i++);
    scatter.LineWidth = 2;
    scatter.MarkerSize = 7;
}
var ticks = new ScottPlot.TickGenerators.NumericManual();
foreach (var qps in new[] { 100, 200, 500, 1000, 2000, 5000, 10000, 20000, 50000 })
    ticks.AddMajor(Math.Log10(qps), qps >= 1000 ? $"{qps / 1000}k" : qps.ToString(CultureInfo.InvariantCulture));
plot.Axes.Left.TickGenerator = ticks;
plot.ShowLegend(Alignment.LowerLeft);
plot.SavePng(args[0], 900, 600);
Console.WriteLine($"wrote {args[0]}");
return 0;

static List<(double Recall, double Qps)> ReadSeries(string file)
{
    var lines = File.ReadAllLines(file);
    var last = lines.LastOrDefault(l => l.TrimStart().StartsWith('{'));
    var result = new List<(double, double)>();
    if (last is not null)
    {
        using var json = JsonDocument.Parse(last);
        foreach (var p in json.RootElement.GetProperty("points").EnumerateArray())
            result.Add((p.GetProperty("recall").GetDouble(), p.GetProperty("qps_batch").GetDouble()));
        return result;
    }
    foreach (var line in lines)
    {
        var cols = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        if (cols.Length < 3 || line.TrimStart().StartsWith('#')) continue;
        if (double.TryParse(cols[1], NumberStyles.Float, CultureInfo.InvariantCulture, out var r)
            && double.TryParse(cols[2], NumberStyles.Float, CultureInfo.InvariantCulture, out var q) && r <= 1 && q > 0)
            result.Add((r, q));
    }
    return result;
}
