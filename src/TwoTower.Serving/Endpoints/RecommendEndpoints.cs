using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using TwoTower.MLNet.Data;
using TwoTower.MLNet.Retrieval.Engine;
using TwoTower.Serving.Contracts;
using TwoTower.Serving.Hosting;

namespace TwoTower.Serving.Endpoints;

/// <summary>POST /recommend.</summary>
internal static class RecommendEndpoints
{
    public static void Map(WebApplication app)
    {
        app.MapPost("/recommend", async (HttpRequest request, RetrievalEngine engine, ServingOptions options) =>
            {
                var body = await RequestBody.ReadAsync<RecommendBody>(request);
                return Results.Ok(Recommend(engine, options, body));
            })
            .WithName("Recommend")
            .WithSummary("Top-k items for a user (known id, or features and history for a new user), with the sources of each item.")
            .AcceptsJsonBody<RecommendBody>()
            .Produces<RecommendResponse>();
    }

    public static RecommendResponse Recommend(RetrievalEngine engine, ServingOptions options, RecommendBody body)
    {
        ResultMapping.CheckK(body.K, options);
        if (body.UserId is not null) ResultMapping.CheckId(body.UserId, "userId", options);
        if (body.History is { } h)
        {
            if (h.Count > options.MaxHistoryItems)
                throw new RequestException(400, $"history has {h.Count} items; at most {options.MaxHistoryItems} are allowed.");
            foreach (var id in h) ResultMapping.CheckId(id, "history item", options);
        }
        if (body.User?.Age is < 0 or > 150)
            throw new RequestException(400, $"user.age = {body.User.Age} must be in [0, 150].");
        var features = body.User is { } u ? new UserRecord(body.UserId ?? "", u.Age, u.Gender, u.Occupation, null) : null;
        var result = engine.Recommend(new RecommendRequest
        {
            UserId = body.UserId, K = body.K, ExcludeSeen = body.ExcludeSeen, Filters = body.Filters, Features = features, History = body.History,
        });
        return new RecommendResponse(result.Items.Select(ResultMapping.ToResult).ToArray(), result.KnownUser, result.ColdStart, result.HistoryLength);
    }
}
