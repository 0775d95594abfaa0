using TwoTower.MLNet.Retrieval.Catalog;
using TwoTower.MLNet.Retrieval.Engine;
using TwoTower.Serving.Contracts;
using TwoTower.Serving.Hosting;

namespace TwoTower.Serving.Endpoints;

/// <summary>Maps engine results to wire contracts and checks ids against the limits.</summary>
internal static class ResultMapping
{
    public static ItemResult ToResult(RecommendedItem r) =>
        new(r.ItemId, float.IsFinite(r.Score) ? r.Score : throw new InvalidOperationException($"Item '{r.ItemId}' scored {r.Score}: the engine produced a non-finite score."),
            r.Item.Record.Title, r.Item.Record.Genres, r.Item.Record.ReleaseDate, r.Sources);

    public static ItemResult ToResult(CatalogItem item) =>
        new(item.Record.Id, 0f, item.Record.Title, item.Record.Genres, item.Record.ReleaseDate, Array.Empty<string>());

    public static void CheckId(string? id, string what, ServingOptions options)
    {
        if (string.IsNullOrWhiteSpace(id))
            throw new RequestException(400, $"{what} is empty; send a non-empty id.");
        if (id.Length > options.MaxIdLength)
            throw new RequestException(400, $"{what} has {id.Length} characters; at most {options.MaxIdLength} are allowed.");
    }

    public static void CheckK(int k, ServingOptions options)
    {
        if (k < 1 || k > options.MaxK)
            throw new RequestException(400, $"k = {k} must be in [1, {options.MaxK}].");
    }
}
