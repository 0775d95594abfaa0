namespace TwoTower.MLNet.Index.Tests;

/// <summary>Seeded test vectors and the brute-force reference every index is checked against.</summary>
internal static class TestData
{
    public static float[] Uniform(int rows, int d, int seed)
    {
        var rng = new Random(seed);
        var x = new float[rows * d];
        for (var i = 0; i < x.Length; i++) x[i] = (float)(rng.NextDouble() * 2 - 1);
        return x;
    }

    /// <summary>Gaussian mixture around <paramref name="centres"/> random unit centres (like the peers' synthetic set).</summary>
    public static float[] Clustered(int rows, int d, int centres, float sigma, int seed, bool unit = false)
    {
        var rng = new Random(seed);
        var c = new float[centres * d];
        for (var i = 0; i < c.Length; i++) c[i] = Normal(rng);
        var x = new float[rows * d];
        for (var r = 0; r < rows; r++)
        {
            var k = rng.Next(centres);
            for (var j = 0; j < d; j++) x[r * d + j] = c[k * d + j] / MathF.Sqrt(d) + sigma * Normal(rng) / MathF.Sqrt(d);
            if (unit) System.Numerics.Tensors.TensorPrimitives.Divide(x.AsSpan(r * d, d), System.Numerics.Tensors.TensorPrimitives.Norm(x.AsSpan(r * d, d)), x.AsSpan(r * d, d));
        }
        return x;
    }

    /// <summary>Isotropic Gaussian rows.</summary>
    public static float[] Gaussian(int rows, int d, int seed)
    {
        var rng = new Random(seed);
        var x = new float[rows * d];
        for (var i = 0; i < x.Length; i++) x[i] = Normal(rng);
        return x;
    }

    /// <summary>A copy of <paramref name="x"/> with each row scaled to a length drawn uniformly from [min, max] (like matrix-factorisation factors).</summary>
    public static float[] WithLengths(float[] x, int d, int seed, float min = 0.1f, float max = 2f)
    {
        var rng = new Random(seed);
        var y = (float[])x.Clone();
        for (var r = 0; r < y.Length / d; r++)
        {
            var row = y.AsSpan(r * d, d);
            var length = min + (max - min) * (float)rng.NextDouble();
            System.Numerics.Tensors.TensorPrimitives.Multiply(row, length / System.Numerics.Tensors.TensorPrimitives.Norm(row), row);
        }
        return y;
    }

    private static float Normal(Random rng) => (float)(Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble()));

    public static long[] Ids(int n, long offset = 0) => Enumerable.Range(0, n).Select(i => i + offset).ToArray();

    public static float Score(ReadOnlySpan<float> q, ReadOnlySpan<float> x, VectorMetric metric)
    {
        double dot = 0, qq = 0, xx = 0, dist = 0;
        for (var j = 0; j < q.Length; j++) { double a = q[j], b = x[j]; dot += a * b; qq += a * a; xx += b * b; dist += (a - b) * (a - b); }
        return metric switch
        {
            VectorMetric.InnerProduct => (float)dot,
            VectorMetric.Cosine => (float)(dot / Math.Sqrt(qq * xx)),
            _ => (float)-dist,
        };
    }

    /// <summary>Exact top-k ids (score descending, id ascending on ties) among ids passing <paramref name="keep"/>.</summary>
    public static long[] BruteForce(float[] x, long[] ids, ReadOnlySpan<float> q, int k, VectorMetric metric, Func<long, bool>? keep = null)
    {
        var d = q.Length;
        var scored = new List<(float S, long Id)>();
        for (var r = 0; r < ids.Length; r++)
            if (keep is null || keep(ids[r])) scored.Add((Score(q, x.AsSpan(r * d, d), metric), ids[r]));
        return scored.OrderByDescending(t => t.S).ThenBy(t => t.Id).Take(k).Select(t => t.Id).ToArray();
    }

    public static double Recall(SearchResults results, float[] x, long[] ids, float[] queries, int k, VectorMetric metric)
    {
        var d = queries.Length / results.QueryCount;
        var hits = 0;
        for (var i = 0; i < results.QueryCount; i++)
        {
            var truth = BruteForce(x, ids, queries.AsSpan(i * d, d), k, metric);
            hits += results.IdsOf(i).ToArray().Count(truth.Contains);
        }
        return hits / (double)(results.QueryCount * k);
    }
}
