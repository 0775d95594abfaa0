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
        double sum = 0, sq = 0;
        var count = 0;
        for (var i = 0; i < values.Count; i++)
        {
            if (values[i] is not { } v) continue;
            if (!double.IsFinite(v)) throw new ArgumentException($"Value {v} at index {i} is not finite; expected a number or null for missing.", nameof(values));
            sum += v;
            sq += v * v;
            count++;
        }
        mean = count > 0 ? sum / count : 0;
        var variance = count > 0 ? sq / count - mean * mean : 0;
        std = variance > 1e-12 ? Math.Sqrt(variance) : 1;
        var result = new float[values.Count];
        for (var i = 0; i < values.Count; i++) result[i] = values[i] is { } v ? (float)((v - mean) / std) : 0f;
        return result;
    }
}
