using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using TwoTower.MLNet.Data;
using TwoTower.MLNet.Retrieval.Engine;
using TwoTower.Serving.Contracts;
using TwoTower.Serving.Hosting;

namespace TwoTower.Serving.Endpoints;

/// <summary>GET (and HEAD) /items/{id}, /items/{id}/similar and /genres; PUT and DELETE /items/{id}.</summary>
internal static class ItemEndpoints
{
    public static void Map(WebApplication app)
    {
        var options = app.Services.GetService(typeof(ServingOptions)) as ServingOptions ?? new ServingOptions();
        app.MapGetAndHead("/items/{id}", (string id, HttpRequest request, RetrievalEngine engine, ServingOptions o) =>
            {
                id = PathId.Decode(request, id, segment: 1);
                ResultMapping.CheckId(id, "item id", o);
                var item = engine.Catalog.GetLive(id) ?? throw new UnknownItemException($"Unknown item id '{id}'.");
                return Results.Ok(ResultMapping.ToResult(item));
            })
            .WithName("GetItem").WithSummary("One item's metadata.")
            .Produces<ItemResult>().ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound);

        app.MapGetAndHead("/items/{id}/similar", (string id, int? k, HttpRequest request, RetrievalEngine engine, ServingOptions o) =>
            {
                id = PathId.Decode(request, id, segment: 1);
                ResultMapping.CheckId(id, "item id", o);
                var kk = k ?? 10;
                ResultMapping.CheckK(kk, o);
                var similar = engine.Similar(id, kk);
                return Results.Ok(new RecommendResponse(similar.Select(ResultMapping.ToResult).ToArray(), false, false, 0));
            })
            .WithName("SimilarItems").WithSummary("Items whose vectors are closest to this item's.")
            .Produces<RecommendResponse>().ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);

        app.MapPut("/items/{id}", async (string id, HttpRequest request, RetrievalEngine engine, ServingOptions o) =>
            {
                id = PathId.Decode(request, id, segment: 1);
                ResultMapping.CheckId(id, "item id", o);
                var body = await RequestBody.ReadAsync<PutItemBody>(request);
                var genres = (body.Genres ?? Array.Empty<string>()).Distinct(StringComparer.Ordinal).ToArray();
                foreach (var g in genres) ResultMapping.CheckId(g, "genre", o);
                // New or not is decided under the engine's write lock: checked here first, two racing PUTs both answered 201.
                var item = engine.PutItem(new ItemRecord(id, body.Title, genres, body.ReleaseDate), body.Vector, out var isNew);
                var result = ResultMapping.ToResult(item);
                return isNew ? Results.Created($"/items/{Uri.EscapeDataString(id)}", result) : Results.Ok(result);
            })
            .RequireApiKey(options.ApiKey)
            .WithName("PutItem").WithSummary("Adds or replaces an item; without a vector, it is computed from genres and release date (409 when the model cannot). Needs X-Api-Key.")
            .AcceptsJsonBody<PutItemBody>()
            .Produces<ItemResult>().Produces<ItemResult>(StatusCodes.Status201Created).ProducesProblem(StatusCodes.Status409Conflict);

        app.MapDelete("/items/{id}", (string id, HttpRequest request, RetrievalEngine engine, ServingOptions o) =>
            {
                id = PathId.Decode(request, id, segment: 1);
                ResultMapping.CheckId(id, "item id", o);
                return engine.RemoveItem(id) ? Results.NoContent() : throw new UnknownItemException($"Unknown item id '{id}'.");
            })
            .RequireApiKey(options.ApiKey)
            .WithName("DeleteItem").WithSummary("Removes an item. Needs X-Api-Key.")
            .Produces(StatusCodes.Status204NoContent).ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound);

        app.MapGetAndHead("/genres", (RetrievalEngine engine) => Results.Ok(engine.Catalog.Genres))
            .WithName("Genres").WithSummary("Genre names usable in filters.").Produces<IReadOnlyList<string>>();
    }
}
