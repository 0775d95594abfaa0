using TwoTower.MLNet.Retrieval.Candidates;
using TwoTower.MLNet.Retrieval.Catalog;

namespace TwoTower.MLNet.Rules;

/// <summary>
/// Business rules composed: filters (all must allow; pushed into every candidate source, ANN search included),
/// then after merging boosts and a per-genre cap for diversity.
/// </summary>
public sealed class RuleSet
{
    /// <summary>No rules.</summary>
    public static RuleSet Empty { get; } = new(Array.Empty<IItemFilterRule>());

    /// <summary>Creates a rule set.</summary>
    /// <param name="filters">Filters; an item must pass all.</param>
    /// <param name="boosts">Score boosts by genre, added up when several match.</param>
    /// <param name="maxPerGenre">Most items per genre in the answer (an item counts for each of its genres and is skipped when any is full; items without genres count under one "none" genre); null = no cap.</param>
    public RuleSet(IReadOnlyList<IItemFilterRule> filters, IReadOnlyList<GenreBoost>? boosts = null, int? maxPerGenre = null)
    {
        ArgumentNullException.ThrowIfNull(filters);
        if (maxPerGenre < 1) throw new ArgumentOutOfRangeException(nameof(maxPerGenre), maxPerGenre, "maxPerGenre must be ≥ 1 (or null for no cap).");
        Filters = filters;
        Boosts = boosts ?? Array.Empty<GenreBoost>();
        MaxPerGenre = maxPerGenre;
    }

    /// <summary>The filters.</summary>
    public IReadOnlyList<IItemFilterRule> Filters { get; }

    /// <summary>The boosts.</summary>
    public IReadOnlyList<GenreBoost> Boosts { get; }

    /// <summary>Per-genre cap.</summary>
    public int? MaxPerGenre { get; }

    /// <summary>Whether a live item passes every filter.</summary>
    public bool Allows(CatalogItem? item)
    {
        if (item is not { Live: true }) return false;
        foreach (var f in Filters)
            if (!f.Allows(item)) return false;
        return true;
    }

    /// <summary>A key filter for candidate sources and index searches: live items that pass every filter.</summary>
    public Func<int, bool> KeyFilter(ItemCatalog catalog)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return key => Allows(catalog.Get(key));
    }

    /// <summary>
    /// How many of <paramref name="k"/> items <see cref="Finish"/> can give at most under the per-genre cap: each item takes a
    /// slot of each of its genres and genre-less ones share one, so (genres + 1) × cap; <paramref name="k"/> without a cap.
    /// </summary>
    internal int Fillable(int k, ItemCatalog catalog) =>
        MaxPerGenre is { } cap ? (int)Math.Min(k, (catalog.Genres.Count + 1L) * cap) : k;

    /// <summary>Applies boosts, re-sorts, then takes up to <paramref name="k"/> items under the per-genre cap.</summary>
    public List<MergedCandidate> Finish(IReadOnlyList<MergedCandidate> merged, ItemCatalog catalog, int k)
    {
        ArgumentNullException.ThrowIfNull(merged);
        ArgumentNullException.ThrowIfNull(catalog);
        if (k < 1) throw new ArgumentOutOfRangeException(nameof(k), k, "k must be ≥ 1.");
        IReadOnlyList<MergedCandidate> ranked = merged;
        if (Boosts.Count > 0)
        {
            var boosted = new List<MergedCandidate>(merged.Count);
            foreach (var c in merged)
            {
                var mask = catalog.Get(c.ItemKey)?.GenreMask ?? 0;
                var add = 0f;
                foreach (var b in Boosts) if ((mask & b.GenreMask) != 0) add += b.Amount;
                boosted.Add(add == 0 ? c : c with { Score = c.Score + add });
            }
            boosted.Sort(CandidateMerger.Compare);
            ranked = boosted;
        }
        var result = new List<MergedCandidate>(Math.Min(k, ranked.Count));
        Span<int> perGenre = stackalloc int[ItemCatalog.MaxGenres + 1];
        foreach (var c in ranked)
        {
            if (result.Count == k) break;
            if (MaxPerGenre is { } cap)
            {
                var mask = catalog.Get(c.ItemKey)?.GenreMask ?? 0;
                if (!Fits(mask, perGenre, cap)) continue;
                Count(mask, perGenre);
            }
            result.Add(c);
        }
        return result;
    }

    private static bool Fits(ulong mask, Span<int> perGenre, int cap)
    {
        if (mask == 0) return perGenre[ItemCatalog.MaxGenres] < cap;
        for (var b = 0; b < ItemCatalog.MaxGenres; b++)
            if ((mask & (1UL << b)) != 0 && perGenre[b] >= cap) return false;
        return true;
    }

    private static void Count(ulong mask, Span<int> perGenre)
    {
        if (mask == 0) { perGenre[ItemCatalog.MaxGenres]++; return; }
        for (var b = 0; b < ItemCatalog.MaxGenres; b++)
            if ((mask & (1UL << b)) != 0) perGenre[b]++;
    }
}
