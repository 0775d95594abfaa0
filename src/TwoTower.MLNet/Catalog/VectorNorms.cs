namespace TwoTower.MLNet;

/// <summary>The lengths of a model's vectors: whether they are L2-normalised (cosine then ranks like the inner product).</summary>
internal static class VectorNorms
{
    /// <summary>The smallest and largest L2 norm of the rows of <paramref name="vectors"/> (row-major, <paramref name="dimension"/> wide).</summary>
    public static (double Min, double Max) Range(ReadOnlySpan<float> vectors, int dimension)
    {
        var (min, max) = (double.MaxValue, 0.0);
        for (var r = 0; r + dimension <= vectors.Length; r += dimension)
        {
            var n = Math.Sqrt(System.Numerics.Tensors.TensorPrimitives.SumOfSquares(vectors.Slice(r, dimension)));
            (min, max) = (Math.Min(min, n), Math.Max(max, n));
        }
        return (min, max);
    }

    /// <summary>Whether every row has norm 1 within 1e-3 (true for no rows).</summary>
    public static bool AreUnitLength(ReadOnlySpan<float> vectors, int dimension)
    {
        if (vectors.Length < dimension) return true;
        var (min, max) = Range(vectors, dimension);
        return Math.Abs(min - 1) <= 1e-3 && Math.Abs(max - 1) <= 1e-3;
    }
}
