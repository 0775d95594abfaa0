using System.Globalization;
using TwoTower.MLNet.Data;

namespace TwoTower.MLNet.Splits;

/// <summary>Seeded random split: rows are shuffled (Fisher–Yates with a seeded generator) and cut by fractions.</summary>
public static class RandomSplit
{
    /// <summary>Splits a log; the last <paramref name="testFraction"/> of the shuffled rows is test, the part before it validation.</summary>
    /// <exception cref="ArgumentException">The fractions are out of range, or too few rows leave the training or the test set empty.</exception>
    public static SplitResult Split(InteractionLog log, double validFraction = 0.1, double testFraction = 0.1, int seed = 42)
    {
        ArgumentNullException.ThrowIfNull(log);
        SplitChecks.Fractions(validFraction, testFraction);
        if (log.Count == 0) throw new ArgumentException($"Cannot split empty data ({log.Source}).", nameof(log));
        var order = Enumerable.Range(0, log.Count).ToArray();
        var rng = new Random(seed);
        for (var i = order.Length - 1; i > 0; i--)
        {
            var j = rng.Next(i + 1);
            (order[i], order[j]) = (order[j], order[i]);
        }
        var nTest = (int)Math.Round(log.Count * testFraction);
        var nValid = (int)Math.Round(log.Count * validFraction);
        var nTrain = log.Count - nTest - nValid;
        var split = new SplitResult(
            log.Subset(order.Take(nTrain), log.Source + " [train]"),
            log.Subset(order.Skip(nTrain).Take(nValid), log.Source + " [valid]"),
            log.Subset(order.Skip(nTrain + nValid), log.Source + " [test]"));
        return SplitChecks.NotEmpty(split, "random", log.Source, part => part == "train"
            ? $"{log.Count} rows less {nValid} for validation and {nTest} for test leave none; use more rows or smaller fractions."
            : $"{log.Count} rows × test fraction {testFraction.ToString(CultureInfo.InvariantCulture)} round to no test row; use more rows or a larger test fraction.");
    }
}
