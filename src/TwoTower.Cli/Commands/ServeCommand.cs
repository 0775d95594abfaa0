using System.CommandLine;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Hosting;
using TwoTower.Cli.Infrastructure;
using TwoTower.MLNet;
using TwoTower.MLNet.Data;
using TwoTower.MLNet.Index;
using TwoTower.MLNet.PgVector;
using TwoTower.MLNet.Retrieval.Candidates;
using TwoTower.MLNet.Retrieval.Engine;
using TwoTower.Serving.Hosting;

namespace TwoTower.Cli.Commands;

/// <summary>`twotower serve`: the HTTP recommendation service over a model file.</summary>
internal static class ServeCommand
{
    public const string DefaultUrls = "http://127.0.0.1:5080";

    public static Command Create(CliConsole console)
    {
        var model = new Option<string>("--model") { Description = "Model file written by `twotower train`.", Required = true };
        var urls = new Option<string>("--urls") { Description = "Addresses to listen on, separated by ';'.", DefaultValueFactory = _ => DefaultUrls };
        var data = new Option<string?>("--data") { Description = "MovieLens folder with item and user metadata (titles, genres, dates, demographics for cold start)." };
        var state = new Option<string?>("--state") { Description = "Folder for the live-update log and snapshot (updates survive restarts); default: in memory only." };
        var apiKey = new Option<string?>("--api-key") { Description = "Key for PUT/DELETE (X-Api-Key header); default: configuration TwoTower:ApiKey (env TwoTower__ApiKey); none = writes refused." };
        var config = new Option<string?>("--config") { Description = "Candidate generator configuration, JSON or YAML by extension (.json, .yaml, .yml): sources, quotas, weights, normalization." };
        var index = new Option<string>("--index") { Description = "Index spec for item vectors (Flat, HNSW16, IVF1024,Flat …).", DefaultValueFactory = _ => "HNSW16" };
        var pg = new Option<string?>("--pg") { Description = "Keep the item vectors in PostgreSQL with pgvector instead of --index: an Npgsql connection string (the table is emptied and reloaded from the model at start)." };
        var pgTable = new Option<string>("--pg-table") { Description = "Table for --pg.", DefaultValueFactory = _ => new PgVectorOptions().Table };
        var maxK = new Option<int>("--max-k") { Description = "Largest k a request may ask for.", DefaultValueFactory = _ => 200 };
        var deterministic = new Option<bool>("--deterministic-index") { Description = "Build the HNSW index with one thread: every server started on the same model gives the same answers (replicas, restarts); slower start." };
        var cmd = new Command("serve", "Serve recommendations over HTTP (POST /recommend, GET /items/{id}, GET /items/{id}/similar, PUT/DELETE /items/{id}, PUT /users/{id}/history, GET /genres, /health, /metrics, OpenAPI, demo page at /).");
        foreach (var o in new Option[] { model, urls, data, state, apiKey, config, index, pg, pgTable, maxK, deterministic }) cmd.Options.Add(o);
        cmd.SetAction(r =>
        {
            // Options another one makes moot were accepted and ignored without a word.
            if (r.GetValue(pg) is not null && r.GetResult(index) is { Implicit: false })
                throw new UserInputException("--index and --pg: give one (with --pg the item vectors live in PostgreSQL, searched by pgvector's own index).");
            if (r.GetValue(pg) is null && r.GetResult(pgTable) is { Implicit: false })
                throw new UserInputException("--pg-table goes with --pg: it names the PostgreSQL table of the item vectors, and without --pg they are kept in memory (--index).");
            var options = new ServingOptions
            {
                ModelPath = r.GetValue(model), DataPath = r.GetValue(data), StateDirectory = r.GetValue(state), ApiKey = r.GetValue(apiKey),
                GeneratorConfig = r.GetValue(config), IndexSpec = r.GetValue(index)!, MaxK = r.GetValue(maxK), DeterministicIndex = r.GetValue(deterministic),
                CreateIndex = r.GetValue(pg) is { } connection ? PgIndex(connection, r.GetValue(pgTable)!, console) : null,
            };
            var app = Start(options, r.GetValue(urls)!, console);
            app.WaitForShutdown();
            return 0;
        });
        return cmd;
    }

    // A pgvector table emptied for the model's items (the engine loads them); errors name the flag.
    private static Func<int, IVectorIndex> PgIndex(string connection, string table, CliConsole console) => dim =>
    {
        PgVectorIndex? index = null;
        try
        {
            index = PgVectorIndex.Open(connection, dim, VectorMetric.InnerProduct, new PgVectorOptions { Table = table });
            // Emptying can fail too (a role without TRUNCATE rights): the same --pg message, and the index let go.
            index.Clear();
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or Npgsql.NpgsqlException)
        {
            index?.Dispose();
            throw new UserInputException($"--pg: {(ex is ArgumentException a ? a.MessageWithoutParameter() : ex.Message)}");
        }
        console.Log($"Item vectors go to PostgreSQL table '{table}' (pgvector HNSW, dimension {dim}).");
        return index;
    };

    // Each file is loaded here, not by ServingApp.CreateEngine(options), so that its errors name the flag (train and evaluate do);
    // the configuration first: it is the quickest to read, and a model of millions of items the slowest.
    private static RetrievalEngine CreateEngine(ServingOptions options)
    {
        var generator = options.GeneratorConfig is { } config ? Load("--config", () => CandidateGeneratorOptions.Load(config)) : null;
        var items = options.DataPath is { } data ? Load("--data", () => DatasetLoader.LoadItems(data)) : null;
        var users = options.DataPath is { } data2 ? Load("--data", () => DatasetLoader.LoadUsers(data2)) : null;
        var loaded = ModelArgument.Load(options.ModelPath, "--model");
        try
        {
            return ServingApp.CreateEngine(loaded, items, users, generator, options);
        }
        // A source the configuration names and this model has not is known only once the engine has its sources.
        catch (ArgumentException ex) when (generator is not null && ex.ParamName is nameof(CandidateGeneratorOptions.Sources) or nameof(CandidateGeneratorOptions.Normalization))
        {
            throw new UserInputException($"--config '{options.GeneratorConfig}': {ex.MessageWithoutParameter()}");
        }
    }

    private static T Load<T>(string flag, Func<T> load)
    {
        try
        {
            return load();
        }
        catch (Exception ex) when (ex is DataFormatException or FileNotFoundException or DirectoryNotFoundException or InvalidDataException or ArgumentException)
        {
            // Without the row parser's hint: serve has no --skip-bad-rows.
            throw new UserInputException($"{flag}: {ex switch
            {
                ArgumentException a => a.MessageWithoutParameter(),
                DataFormatException d => $"{d.File}:{d.Line}: {d.Reason}",
                _ => ex.Message,
            }}");
        }
    }

    /// <summary>Loads the model, starts listening and returns the running app (the caller stops it).</summary>
    public static WebApplication Start(ServingOptions options, string urls, CliConsole console)
    {
        if (options.MaxK < 1) throw new UserInputException($"--max-k {options.MaxK}: must be ≥ 1.");
        var list = urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (list.Length == 0) throw new UserInputException($"--urls '{urls}': give at least one address such as {DefaultUrls}.");
        foreach (var u in list)
            if (!Uri.TryCreate(u, UriKind.Absolute, out var uri) || (uri.Scheme != "http" && uri.Scheme != "https"))
                throw new UserInputException($"--urls: '{u}' is not an http(s) address such as {DefaultUrls}.");
        // Before the model loads: a file given as the state folder failed inside the update log (an IOException, exit 1),
        // and an unknown spec failed without naming --index. --pg replaces the spec, so it is not read then.
        if (options.StateDirectory is { } state) OutputPaths.Folder(state, "--state", []);
        var kind = options.CreateIndex is null ? IndexBenchSettings.KindOf(options.IndexSpec) : (IndexKind?)null;
        if (options.DeterministicIndex && kind != IndexKind.Hnsw)
            throw new UserInputException($"--deterministic-index: only an HNSW --index is built in parallel; {(kind is null ? "--pg" : $"'{options.IndexSpec}'")} builds the same every time.");
        var engine = CreateEngine(options);
        var app = ServingApp.Build(engine, options);
        foreach (var u in list) app.Urls.Add(u);
        try
        {
            app.StartAsync().GetAwaiter().GetResult();
        }
        catch (IOException ex)
        {
            // Address in use, or not ours to bind: the one-line error, not the host's stack trace.
            ((IDisposable)app).Dispose();
            engine.Dispose(); // an app that never started never stops, so the state folder would stay locked
            throw new UserInputException($"--urls {urls}: cannot listen ({ex.Message}).");
        }
        console.Log($"Serving {engine.Model.ModelType} ({engine.Catalog.LiveCount} items, sources: {string.Join(", ", engine.Generator.SourceNames)}) on {string.Join(", ", app.Urls)}"
            + (engine.RecoveredUpdates > 0 ? $"; replayed {engine.RecoveredUpdates} live updates" : "") + ". Ctrl+C stops.");
        return app;
    }
}
