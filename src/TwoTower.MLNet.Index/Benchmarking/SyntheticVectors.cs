using TwoTower.MLNet.Index.Common;
using TwoTower.MLNet.Index.Flat;

namespace TwoTower.MLNet.Index.Benchmarking;

/// <summary>
/// Seeded benchmark data that needs no files: Gaussian clusters (the shape of learned embeddings, which have far fewer
/// directions than dimensions) and their exact neighbours, so that any index can be measured against the truth.
/// </summary>
public static class SyntheticVectors
{
    /// <summary>
    /// <paramref name="rows"/> vectors of dimension <paramref name="dimension"/> around <paramref name="clusters"/> random
    /// centres (N(0, 1/d) per coordinate), each centre plus N(0, <paramref name="spread"/>²/d) noise; row-major.
    /// The same seed gives the same centres, so base and queries drawn with one seed and two streams share clusters.
    /// </summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled (checked every 1024 rows).</exception>
    public static float[] Clustered(int rows, int dimension, int clusters, int seed, int stream = 0, float spread = 0.5f, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(rows, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(dimension, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(clusters, 1);
        if (!(spread >= 0) || !float.IsFinite(spread)) throw new ArgumentOutOfRangeException(nameof(spread), spread, "spread must be a finite number ≥ 0.");
        if ((long)rows * dimension > Array.MaxLength) throw new ArgumentOutOfRangeException(nameof(rows), rows, $"{rows} × {dimension} values do not fit one array.");
        var scale = 1 / MathF.Sqrt(dimension);
        var centreRng = new Random(seed);
        var centres = new float[(long)clusters * dimension];
        for (var i = 0; i < centres.Length; i++) centres[i] = Gaussian(centreRng) * scale;
        // Not HashCode.Combine, which is seeded per process: the same seed gave other vectors in every run.
        var rng = new Random(unchecked(seed * 65_537 + stream + 0x5eed));
        var values = new float[(long)rows * dimension];
        for (var r = 0; r < rows; r++)
        {
            if (r % 1024 == 0) cancellationToken.ThrowIfCancellationRequested();
            var c = rng.Next(clusters);
            for (var j = 0; j < dimension; j++)
                values[(long)r * dimension + j] = centres[(long)c * dimension + j] + spread * scale * Gaussian(rng);
        }
        return values;
    }

    /// <summary>The exact top <paramref name="k"/> base row numbers of each query (best first), by brute force.</summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled (checked between blocks of queries).</exception>
    public static long[] ExactNeighbours(float[] baseVectors, float[] queries, int dimension, int k, VectorMetric metric, int threads = 0,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(baseVectors);
        ArgumentNullException.ThrowIfNull(queries);
        ArgumentOutOfRangeException.ThrowIfLessThan(dimension, 1);
        if (baseVectors.Length % dimension != 0 || queries.Length % dimension != 0)
            throw new ArgumentException($"The vectors' lengths ({baseVectors.Length}, {queries.Length}) are not multiples of the dimension {dimension}.", nameof(dimension));
        var rows = baseVectors.Length / dimension;
        if (k < 1 || k > rows) throw new ArgumentOutOfRangeException(nameof(k), k, $"k must be in [1, {rows}] (the base rows).");
        using var exact = new FlatIndex(dimension, metric);
        var ids = new long[rows];
        for (var i = 0; i < rows; i++) ids[i] = i;
        exact.Add(ids, baseVectors, cancellationToken);
        var options = new SearchOptions { Threads = threads == 0 ? Environment.ProcessorCount : threads };
        // In blocks of queries, the token checked between them: one call over a million base rows runs for minutes. A block
        // keeps every thread on whole scan blocks, so the search costs what one call did.
        var block = PackedScan.MaxQueries * options.Threads * 4;
        var nq = queries.Length / dimension;
        var found = new long[(long)nq * k];
        for (var q0 = 0; q0 < nq; q0 += block)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var m = Math.Min(block, nq - q0);
            exact.Search(queries.AsSpan(q0 * dimension, m * dimension), k, options).Ids.CopyTo(found.AsSpan(q0 * k));
        }
        return found;
    }

    // Box–Muller: one standard normal draw.
    private static float Gaussian(Random rng)
    {
        var u = 1 - rng.NextDouble();
        return (float)(Math.Sqrt(-2 * Math.Log(u)) * Math.Cos(2 * Math.PI * rng.NextDouble()));
    }
}
