using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using TwoTower.MLNet.Retrieval.Engine;
using TwoTower.Serving.Contracts;
using TwoTower.Serving.Metrics;

namespace TwoTower.Serving.Endpoints;

/// <summary>GET (and HEAD) /health, /metrics, and the demo page at /.</summary>
internal static class OperationsEndpoints
{
    private static readonly Lazy<string> DemoPage = new(() =>
    {
        using var s = typeof(OperationsEndpoints).Assembly.GetManifestResourceStream("TwoTower.Serving.Demo.index.html")
            ?? throw new InvalidOperationException("The demo page resource is missing from the assembly.");
        using var r = new StreamReader(s);
        return r.ReadToEnd();
    });

    public static void Map(WebApplication app)
    {
        app.MapGetAndHead("/health", (RetrievalEngine engine) => Results.Ok(new HealthResponse("ok", engine.Model.ModelType, engine.Catalog.LiveCount,
                engine.Model.Users.Count, engine.Generator.SourceNames.ToArray(), engine.RecoveredUpdates, engine.NewUsers?.Method, engine.NewItems?.Method)))
            .WithName("Health").WithSummary("Liveness and what is loaded.").Produces<HealthResponse>();

        app.MapGetAndHead("/metrics", (RetrievalEngine engine, ServiceMetrics metrics) =>
            {
                var gauges = new Dictionary<string, (string, double)>
                {
                    ["twotower_items_live"] = ("Live items in the catalogue.", engine.Catalog.LiveCount),
                    ["twotower_index_vectors"] = ("Vectors in the item index.", engine.Index?.Count ?? 0),
                    ["twotower_index_removed"] = ("Removed vectors the item index still stores until it compacts.", engine.Index?.RemovedCount ?? 0),
                    ["twotower_index_compaction_failures"] = ("Item index compactions that failed since start (the index is left as it was and retried on a later write).", engine.IndexCompactionFailures),
                    ["twotower_users_updated"] = ("Users whose history was changed live.", engine.Histories.UpdatedUsers),
                };
                return Results.Text(metrics.Render(gauges), "text/plain; version=0.0.4; charset=utf-8");
            })
            .WithName("Metrics").WithSummary("Prometheus text format: requests, latency histograms, catalogue gauges.").Produces<string>(contentType: "text/plain");

        app.MapGetAndHead("/", () => Results.Content(DemoPage.Value, "text/html; charset=utf-8")).ExcludeFromDescription();
    }
}
