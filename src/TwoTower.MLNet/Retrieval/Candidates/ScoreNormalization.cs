namespace TwoTower.MLNet.Retrieval.Candidates;

/// <summary>How each source's scores are mapped onto a common scale before merging (sources score on unrelated scales).</summary>
public enum ScoreNormalization
{
    /// <summary>Raw scores, unchanged.</summary>
    None,
    /// <summary>
    /// (s − min) / (max − min) over the finite scores of the source's list, so the best is 1 and the worst 0 (all equal → 1);
    /// a score of +∞ becomes 1, −∞ and NaN become 0.
    /// </summary>
    MinMax,
    /// <summary>1 / (1 + rank) with rank 0 for the source's best, so only the order matters.</summary>
    Rank,
}
