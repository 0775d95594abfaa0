using TwoTower.MLNet.Optimizers;

namespace TwoTower.MLNet.TwoTowerModel;

/// <summary>Copies warm-start vectors (e.g. matrix-factorisation factors) into an id embedding, projecting when widths differ.</summary>
public static class WarmStart
{
    /// <summary>
    /// Writes <paramref name="initial"/> (rows × <paramref name="dimension"/>) into <paramref name="embedding"/>. When the widths
    /// differ, rows are multiplied by a seeded Gaussian matrix with variance 1/width, which preserves inner products in expectation.
    /// </summary>
    public static void Apply(Parameter embedding, float[] initial, int dimension, int seed, string what)
    {
        ArgumentNullException.ThrowIfNull(embedding);
        ArgumentNullException.ThrowIfNull(initial);
        if (dimension < 1) throw new ArgumentOutOfRangeException(nameof(dimension), dimension, "Must be ≥ 1.");
        if (initial.Length != (long)embedding.Rows * dimension)
            throw new ArgumentException($"{what} warm-start matrix has {initial.Length} values; expected {embedding.Rows} rows (the training map) × {dimension} (InitialEmbeddingDimension) = {(long)embedding.Rows * dimension}.", nameof(initial));
        foreach (var v in initial)
            if (!float.IsFinite(v)) throw new ArgumentException($"{what} warm-start matrix contains {v}; values must be finite.", nameof(initial));
        var width = embedding.Columns;
        if (dimension == width)
        {
            initial.CopyTo(embedding.Value, 0);
            return;
        }
        var rng = new Random(seed);
        var proj = new float[dimension * width];
        var sd = 1.0 / Math.Sqrt(width);
        for (var i = 0; i < proj.Length; i++)
        {
            // Box–Muller: a Gaussian from two uniforms.
            var u1 = 1.0 - rng.NextDouble();
            var u2 = rng.NextDouble();
            proj[i] = (float)(sd * Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2));
        }
        Index.Kernels.Gemm.Multiply(initial, proj, embedding.Value, embedding.Rows, width, dimension);
    }
}
