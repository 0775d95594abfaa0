namespace TwoTower.MLNet.Retrieval.Benchmarking;

/// <summary>Percentiles of a latency sample in milliseconds (nearest-rank definition).</summary>
/// <param name="Count">Samples.</param>
/// <param name="P50">Median.</param>
/// <param name="P95">95th percentile.</param>
/// <param name="P99">99th percentile.</param>
/// <param name="Max">Largest sample.</param>
/// <param name="Mean">Mean.</param>
public sealed record LatencyStats(int Count, double P50, double P95, double P99, double Max, double Mean)
{
    /// <summary>Computes the statistics of samples in milliseconds.</summary>
    public static LatencyStats From(IReadOnlyCollection<double> milliseconds)
    {
        ArgumentNullException.ThrowIfNull(milliseconds);
        if (milliseconds.Count == 0) throw new ArgumentException("No latency samples: at least one is needed.", nameof(milliseconds));
        var s = milliseconds.Order().ToArray();
        double Rank(double q) => s[Math.Max(0, (int)Math.Ceiling(q * s.Length) - 1)];
        return new LatencyStats(s.Length, Rank(0.50), Rank(0.95), Rank(0.99), s[^1], s.Average());
    }
}
