namespace TwoTower.MLNet.Evaluation;

/// <summary>
/// Per-user retrieval metrics from the 0-based ranks of the user's relevant items (rank = number of
/// non-excluded items scored strictly higher). Pure functions; users are averaged by the evaluator.
/// An unrankable relevant item (unknown to the model) has rank <see cref="int.MaxValue"/>.
/// </summary>
public static class RankingMetrics
{
    /// <summary>1 when any relevant item ranks within the top <paramref name="k"/>, else 0.</summary>
    public static double HitRate(ReadOnlySpan<int> ranks, int k)
    {
        foreach (var r in ranks) if (r < k) return 1.0;
        return 0.0;
    }

    /// <summary>Share of the relevant items that rank within the top <paramref name="k"/>.</summary>
    public static double Recall(ReadOnlySpan<int> ranks, int k)
    {
        if (ranks.IsEmpty) return 0.0;
        var hits = 0;
        foreach (var r in ranks) if (r < k) hits++;
        return (double)hits / ranks.Length;
    }

    /// <summary>NDCG@k with binary gains: Σ 1/log2(rank+2) over hits, divided by the ideal Σ over min(k, |relevant|) positions.</summary>
    public static double Ndcg(ReadOnlySpan<int> ranks, int k)
    {
        if (ranks.IsEmpty) return 0.0;
        double dcg = 0, idcg = 0;
        foreach (var r in ranks) if (r < k) dcg += 1.0 / Math.Log2(r + 2.0);
        var ideal = Math.Min(k, ranks.Length);
        for (var j = 0; j < ideal; j++) idcg += 1.0 / Math.Log2(j + 2.0);
        return dcg / idcg;
    }

    /// <summary>
    /// AP@k: Σ over hits of precision at the hit's position, divided by min(k, |relevant|). The position of
    /// a hit counts the relevant items ranked at or above it.
    /// </summary>
    public static double AveragePrecision(ReadOnlySpan<int> ranks, int k)
    {
        if (ranks.IsEmpty) return 0.0;
        double sum = 0;
        foreach (var r in ranks)
        {
            if (r >= k) continue;
            var atOrAbove = 0;
            foreach (var o in ranks) if (o <= r) atOrAbove++;
            sum += (double)atOrAbove / (r + 1.0);
        }
        return sum / Math.Min(k, ranks.Length);
    }

    /// <summary>Untruncated reciprocal rank of the best-ranked relevant item: 1/(rank+1); 0 when none is rankable.</summary>
    public static double ReciprocalRank(ReadOnlySpan<int> ranks)
    {
        var best = int.MaxValue;
        foreach (var r in ranks) if (r < best) best = r;
        return best == int.MaxValue ? 0.0 : 1.0 / (best + 1.0);
    }
}
