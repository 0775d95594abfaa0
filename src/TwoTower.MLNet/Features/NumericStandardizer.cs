namespace TwoTower.MLNet.Features;

/// <summary>Z-score standardisation of one numeric column; missing values become 0 (the mean).</summary>
public static class NumericStandardizer
{
    /// <summary>Whether (<paramref name="mean"/>, <paramref name="std"/>) can scale a column: a finite mean and a positive finite standard deviation.</summary>
    public static bool IsValidScaling(double mean, double std) => double.IsFinite(mean) && std > 0 && double.IsFinite(std);

    /// <summary>Standardises values to mean 0 and standard deviation 1 (1 when constant); throws on NaN or infinity.</summary>
    public static float[] Standardize(IReadOnlyList<double?> values, out double mean, out double std)
    {
        ArgumentNullException.ThrowIfNull(values);
        double sum = 0;
        var count = 0;
        for (var i = 0; i < values.Count; i++)
        {
            if (values[i] is not { } v) continue;
            if (!double.IsFinite(v)) throw new ArgumentException($"Value {v} at index {i} is not finite; expected a number or null for missing.", nameof(values));
            sum += v;
            count++;
        }
        mean = count > 0 ? sum / count : 0;
        // Two passes over the deviations from the mean: sq/n - mean² cancels catastrophically for values far from 0
        // (1000 × 1.6e9 and one 1.6e9 + 1 have std 0.0316; the one-pass formula gave 0, then 1).
        double deviation = 0, squares = 0, largest = 0;
        for (var i = 0; i < values.Count; i++)
        {
            if (values[i] is not { } v) continue;
            deviation += v - mean;
            squares += (v - mean) * (v - mean);
            largest = Math.Max(largest, Math.Abs(v));
        }
        // The corrected two-pass form: the sum of deviations is 0 in exact arithmetic and removes the mean's rounding.
        var variance = count > 0 ? (squares - deviation * deviation / count) / count : 0;
        mean += count > 0 ? deviation / count : 0;
        // Constant up to rounding, relative to the values' size: a fixed bound (variance 1e-12) also took small-valued
        // columns (1e-7, 2e-7, 3e-7: std 8e-8) for constant ones, and their feature reached the tower as ±1e-7.
        var spread = Math.Sqrt(Math.Max(variance, 0));
        std = spread > 1e-12 * largest ? spread : 1;
        var result = new float[values.Count];
        for (var i = 0; i < values.Count; i++) result[i] = values[i] is { } v ? (float)((v - mean) / std) : 0f;
        return result;
    }
}
