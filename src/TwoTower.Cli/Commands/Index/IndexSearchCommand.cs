using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Spectre.Console;
using TwoTower.Cli.Infrastructure;
using TwoTower.MLNet.Index;
using TwoTower.MLNet.Index.Hnsw;
using TwoTower.MLNet.Index.Ivf;
using TwoTower.MLNet.Index.Persistence;
using TwoTower.MLNet.Models;
using TwoTower.MLNet.Persistence;

namespace TwoTower.Cli.Commands;

/// <summary>`twotower index search`: the top-k ids of query vectors, or of a model's users, in a saved index.</summary>
internal static class IndexSearchCommand
{
    // More results than this are summarised on screen; --out or --json carry them all.
    private const int ShownQueries = 10;

    public static Command Create(CliConsole console)
    {
        var indexPath = new Option<string>("--index") { Description = "Index file written by `index build` (or IVectorIndex.Save).", Required = true };
        var queries = new Option<string?>("--queries") { Description = "Query vectors: .npy float32 (nq × d) or .fvecs." };
        var model = new Option<string?>("--model") { Description = "Or the model the index was built from: --user ids are embedded by it and the results are its raw item ids." };
        var users = new Option<string?>("--user") { Description = "With --model: raw user id(s), comma-separated." };
        var k = new Option<int>("--k") { Description = "Results per query.", DefaultValueFactory = _ => 10 };
        var ef = new Option<int?>("--ef") { Description = "HNSW: efSearch (default: the index's)." };
        var nprobe = new Option<int?>("--nprobe") { Description = "IVF: lists probed (default: the index's)." };
        var threads = new Option<int>("--threads") { Description = "Threads for a batch of queries.", DefaultValueFactory = _ => 1 };
        var mmap = new Option<bool>("--mmap") { Description = "Open the index memory-mapped (fast start for large indexes; pages load as searched)." };
        var output = new Option<string?>("--out") { Description = "Write every result to this CSV (query,rank,id,score), atomically." };
        var json = new Option<bool>("--json") { Description = "Print one JSON object {queries, k, seconds, results: [{query, items: [{id, score}]}]} as the last line." };
        var cmd = new Command("search", "Search a saved index: the top-k ids and scores of each query vector, or of users embedded by the index's model.");
        foreach (var o in new Option[] { indexPath, queries, model, users, k, ef, nprobe, threads, mmap, output, json }) cmd.Options.Add(o);
        cmd.SetAction(r =>
        {
            console.Json = r.GetValue(json);
            var kk = r.GetValue(k);
            if (kk < 1) throw new UserInputException($"--k {kk}: must be ≥ 1.");
            if (r.GetValue(threads) < 1) throw new UserInputException($"--threads {r.GetValue(threads)}: must be ≥ 1.");
            if (r.GetValue(ef) is < 1) throw new UserInputException($"--ef {r.GetValue(ef)}: must be ≥ 1.");
            if (r.GetValue(nprobe) is < 1) throw new UserInputException($"--nprobe {r.GetValue(nprobe)}: must be ≥ 1.");
            var outPath = r.GetValue(output) is { } o ? OutputPaths.File(o, "--out", "results.csv", ("--index", r.GetValue(indexPath)), ("--queries", r.GetValue(queries)), ("--model", r.GetValue(model))) : null;
            var path = r.GetValue(indexPath)!;
            InputFiles.Require(path, "--index", "a file written by `twotower index build`");
            using var index = LoadIndex(path, r.GetValue(mmap));
            CheckSearchParameters(index, path, r.GetValue(ef), r.GetValue(nprobe));

            var (vectors, labels, embedding) = (r.GetValue(queries), r.GetValue(model)) switch
            {
                ({ } q, null) => FromFile(q, index.Dimension, r.GetValue(users)),
                (null, { } m) => FromUsers(m, r.GetValue(users), index),
                (null, null) => throw new UserInputException("Nothing to search for: pass --queries FILE, or --model model.zip --user ID."),
                _ => throw new UserInputException("--queries and --model are two sources of queries; pass one."),
            };
            var clock = Stopwatch.StartNew();
            var results = index.Search(vectors, kk, new SearchOptions { Threads = r.GetValue(threads), EfSearch = r.GetValue(ef), NProbe = r.GetValue(nprobe) });
            var seconds = clock.Elapsed.TotalSeconds;
            // An index of other ids (a vector file's, another model's) would name wrong items: cast to int, id 2³² + 5 read as key 5.
            if (embedding is not null)
                foreach (var id in results.Ids)
                    if (id >= embedding.Items.Count)
                        throw new UserInputException($"--index '{path}' holds id {id}, which is not an item key of --model '{r.GetValue(model)}' (0 … {embedding.Items.Count - 1}): it was built from another model or file.");
            string Id(long id) => embedding is null ? id.ToString(CultureInfo.InvariantCulture) : embedding.Items.GetRawId((int)id);
            // Each query's hits best first, without the -1 padding of a short result: what the CSV, the table and the JSON show.
            IEnumerable<(int Rank, string Id, float Score)> Hits(int q)
            {
                for (var i = 0; i < results.K && results.Ids[q * results.K + i] >= 0; i++)
                    yield return (i + 1, Id(results.Ids[q * results.K + i]), results.Scores[q * results.K + i]);
            }

            if (outPath is not null)
                AtomicFile.Write(outPath, stream =>
                {
                    using var w = new StreamWriter(stream, new UTF8Encoding(false), 1 << 16, leaveOpen: true) { NewLine = "\n" };
                    w.WriteLine("query,rank,id,score");
                    for (var q = 0; q < results.QueryCount; q++)
                        foreach (var (rank, id, score) in Hits(q))
                            w.WriteLine($"{MLNet.Data.CsvLineParser.Quote(labels[q])},{rank},{MLNet.Data.CsvLineParser.Quote(id)},{score.ToString("R", CultureInfo.InvariantCulture)}");
                });
            var table = new Table().Title(Markup.Escape($"{index.Count} vectors × {index.Dimension} · {results.QueryCount} queries in {seconds * 1000:0.0} ms" +
                (results.QueryCount > ShownQueries ? $" · first {ShownQueries} shown" + (outPath is null ? " (--out FILE keeps all)" : $", all in {outPath}") : "")))
                .AddColumn("query").AddColumn(new TableColumn("rank").RightAligned()).AddColumn("id").AddColumn(new TableColumn("score").RightAligned());
            for (var q = 0; q < Math.Min(ShownQueries, results.QueryCount); q++)
                foreach (var (rank, id, score) in Hits(q))
                    table.AddRow(rank == 1 ? Markup.Escape(labels[q]) : "", rank.ToString(CultureInfo.InvariantCulture), Markup.Escape(id), Formatting.F4(score));
            console.Write(table);
            if (console.Json)
            {
                var all = new JsonArray();
                for (var q = 0; q < results.QueryCount; q++)
                    all.Add(new JsonObject
                    {
                        ["query"] = labels[q],
                        ["items"] = new JsonArray(Hits(q).Select(h => (JsonNode?)new JsonObject { ["id"] = h.Id, ["score"] = Math.Round(h.Score, 6) }).ToArray()),
                    });
                console.WriteJson(new JsonObject { ["queries"] = results.QueryCount, ["k"] = kk, ["seconds"] = Math.Round(seconds, 6), ["results"] = all });
            }
            return 0;
        });
        return cmd;
    }

    /// <summary>
    /// Refuses a search parameter the loaded index does not read (an index ignores the other kind's, so the results would
    /// silently be those of its default), and an --nprobe beyond an IVF index's lists, naming the option as `index bench` does.
    /// </summary>
    internal static void CheckSearchParameters(IVectorIndex index, string path, int? ef, int? nprobe)
    {
        var kind = index switch { HnswIndex => "an HNSW index", IvfIndex => "an IVF index", _ => "a Flat index" };
        if (ef is { } e && index is not HnswIndex)
            throw new UserInputException($"--ef {e} applies to HNSW indexes only; --index '{path}' is {kind}{(index is IvfIndex ? ", which takes --nprobe" : ", which has no search parameter")}.");
        if (nprobe is { } p)
        {
            if (index is not IvfIndex ivf)
                throw new UserInputException($"--nprobe {p} applies to IVF indexes only; --index '{path}' is {kind}{(index is HnswIndex ? ", which takes --ef" : ", which has no search parameter")}.");
            if (p > ivf.Options.Lists)
                throw new UserInputException($"--nprobe {p}: --index '{path}' has {ivf.Options.Lists} lists, so at most {ivf.Options.Lists} can be probed.");
        }
    }

    // A model file (.zip) is the usual mistake here: the loader's "not a TwoTower index file" did not say what to do with it.
    private static IVectorIndex LoadIndex(string path, bool mapped)
    {
        try
        {
            return VectorIndex.Load(path, mapped ? IndexLoadOptions.Mapped : IndexLoadOptions.Default);
        }
        catch (InvalidDataException) when (IsZip(path))
        {
            throw new UserInputException($"--index '{path}' is a model file, not an index: build an index from it with `twotower index build --model {path} --out items.ttvx` and search that (with --model {path} --user ID for its users).");
        }
    }

    private static bool IsZip(string path)
    {
        Span<byte> head = stackalloc byte[4];
        using var file = File.OpenRead(path);
        return file.ReadAtLeast(head, 4, throwOnEndOfStream: false) == 4 && head.SequenceEqual("PK\u0003\u0004"u8);
    }

    private static (float[] Vectors, string[] Labels, IEmbeddingRecommender? Model) FromFile(string path, int dimension, string? users)
    {
        if (users is not null) throw new UserInputException("--user goes with --model; --queries rows are searched as they are.");
        var (values, rows, columns) = AnnBenchmarkFiles.ReadVectors("--queries", path);
        if (columns != dimension) throw new UserInputException($"--queries '{path}' has dimension {columns}; the index holds vectors of dimension {dimension}.");
        return (values, Enumerable.Range(0, rows).Select(q => q.ToString(CultureInfo.InvariantCulture)).ToArray(), null);
    }

    private static (float[] Vectors, string[] Labels, IEmbeddingRecommender? Model) FromUsers(string modelPath, string? users, IVectorIndex index)
    {
        var embedding = IndexBuildCommand.LoadEmbeddingModel(modelPath, forSearch: true);
        if (embedding.Dimension != index.Dimension)
            throw new UserInputException($"--model '{modelPath}' has vectors of dimension {embedding.Dimension}; the index holds dimension {index.Dimension}: it was built from another model.");
        if (index.Count > embedding.Items.Count)
            throw new UserInputException($"The index holds {index.Count} vectors, more than the {embedding.Items.Count} items of --model '{modelPath}': it was built from another model or file.");
        var ids = (users ?? throw new UserInputException("--model needs --user ID[,ID…]: whose top items to search."))
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (ids.Length == 0) throw new UserInputException("--user is empty; give at least one raw user id.");
        var keys = new int[ids.Length];
        for (var i = 0; i < ids.Length; i++)
            if (!embedding.Users.TryGetKey(ids[i], out keys[i]))
                throw new UserInputException($"--user '{ids[i]}' is not a user of --model '{modelPath}' (it has {embedding.Users.Count} users).");
        var vectors = new float[ids.Length * embedding.Dimension];
        embedding.EmbedUsers(keys, vectors);
        return (vectors, ids, embedding);
    }
}
