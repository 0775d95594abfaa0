namespace TwoTower.MLNet.Evaluation;

/// <summary>Metrics of the recommendation lists as a whole: how much of the catalogue they use and how popular it is.</summary>
public static class CatalogueMetrics
{
    /// <summary>Share of catalogue items recommended to at least one user.</summary>
    public static double Coverage(ReadOnlySpan<int> timesRecommended)
    {
        if (timesRecommended.IsEmpty) return 0.0;
        var used = 0;
        foreach (var c in timesRecommended) if (c > 0) used++;
        return (double)used / timesRecommended.Length;
    }

    /// <summary>
    /// Gini coefficient of how often each catalogue item is recommended: 0 = every item equally often,
    /// → 1 = all recommendations go to one item. G = Σᵢ (2i − n − 1)·xᵢ / (n·Σ x) over counts sorted ascending (i from 1).
    /// </summary>
    public static double Gini(ReadOnlySpan<int> timesRecommended)
    {
        var n = timesRecommended.Length;
        if (n == 0) return 0.0;
        var sorted = timesRecommended.ToArray();
        Array.Sort(sorted);
        double total = 0, weighted = 0;
        for (var i = 0; i < n; i++)
        {
            total += sorted[i];
            weighted += (2.0 * (i + 1) - n - 1) * sorted[i];
        }
        return total == 0 ? 0.0 : weighted / (n * total);
    }

    /// <summary>
    /// Popularity percentile of each item in [0, 1]: the share of catalogue items with strictly fewer
    /// interactions, plus half the share of the others with the same count (mid-rank), so ties are fair.
    /// </summary>
    public static double[] PopularityPercentiles(ReadOnlySpan<int> interactionCounts)
    {
        var n = interactionCounts.Length;
        var result = new double[n];
        if (n == 0) return result;
        var order = Enumerable.Range(0, n).ToArray();
        var counts = interactionCounts.ToArray();
        Array.Sort(counts.ToArray(), order);
        var i = 0;
        while (i < n)
        {
            var j = i;
            while (j + 1 < n && counts[order[j + 1]] == counts[order[i]]) j++;
            var pct = (i + (j - i) / 2.0) / Math.Max(1, n - 1);
            for (var p = i; p <= j; p++) result[order[p]] = n == 1 ? 0.5 : pct;
            i = j + 1;
        }
        return result;
    }
}
