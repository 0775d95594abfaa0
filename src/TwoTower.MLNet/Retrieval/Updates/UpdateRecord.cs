using System.Text.Json.Serialization;

namespace TwoTower.MLNet.Retrieval.Updates;

/// <summary>One acknowledged live change, as written to the update log (one JSON object per line). Replaying a record twice has no further effect.</summary>
public sealed record UpdateRecord
{
    /// <summary>Operation: add or replace an item.</summary>
    public const string PutItem = "put-item";

    /// <summary>Operation: remove an item.</summary>
    public const string RemoveItem = "remove-item";

    /// <summary>Operation: add items to a user's history.</summary>
    public const string AppendHistory = "history";

    /// <summary>Operation: the catalogue's genre names in bit order (a snapshot's first record), so a restart keeps genres no live item carries any more.</summary>
    public const string GenreVocabulary = "genres";

    /// <summary><see cref="PutItem"/>, <see cref="RemoveItem"/>, <see cref="AppendHistory"/> or <see cref="GenreVocabulary"/>.</summary>
    [JsonPropertyName("op")] public required string Op { get; init; }

    /// <summary>Item id (item operations).</summary>
    [JsonPropertyName("itemId"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? ItemId { get; init; }

    /// <summary>Title (put).</summary>
    [JsonPropertyName("title"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Title { get; init; }

    /// <summary>Genres (put; all of the catalogue's for <see cref="GenreVocabulary"/>).</summary>
    [JsonPropertyName("genres"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public IReadOnlyList<string>? Genres { get; init; }

    /// <summary>Release date (put).</summary>
    [JsonPropertyName("releaseDate"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public DateOnly? ReleaseDate { get; init; }

    /// <summary>The item vector as stored (put), so a restart restores exactly what was served.</summary>
    [JsonPropertyName("vector"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public float[]? Vector { get; init; }

    /// <summary>User id (history).</summary>
    [JsonPropertyName("userId"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? UserId { get; init; }

    /// <summary>Item ids added to the history (history).</summary>
    [JsonPropertyName("items"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public IReadOnlyList<string>? Items { get; init; }
}
