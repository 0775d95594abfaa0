using System.Globalization;
using TwoTower.MLNet.Data;

namespace TwoTower.MLNet.Splits;

/// <summary>
/// Global time cut: the latest <c>testFraction</c> of rows (by timestamp) are test, the
/// <c>validFraction</c> before them validation. Rows sharing a timestamp stay on one side of a cut,
/// so the fractions are approximate; a cut that leaves no training or no test rows (ties in time, or
/// too few rows) is refused.
/// </summary>
public static class TemporalSplit
{
    /// <summary>Splits a log by time.</summary>
    /// <exception cref="ArgumentException">No timestamps, or the cut leaves the training or the test set empty.</exception>
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
        var split = new SplitResult(
            log.Subset(rows.Where(r => log.Timestamps[r] < validCut), log.Source + " [train]"),
            log.Subset(rows.Where(r => log.Timestamps[r] >= validCut && log.Timestamps[r] < testCut), log.Source + " [valid]"),
            log.Subset(rows.Where(r => log.Timestamps[r] >= testCut), log.Source + " [test]"));
        return SplitChecks.NotEmpty(split, "temporal", log.Source, part => part == "train"
            // Train is empty only when the cut falls on the earliest timestamp, which every row at or after it shares or follows.
            ? $"the cut for validation and test ({(validFraction + testFraction).ToString("0.###", CultureInfo.InvariantCulture)} of the rows) falls on the earliest timestamp: "
              + $"{sorted.Count(t => t == validCut)} of the {sorted.Length} rows share timestamp {validCut.ToString(CultureInfo.InvariantCulture)} "
              + "(rows with equal timestamps stay on one side of a cut). Ties in time this large leave nothing to cut: use --protocol random or leave-last-out."
            : $"{sorted.Length} rows × test fraction {testFraction.ToString(CultureInfo.InvariantCulture)} round to no test row; use more rows or a larger test fraction.");
    }
}
