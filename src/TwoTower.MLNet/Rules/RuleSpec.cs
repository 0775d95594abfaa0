using System.Text.Json.Serialization;
using TwoTower.MLNet.Retrieval.Catalog;
using TwoTower.MLNet.Retrieval.Engine;

namespace TwoTower.MLNet.Rules;

/// <summary>
/// Business rules as data (a request's <c>filters</c> object or a configuration file), turned into a <see cref="RuleSet"/>
/// against a catalogue: genre names and item ids are checked there.
/// </summary>
public sealed record RuleSpec
{
    /// <summary>Only items with at least one of these genres.</summary>
    [JsonPropertyName("includeGenres")] public IReadOnlyList<string>? IncludeGenres { get; init; }

    /// <summary>No items with any of these genres.</summary>
    [JsonPropertyName("excludeGenres")] public IReadOnlyList<string>? ExcludeGenres { get; init; }

    /// <summary>Only items released on or after this date.</summary>
    [JsonPropertyName("releasedAfter")] public DateOnly? ReleasedAfter { get; init; }

    /// <summary>Only items released on or before this date.</summary>
    [JsonPropertyName("releasedBefore")] public DateOnly? ReleasedBefore { get; init; }

    /// <summary>Whether items without a release date pass a date window (default false).</summary>
    [JsonPropertyName("allowUnknownDate")] public bool AllowUnknownDate { get; init; }

    /// <summary>Item ids never to recommend.</summary>
    [JsonPropertyName("blocklist")] public IReadOnlyList<string>? Blocklist { get; init; }

    /// <summary>Only items with at least this many training interactions (needs the counts: a retrieval engine gives them).</summary>
    [JsonPropertyName("minInteractions")] public int? MinInteractions { get; init; }

    /// <summary>Most items per genre in the answer.</summary>
    [JsonPropertyName("maxPerGenre")] public int? MaxPerGenre { get; init; }

    /// <summary>Score added per genre (e.g. {"Comedy": 0.2}).</summary>
    [JsonPropertyName("boosts")] public IReadOnlyDictionary<string, float>? Boosts { get; init; }

    /// <summary>Whether the spec sets no rule.</summary>
    [JsonIgnore]
    public bool IsEmpty => IncludeGenres is null && ExcludeGenres is null && ReleasedAfter is null && ReleasedBefore is null
        && Blocklist is null && MinInteractions is null && MaxPerGenre is null && Boosts is null;

    /// <summary>
    /// Builds the rule set; throws <see cref="InvalidRetrievalRequestException"/> (an <see cref="ArgumentException"/>) naming an
    /// unknown genre or a bad value, which the HTTP service answers 400. Unknown blocklist
    /// ids are ignored (nothing to block). <paramref name="interactionCounts"/> (training interactions per item key) serve
    /// <see cref="MinInteractions"/>; without them that filter throws <see cref="RetrievalConflictException"/> (HTTP 409).
    /// </summary>
    public RuleSet Build(ItemCatalog catalog, float[]? interactionCounts = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        if (IsEmpty) return RuleSet.Empty;
        NoNulls(IncludeGenres, "includeGenres", "genre names");
        NoNulls(ExcludeGenres, "excludeGenres", "genre names");
        NoNulls(Blocklist, "blocklist", "item ids");
        var filters = new List<IItemFilterRule>();
        if (IncludeGenres is { } inc)
        {
            if (inc.Count == 0) throw new InvalidRetrievalRequestException("filters.includeGenres is empty; list at least one genre or leave it out.", nameof(IncludeGenres));
            var mask = Mask(catalog, inc, "includeGenres");
            filters.Add(new GenreIncludeRule(mask, catalog.GenreNames(mask)));
        }
        if (ExcludeGenres is { Count: > 0 } exc)
        {
            var mask = Mask(catalog, exc, "excludeGenres");
            filters.Add(new GenreExcludeRule(mask, catalog.GenreNames(mask)));
        }
        // Named by the request's keys: the rule's own message speaks of its constructor's parameters.
        if (ReleasedAfter > ReleasedBefore)
            throw new InvalidRetrievalRequestException($"filters.releasedAfter {ReleasedAfter:yyyy-MM-dd} is after filters.releasedBefore {ReleasedBefore:yyyy-MM-dd}: no release date lies between them.", nameof(ReleasedAfter));
        if (ReleasedAfter is not null || ReleasedBefore is not null)
            filters.Add(new AvailabilityWindowRule(ReleasedAfter, ReleasedBefore, AllowUnknownDate));
        if (Blocklist is { Count: > 0 } block)
            filters.Add(new BlocklistRule(block.Select(id => catalog.TryGetKey(id, out var k) ? k : -1).Where(k => k >= 0)));
        if (MinInteractions is { } min)
        {
            if (min < 1) throw new InvalidRetrievalRequestException($"filters.minInteractions = {min} must be ≥ 1.", nameof(MinInteractions));
            // A valid request this engine cannot serve (HTTP 409), as similar items of a model without vectors: not a bad value.
            var counts = interactionCounts ?? throw new RetrievalConflictException("filters.minInteractions needs the items' interaction counts: a retrieval engine has them when its model file kept the training history.");
            filters.Add(new MinInteractionsRule(counts, min));
        }
        var boosts = Boosts?.Select(kv => float.IsFinite(kv.Value)
            ? new GenreBoost(Mask(catalog, new[] { kv.Key }, "boosts"), kv.Value)
            : throw new InvalidRetrievalRequestException($"filters.boosts['{kv.Key}'] = {kv.Value} must be a finite number.", nameof(Boosts))).ToArray();
        // Each amount is finite; an item of several boosted genres gets their sum, which must be too.
        if (boosts is not null && !float.IsFinite((float)boosts.Sum(b => Math.Abs((double)b.Amount))))
            throw new InvalidRetrievalRequestException("filters.boosts add up beyond the float range; keep the amounts to the scale of the scores (about 0 to 1).", nameof(Boosts));
        if (MaxPerGenre is < 1) throw new InvalidRetrievalRequestException($"filters.maxPerGenre = {MaxPerGenre} must be ≥ 1.", nameof(MaxPerGenre));
        return new RuleSet(filters, boosts, MaxPerGenre);
    }

    // The catalogue's message names the genre; the prefix says which key of the request holds it. The lists hold no null
    // (NoNulls) and the catalogue's only other refusal is an unknown name, so every ArgumentException here is the request's.
    private static ulong Mask(ItemCatalog catalog, IEnumerable<string> genres, string key)
    {
        try
        {
            return catalog.GenreMask(genres);
        }
        catch (ArgumentException ex)
        {
            throw new InvalidRetrievalRequestException($"filters.{key}: {ex.MessageWithoutParameter()}", key, ex);
        }
    }

    private static void NoNulls(IReadOnlyList<string>? values, string key, string expected)
    {
        if (values is null) return;
        for (var i = 0; i < values.Count; i++)
            if (values[i] is null) throw new InvalidRetrievalRequestException($"filters.{key}[{i}] is null; expected {expected}.", key);
    }
}
