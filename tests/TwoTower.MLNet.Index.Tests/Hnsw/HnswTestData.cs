using TwoTower.MLNet.Index;

namespace TwoTower.MLNet.Index.Tests.Hnsw;

/// <summary>Seeded clustered vectors and a brute-force reference for the HNSW tests.</summary>
internal static class HnswTestData
{
    /// <summary>n row-major vectors of dimension d around <paramref name="clusters"/> Gaussian centres.</summary>
    public static float[] Clustered(int n, int d, int clusters, int seed, float spread = 0.35f)
    {
        var rng = new Random(seed);
        var centres = new float[clusters * d];
        for (int i = 0; i < centres.Length; i++) centres[i] = Gaussian(rng);
        var x = new float[n * d];
        for (int i = 0; i < n; i++)
        {
            int c = rng.Next(clusters);
            for (int j = 0; j < d; j++) x[i * d + j] = centres[c * d + j] + spread * Gaussian(rng);
        }
        return x;
    }

    /// <summary>Rescales each row to a norm drawn from [lo, hi]: embeddings as two-tower models emit them for inner-product search.</summary>
    public static float[] WithNorms(float[] x, int d, int seed, float lo = 0.8f, float hi = 1.2f)
    {
        var rng = new Random(seed);
        for (int i = 0; i < x.Length / d; i++)
        {
            var row = x.AsSpan(i * d, d);
            float norm = MathF.Sqrt(System.Numerics.Tensors.TensorPrimitives.SumOfSquares(row));
            float target = lo + (hi - lo) * (float)rng.NextDouble();
            System.Numerics.Tensors.TensorPrimitives.Multiply(row, target / norm, row);
        }
        return x;
    }

    public static long[] Ids(int n, long offset = 0) => Enumerable.Range(0, n).Select(i => i + offset).ToArray();

    /// <summary>Score of the metric (higher is better), in double.</summary>
    public static double Score(VectorMetric metric, ReadOnlySpan<float> q, ReadOnlySpan<float> x)
    {
        double dot = 0, qq = 0, xx = 0, l2 = 0;
        for (int j = 0; j < q.Length; j++)
        {
            dot += (double)q[j] * x[j];
            qq += (double)q[j] * q[j];
            xx += (double)x[j] * x[j];
            l2 += ((double)q[j] - x[j]) * ((double)q[j] - x[j]);
        }
        return metric switch
        {
            VectorMetric.InnerProduct => dot,
            VectorMetric.Cosine => dot / Math.Sqrt(qq * xx),
            _ => -l2,
        };
    }

    /// <summary>Exact top-k ids of one query among the rows whose id passes <paramref name="allowed"/>.</summary>
    public static long[] ExactTopK(VectorMetric metric, float[] data, long[] ids, int d, ReadOnlySpan<float> q, int k, Func<long, bool>? allowed = null)
    {
        var scored = new List<(double Score, long Id)>();
        for (int i = 0; i < ids.Length; i++)
        {
            if (allowed is not null && !allowed(ids[i])) continue;
            scored.Add((Score(metric, q, data.AsSpan(i * d, d)), ids[i]));
        }
        return scored.OrderByDescending(s => s.Score).ThenBy(s => s.Id).Take(k).Select(s => s.Id).ToArray();
    }

    /// <summary>Mean recall@k of the index's results against the exact top-k.</summary>
    public static double Recall(SearchResults results, VectorMetric metric, float[] data, long[] ids, int d, float[] queries, int k, Func<long, bool>? allowed = null)
    {
        double hits = 0, total = 0;
        for (int q = 0; q < results.QueryCount; q++)
        {
            var truth = ExactTopK(metric, data, ids, d, queries.AsSpan(q * d, d), k, allowed);
            var got = new HashSet<long>(results.IdsOf(q).ToArray());
            hits += truth.Count(got.Contains);
            total += truth.Length;
        }
        return total == 0 ? 1 : hits / total;
    }

    private static float Gaussian(Random rng)
        => (float)(Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble()));
}
