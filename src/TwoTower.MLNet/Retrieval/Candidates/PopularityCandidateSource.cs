using TwoTower.MLNet.ColdStart;

namespace TwoTower.MLNet.Retrieval.Candidates;

/// <summary>
/// Most popular allowed items, from the popularity of the user's feature group when one is known (cold start), else overall.
/// Items added after the table was built have no interactions: they follow every counted item, in the order they were added.
/// </summary>
public sealed class PopularityCandidateSource : ICandidateSource
{
    private readonly PopularityTable _table;
    private readonly Func<int>? _itemCount;

    /// <summary>Creates the source over a popularity table.</summary>
    /// <param name="table">Interaction counts of the items known when it was built (keys 0 to its size − 1).</param>
    /// <param name="name">Source name.</param>
    /// <param name="itemCount">The current number of item keys (e.g. <see cref="Catalog.ItemCatalog.KeyCount"/>), so that items added later can be proposed; null = only the table's items.</param>
    public PopularityCandidateSource(PopularityTable table, string name = "popularity", Func<int>? itemCount = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        _table = table ?? throw new ArgumentNullException(nameof(table));
        Name = name;
        _itemCount = itemCount;
    }

    /// <inheritdoc/>
    public string Name { get; }

    /// <inheritdoc/>
    public void Generate(CandidateQuery query, int quota, List<Candidate> output)
    {
        ArgumentNullException.ThrowIfNull(query);
        if (quota < 1) throw new ArgumentOutOfRangeException(nameof(quota), quota, "quota must be ≥ 1.");
        var ranking = _table.RankingFor(query.UserFeatures);
        var taken = 0;
        for (var i = 0; i < ranking.Order.Length && taken < quota; i++)
        {
            var key = ranking.Order[i];
            if (!query.Allows(key)) continue;
            output.Add(new Candidate(key, ranking.Counts[key]));
            taken++;
        }
        // Without this, a user with no history (popularity alone) could never be offered a newly added item.
        var count = _itemCount?.Invoke() ?? 0;
        for (var key = ranking.Counts.Length; key < count && taken < quota; key++)
        {
            if (!query.Allows(key)) continue;
            output.Add(new Candidate(key, 0f));
            taken++;
        }
    }
}
