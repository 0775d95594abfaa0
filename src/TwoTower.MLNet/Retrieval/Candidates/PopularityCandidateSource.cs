using TwoTower.MLNet.ColdStart;

namespace TwoTower.MLNet.Retrieval.Candidates;

/// <summary>Most popular allowed items, from the popularity of the user's feature group when one is known (cold start), else overall.</summary>
public sealed class PopularityCandidateSource : ICandidateSource
{
    private readonly PopularityTable _table;

    /// <summary>Creates the source over a popularity table.</summary>
    public PopularityCandidateSource(PopularityTable table, string name = "popularity")
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        _table = table ?? throw new ArgumentNullException(nameof(table));
        Name = name;
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
    }
}
