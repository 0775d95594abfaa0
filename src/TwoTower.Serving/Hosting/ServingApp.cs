using System.Diagnostics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using TwoTower.MLNet;
using TwoTower.MLNet.Data;
using TwoTower.MLNet.Persistence;
using TwoTower.MLNet.Retrieval.Candidates;
using TwoTower.MLNet.Retrieval.Engine;
using TwoTower.Serving.Endpoints;
using TwoTower.Serving.Metrics;

namespace TwoTower.Serving.Hosting;

/// <summary>Builds the recommendation web service (ASP.NET Core minimal API) around a <see cref="RetrievalEngine"/>.</summary>
public static class ServingApp
{
    /// <summary>Loads the model file (and metadata, configuration, live-update state) named by the options into an engine.</summary>
    public static RetrievalEngine CreateEngine(ServingOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (string.IsNullOrWhiteSpace(options.ModelPath)) throw new ArgumentException("A model file is needed: ServingOptions.ModelPath (twotower serve --model).", nameof(options));
        var loaded = ModelFile.Load(options.ModelPath);
        var items = options.DataPath is { } d ? DatasetLoader.LoadItems(d) : null;
        var users = options.DataPath is { } d2 ? DatasetLoader.LoadUsers(d2) : null;
        var generator = options.GeneratorConfig is { } g ? CandidateGeneratorOptions.Load(g) : null;
        return CreateEngine(loaded, items, users, generator, options);
    }

    /// <summary>
    /// An engine over a model, metadata and generator configuration the caller has loaded (the command line loads each file
    /// itself, so that its errors name the flag); <see cref="ServingOptions.ModelPath"/>, <see cref="ServingOptions.DataPath"/>
    /// and <see cref="ServingOptions.GeneratorConfig"/> are not read.
    /// </summary>
    public static RetrievalEngine CreateEngine(LoadedModel loaded, ItemMetadata? items, UserMetadata? users, CandidateGeneratorOptions? generator, ServingOptions options)
    {
        ArgumentNullException.ThrowIfNull(loaded);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        return RetrievalEngine.Create(loaded, items, users, new RetrievalEngineOptions
        {
            IndexSpec = options.IndexSpec, DeterministicIndex = options.DeterministicIndex, CreateIndex = options.CreateIndex, Generator = generator, StateDirectory = options.StateDirectory,
        });
    }

    /// <summary>
    /// Builds the web application. The API key comes from <paramref name="options"/> or else the configuration key
    /// TwoTower:ApiKey (environment variable TwoTower__ApiKey). The caller adds URLs and runs it; the engine is disposed when the app
    /// stops or is disposed, whichever comes first.
    /// </summary>
    public static WebApplication Build(RetrievalEngine engine, ServingOptions options, string[]? args = null)
    {
        ArgumentNullException.ThrowIfNull(engine);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = args ?? Array.Empty<string>(), ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.Hosting", LogLevel.Warning);
        // A failed start (e.g. the port is taken) surfaces as the exception StartAsync throws; the host's own copy of it is a 25-line trace.
        builder.Logging.AddFilter("Microsoft.Extensions.Hosting.Internal.Host", LogLevel.None);
        if (string.IsNullOrEmpty(options.ApiKey) && builder.Configuration[$"{ServingOptions.Section}:ApiKey"] is { Length: > 0 } key)
            options = options with { ApiKey = key };
        builder.WebHost.ConfigureKestrel(k => k.Limits.MaxRequestBodySize = options.MaxBodyBytes);
        builder.Services.AddProblemDetails();
        builder.Services.AddOpenApi();
        // The OpenAPI document describes bodies with these options: they must read JSON as RequestBody does, or the document
        // offers numbers as strings ({"k":"5"}) that the service refuses.
        builder.Services.ConfigureHttpJsonOptions(o =>
        {
            o.SerializerOptions.UnmappedMemberHandling = RequestBody.Json.UnmappedMemberHandling;
            o.SerializerOptions.NumberHandling = RequestBody.Json.NumberHandling;
            o.SerializerOptions.AllowDuplicateProperties = RequestBody.Json.AllowDuplicateProperties;
        });
        // Made by a factory so the container owns it: an app disposed without stopping (a failed start) lets the engine go too.
        builder.Services.AddSingleton(_ => engine);
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton<ServiceMetrics>();
        var app = builder.Build();
        // The container disposes only what it has handed out: resolved now, in case no request ever asks for it.
        app.Services.GetRequiredService<RetrievalEngine>();
        app.Lifetime.ApplicationStopped.Register(engine.Dispose);

        // Before routing, which reads the path: an absolute-form target's path arrives with its "%2F" decoded.
        app.Use((ctx, next) =>
        {
            AbsoluteFormTarget.ToOriginForm(ctx);
            return next(ctx);
        });
        app.UseRouting();

        // Outermost after routing, so it records the status the client received, error answers included.
        var metrics = app.Services.GetRequiredService<ServiceMetrics>();
        app.Use(async (ctx, next) =>
        {
            var start = Stopwatch.GetTimestamp();
            var failed = false;
            try
            {
                await next(ctx);
            }
            catch
            {
                failed = true;
                throw;
            }
            finally
            {
                // An exception that got past the error middleware still holds the default 200: count what it was.
                var status = !failed ? ctx.Response.StatusCode : ctx.RequestAborted.IsCancellationRequested ? ClientClosedRequest : StatusCodes.Status500InternalServerError;
                var route = (ctx.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText ?? "unmatched";
                metrics.Record(route, ctx.Request.Method, status, Stopwatch.GetElapsedTime(start).TotalSeconds);
            }
        });
        app.Use(async (ctx, next) =>
        {
            try
            {
                await next(ctx);
            }
            catch (Exception ex) when (ClientLeft(ctx, ex))
            {
                // Nobody is left to answer: no problem document, no error log (a client must not be able to fill it).
                if (!ctx.Response.HasStarted) ctx.Response.StatusCode = ClientClosedRequest;
            }
            catch (Exception ex) when (!ctx.Response.HasStarted)
            {
                await WriteProblem(ctx, ex);
            }
        });
        app.UseStatusCodePages(WriteStatusCodeProblem);
        // The one document by its name: a {documentName} route answered other names with its own text/plain 404, not the problem document.
        app.MapOpenApi("/openapi/v1.json");
        RecommendEndpoints.Map(app);
        ItemEndpoints.Map(app);
        UserEndpoints.Map(app);
        OperationsEndpoints.Map(app);
        return app;
    }

    /// <summary>The first address the started app listens on (e.g. after binding port 0).</summary>
    public static Uri ListeningAddress(WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses;
        return new Uri(addresses?.FirstOrDefault() ?? throw new InvalidOperationException("The app is not listening yet; start it first."));
    }

    /// <summary>Status counted in the metrics for a request whose client closed or reset the connection before the answer (nginx's 499).</summary>
    public const int ClientClosedRequest = 499;

    // A reset connection surfaces as ConnectionResetException from the body read, often before RequestAborted is signalled.
    private static bool ClientLeft(HttpContext ctx, Exception error) =>
        ctx.RequestAborted.IsCancellationRequested || error is Microsoft.AspNetCore.Connections.ConnectionResetException;

    // Clients get the status and a message, never a stack trace; only unexpected (5xx) errors are logged, with their
    // trace: a client's mistake is the client's to read, and logging it would let anyone flood the log.
    private static async Task WriteProblem(HttpContext ctx, Exception error)
    {
        var (status, detail) = error switch
        {
            RequestException r => (r.Status, r.Message),
            BadHttpRequestException b => (b.StatusCode, b.Message),
            // Only the engine's checks of the request's values: any other ArgumentException (an index, a kernel, a collection
            // refusing an argument the engine passed) was an unlogged 400 with its message, as if the client had sent it.
            InvalidRetrievalRequestException a => (StatusCodes.Status400BadRequest, a.MessageWithoutParameter()),
            // Only an item the request names: any other KeyNotFoundException (a lookup of the engine's own) was an unlogged 404.
            UnknownItemException k => (StatusCodes.Status404NotFound, k.Message),
            // Only the engine is disposed in a request's path, when the app stops: a request that outlived the shutdown timeout.
            ObjectDisposedException => (StatusCodes.Status503ServiceUnavailable, "The service is shutting down; send the request again (to another instance)."),
            // Only the engine's own refusals: any InvalidOperationException of its assembly (a broken invariant) became an unlogged 409.
            RetrievalConflictException c => (StatusCodes.Status409Conflict, c.Message),
            _ => (StatusCodes.Status500InternalServerError, "An unexpected error occurred; it has been logged."),
        };
        if (status == StatusCodes.Status500InternalServerError)
            ctx.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("TwoTower.Serving").LogError(error, "Unhandled error on {Path}", ctx.Request.Path);
        ctx.Response.Clear();
        ctx.Response.StatusCode = status;
        await Results.Problem(statusCode: status, detail: detail).ExecuteAsync(ctx);
    }

    // Answers the framework gives without a body (415 for another content type, 400 for a query value that does not
    // bind, 404/405 for other routes) get a problem document that says what was wrong.
    private static Task WriteStatusCodeProblem(StatusCodeContext context)
    {
        var ctx = context.HttpContext;
        var detail = ctx.Response.StatusCode switch
        {
            StatusCodes.Status400BadRequest => $"A route or query value of {ctx.Request.Path}{ctx.Request.QueryString} could not be read (e.g. k must be one integer).",
            StatusCodes.Status404NotFound => $"No endpoint at {ctx.Request.Method} {ctx.Request.Path}; see /openapi/v1.json.",
            StatusCodes.Status405MethodNotAllowed => $"{ctx.Request.Method} is not allowed on {ctx.Request.Path}.",
            StatusCodes.Status415UnsupportedMediaType => $"Content-Type '{ctx.Request.ContentType}' is not supported; send application/json.",
            _ => null,
        };
        return Results.Problem(statusCode: ctx.Response.StatusCode, detail: detail).ExecuteAsync(ctx);
    }
}
