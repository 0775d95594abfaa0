namespace TwoTower.MLNet.Index;

/// <summary>
/// Results of a batch search: for query q, its hits are at [q·K, q·K + K) in <see cref="Ids"/> and
/// <see cref="Scores"/>, best first. Missing hits (fewer than K eligible vectors) have id -1 and score -∞.
/// </summary>
public sealed class SearchResults
{
    /// <summary>Wraps flat result arrays.</summary>
    public SearchResults(int queryCount, int k, long[] ids, float[] scores)
    {
        if (ids.Length != (long)queryCount * k || scores.Length != ids.Length)
            throw new ArgumentException($"Expected {queryCount}×{k} results, got {ids.Length} ids and {scores.Length} scores.");
        QueryCount = queryCount;
        K = k;
        Ids = ids;
        Scores = scores;
    }

    /// <summary>Number of queries.</summary>
    public int QueryCount { get; }

    /// <summary>Hits per query.</summary>
    public int K { get; }

    /// <summary>Ids, row-major queries × K.</summary>
    public long[] Ids { get; }

    /// <summary>Scores (higher is better), row-major queries × K.</summary>
    public float[] Scores { get; }

    /// <summary>Ids of one query's hits.</summary>
    public ReadOnlySpan<long> IdsOf(int query) => Ids.AsSpan(query * K, K);

    /// <summary>Scores of one query's hits.</summary>
    public ReadOnlySpan<float> ScoresOf(int query) => Scores.AsSpan(query * K, K);
}
