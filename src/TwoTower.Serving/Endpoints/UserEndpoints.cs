using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using TwoTower.MLNet.Retrieval.Engine;
using TwoTower.Serving.Contracts;
using TwoTower.Serving.Hosting;

namespace TwoTower.Serving.Endpoints;

/// <summary>PUT /users/{id}/history.</summary>
internal static class UserEndpoints
{
    public static void Map(WebApplication app)
    {
        var options = app.Services.GetService(typeof(ServingOptions)) as ServingOptions ?? new ServingOptions();
        app.MapPut("/users/{id}/history", async (string id, HttpRequest request, RetrievalEngine engine, ServingOptions o) =>
            {
                id = PathId.Decode(request, id, segment: 1);
                ResultMapping.CheckId(id, "user id", o);
                var body = await RequestBody.ReadAsync<HistoryBody>(request);
                if (body.Items is not { Count: > 0 } items) throw new RequestException(400, "items is missing or empty; send at least one item id.");
                if (items.Count > o.MaxHistoryItems) throw new RequestException(400, $"items has {items.Count} ids; at most {o.MaxHistoryItems} are allowed.");
                foreach (var i in items) ResultMapping.CheckId(i, "history item", o);
                return Results.Ok(new HistoryResponse(id, engine.AppendHistory(id, items)));
            })
            .RequireApiKey(options.ApiKey)
            .WithName("AppendHistory").WithSummary("Adds items to a user's history (creates a new user). Needs X-Api-Key.")
            .AcceptsJsonBody<HistoryBody>()
            .Produces<HistoryResponse>();
    }
}
