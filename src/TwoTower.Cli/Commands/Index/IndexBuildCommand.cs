using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using TwoTower.Cli.Infrastructure;
using TwoTower.MLNet;
using TwoTower.MLNet.Index;
using TwoTower.MLNet.Models;
using TwoTower.MLNet.Persistence;

namespace TwoTower.Cli.Commands;

/// <summary>`twotower index build`: an index file (.ttvx) from a model's item vectors or from a vector file.</summary>
internal static class IndexBuildCommand
{
    public static Command Create(CliConsole console)
    {
        var model = new Option<string?>("--model") { Description = "A vector model (twotower, ials, mf, factors): its item vectors are indexed, with the model's item keys as ids (`index search --model` maps them back to raw ids)." };
        var vectors = new Option<string?>("--vectors") { Description = "Or a vector file: .npy float32 (n × d) or .fvecs." };
        var ids = new Option<string?>("--ids") { Description = "With --vectors: a text file of one integer id per row (default: the row numbers 0 … n−1)." };
        var spec = new Option<string>("--index") { Description = $"Index factory spec: {IndexFactory.ValidForms}.", DefaultValueFactory = _ => "HNSW16" };
        var metric = IndexMetricArgument.Create();
        var output = new Option<string>("--out") { Description = "Index file to write (atomically), e.g. items.ttvx.", Required = true };
        var json = new Option<bool>("--json") { Description = "Print one JSON object {index, metric, vectors, dimension, build_seconds, bytes, out} as the last line." };
        var cmd = new Command("build", "Build a vector index (IVF specs are trained on the vectors first) and save it; `index search` loads it.");
        foreach (var o in new Option[] { model, vectors, ids, spec, metric, output, json }) cmd.Options.Add(o);
        cmd.SetAction(r =>
        {
            console.Json = r.GetValue(json);
            var specText = r.GetValue(spec)!;
            IndexBenchSettings.KindOf(specText); // the spec's syntax, before any file is read
            var path = OutputPaths.File(r.GetValue(output), "--out", "items.ttvx", ("--model", r.GetValue(model)), ("--vectors", r.GetValue(vectors)), ("--ids", r.GetValue(ids)));
            var (values, rows, dimension, rowIds, source) = (r.GetValue(model), r.GetValue(vectors)) switch
            {
                ({ } m, null) => FromModel(m, r.GetValue(ids)),
                (null, { } v) => FromFile(v, r.GetValue(ids)),
                (null, null) => throw new UserInputException("Nothing to index: pass --model model.zip or --vectors FILE."),
                _ => throw new UserInputException("--model and --vectors are two sources of vectors; pass one."),
            };
            var vectorMetric = IndexMetricArgument.Parse(r.GetValue(metric));
            IndexBenchSettings.CheckFits(specText, dimension, vectorMetric);
            var clock = Stopwatch.StartNew();
            using var index = IndexFactory.Create(specText, dimension, vectorMetric);
            var replacing = File.Exists(path);
            // Ctrl+C or SIGTERM stops the build or the save at its next check; the save writes to a temporary file renamed at the end.
            var buildSeconds = SignalCancellation.Run(cancellation =>
            {
                // A line as the work starts (train's epochs do the same): a build of a million vectors says nothing for minutes otherwise.
                console.Log($"index build: {specText} of {rows} × {dimension} vectors");
                try
                {
                    index.Train(values, cancellation);
                    index.Add(rowIds, values, cancellation);
                }
                catch (ArgumentException ex)
                {
                    throw new UserInputException($"--index {specText}: {ex.MessageWithoutParameter()}");
                }
                var seconds = clock.Elapsed.TotalSeconds;
                index.Save(path, cancellation);
                return seconds;
            }, () => "twotower index build: cancelled; no index was written" + (replacing ? $" ({path} keeps its previous index)" : ""));
            var bytes = new FileInfo(path).Length;
            console.Info($"{specText} ({r.GetValue(metric)}) of {rows} × {dimension} vectors from {source}: built in {buildSeconds:0.00} s, {bytes / (double)rows:0} B/vector, saved to {path}");
            if (console.Json)
                console.WriteJson(new JsonObject
                {
                    ["index"] = specText, ["metric"] = r.GetValue(metric), ["vectors"] = rows, ["dimension"] = dimension,
                    ["build_seconds"] = Math.Round(buildSeconds, 3), ["bytes"] = bytes, ["out"] = path,
                });
            return 0;
        });
        return cmd;
    }

    private static (float[] Values, int Rows, int Dimension, long[] Ids, string Source) FromModel(string modelPath, string? ids)
    {
        if (ids is not null) throw new UserInputException("--ids goes with --vectors; a model's items are indexed by their keys.");
        var embedding = LoadEmbeddingModel(modelPath);
        var keys = new long[embedding.Items.Count];
        for (var i = 0; i < keys.Length; i++) keys[i] = i;
        return (embedding.ItemVectors.ToArray(), keys.Length, embedding.Dimension, keys, $"{embedding.ModelType} model {modelPath}");
    }

    private static (float[] Values, int Rows, int Dimension, long[] Ids, string Source) FromFile(string vectorsPath, string? idsPath)
    {
        var (values, rows, dimension) = AnnBenchmarkFiles.ReadVectors("--vectors", vectorsPath);
        var rowIds = new long[rows];
        if (idsPath is null)
        {
            for (var i = 0; i < rows; i++) rowIds[i] = i;
        }
        else
        {
            InputFiles.Require(idsPath, "--ids", "a file (one integer id per row)");
            // Blank lines are skipped, but errors name the line of the file (numbering the non-blank lines pointed elsewhere).
            var lines = File.ReadAllLines(idsPath).Select((text, i) => (Text: text.Trim(), Number: i + 1)).Where(l => l.Text.Length > 0).ToArray();
            if (lines.Length != rows) throw new UserInputException($"--ids '{idsPath}' has {lines.Length} ids for {rows} vectors; expected one per row.");
            var seen = new HashSet<long>();
            for (var i = 0; i < rows; i++)
            {
                var (text, number) = lines[i];
                if (!long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out rowIds[i]))
                    throw new UserInputException($"--ids '{idsPath}' line {number}: '{text}' is not an integer id.");
                // Checked here: the index refused it as an --index error naming neither the file nor the line.
                if (rowIds[i] < 0) throw new UserInputException($"--ids '{idsPath}' line {number}: id {rowIds[i]} is negative; ids must be ≥ 0.");
                if (!seen.Add(rowIds[i])) throw new UserInputException($"--ids '{idsPath}' line {number}: id {rowIds[i]} appears twice.");
            }
        }
        return (values, rows, dimension, rowIds, vectorsPath);
    }

    /// <summary>
    /// A model file whose users and items have vectors; other kinds are a usage error naming --model, worded for
    /// <c>index build</c> (its item vectors) or, with <paramref name="forSearch"/>, <c>index search</c> (its user vectors).
    /// </summary>
    internal static IEmbeddingRecommender LoadEmbeddingModel(string modelPath, bool forSearch = false)
    {
        var model = ModelArgument.Load(modelPath, "--model").Model;
        if (model is IEmbeddingRecommender embedding) return embedding;
        throw new UserInputException(forSearch
            ? $"--model '{modelPath}' is a {model.ModelType} model, without user vectors: search with the vector model the index was built from (twotower, ials, mf, factors)."
            : $"--model '{modelPath}' has no item vectors; index a vector model (twotower, ials, mf, factors).");
    }
}
