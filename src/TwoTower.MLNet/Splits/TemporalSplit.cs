using TwoTower.MLNet.Data;

namespace TwoTower.MLNet.Splits;

/// <summary>
/// Global time cut: the latest <c>testFraction</c> of rows (by timestamp) are test, the
/// <c>validFraction</c> before them validation. Rows sharing a timestamp stay on one side of a cut,
/// so the fractions are approximate.
/// </summary>
public static class TemporalSplit
{
    /// <summary>Splits a log by time.</summary>
    public static SplitResult Split(InteractionLog log, double validFraction = 0.1, double testFraction = 0.1)
    {
        ArgumentNullException.ThrowIfNull(log);
        SplitChecks.Fractions(validFraction, testFraction);
        if (log.Count == 0) throw new ArgumentException($"Cannot split empty data ({log.Source}).", nameof(log));
        if (!log.HasTimestamps) throw new ArgumentException($"A temporal split needs timestamps; {log.Source} has none.", nameof(log));
        var sorted = log.Timestamps.Order().ToArray();
        long CutAt(double fractionFromEnd)
        {
            var idx = (int)Math.Round(sorted.Length * (1 - fractionFromEnd));
            return idx >= sorted.Length ? long.MaxValue : sorted[Math.Max(idx, 0)];
        }
        var testCut = CutAt(testFraction);
        var validCut = Math.Min(CutAt(testFraction + validFraction), testCut);
        var rows = Enumerable.Range(0, log.Count).ToArray();
        return new SplitResult(
            log.Subset(rows.Where(r => log.Timestamps[r] < validCut), log.Source + " [train]"),
            log.Subset(rows.Where(r => log.Timestamps[r] >= validCut && log.Timestamps[r] < testCut), log.Source + " [valid]"),
            log.Subset(rows.Where(r => log.Timestamps[r] >= testCut), log.Source + " [test]"));
    }
}
