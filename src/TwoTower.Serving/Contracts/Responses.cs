using System.Text.Json.Serialization;

namespace TwoTower.Serving.Contracts;

/// <summary>One item in an answer.</summary>
/// <param name="ItemId">Raw item id.</param>
/// <param name="Score">Merged score (higher is better).</param>
/// <param name="Title">Title, when known.</param>
/// <param name="Genres">Genres.</param>
/// <param name="ReleaseDate">Release date, when known.</param>
/// <param name="Sources">Candidate sources that proposed the item.</param>
public sealed record ItemResult(
    [property: JsonPropertyName("itemId")] string ItemId,
    [property: JsonPropertyName("score")] float Score,
    [property: JsonPropertyName("title")] string? Title,
    [property: JsonPropertyName("genres")] IReadOnlyList<string> Genres,
    [property: JsonPropertyName("releaseDate")] DateOnly? ReleaseDate,
    [property: JsonPropertyName("sources")] IReadOnlyList<string> Sources);

/// <summary>Answer of POST /recommend and GET /items/{id}/similar.</summary>
/// <param name="Items">Items, best first.</param>
/// <param name="KnownUser">Whether the user id is known to the model (false for similar-items answers).</param>
/// <param name="ColdStart">Whether the cold-start blend answered (no or few interactions).</param>
/// <param name="HistoryLength">Interactions known for the user.</param>
public sealed record RecommendResponse(
    [property: JsonPropertyName("items")] IReadOnlyList<ItemResult> Items,
    [property: JsonPropertyName("knownUser")] bool KnownUser,
    [property: JsonPropertyName("coldStart")] bool ColdStart,
    [property: JsonPropertyName("historyLength")] int HistoryLength);

/// <summary>Body of PUT /items/{id}.</summary>
public sealed record PutItemBody
{
    /// <summary>Title.</summary>
    [JsonPropertyName("title")] public string? Title { get; init; }

    /// <summary>Genres.</summary>
    [JsonPropertyName("genres")] public IReadOnlyList<string>? Genres { get; init; }

    /// <summary>Release date (yyyy-MM-dd).</summary>
    [JsonPropertyName("releaseDate")] public DateOnly? ReleaseDate { get; init; }

    /// <summary>The item's vector in the model's space; omitted = computed from genres and release date.</summary>
    [JsonPropertyName("vector")] public float[]? Vector { get; init; }
}

/// <summary>Body of PUT /users/{id}/history.</summary>
public sealed record HistoryBody
{
    /// <summary>Item ids to add to the user's history.</summary>
    [JsonPropertyName("items")] public IReadOnlyList<string>? Items { get; init; }
}

/// <summary>Answer of PUT /users/{id}/history.</summary>
/// <param name="UserId">User id.</param>
/// <param name="HistoryLength">Items in the history now.</param>
public sealed record HistoryResponse([property: JsonPropertyName("userId")] string UserId, [property: JsonPropertyName("historyLength")] int HistoryLength);

/// <summary>Answer of GET /health.</summary>
/// <param name="Status">"ok".</param>
/// <param name="Model">Model type.</param>
/// <param name="Items">Live items.</param>
/// <param name="Users">Users known to the model.</param>
/// <param name="Sources">Candidate sources in use.</param>
/// <param name="RecoveredUpdates">Live updates replayed at start-up.</param>
/// <param name="NewUsers">How users unknown to the model get a vector from their history ("softmax_fold_in", "mean_of_items"), or null.</param>
/// <param name="NewItems">How items added without a vector get one ("item_tower", "content_projection"), or null.</param>
public sealed record HealthResponse(
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("model")] string Model,
    [property: JsonPropertyName("items")] int Items,
    [property: JsonPropertyName("users")] int Users,
    [property: JsonPropertyName("sources")] IReadOnlyList<string> Sources,
    [property: JsonPropertyName("recoveredUpdates")] int RecoveredUpdates,
    [property: JsonPropertyName("newUsers")] string? NewUsers,
    [property: JsonPropertyName("newItems")] string? NewItems);
