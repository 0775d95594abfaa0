using System.Numerics.Tensors;
using TwoTower.MLNet.Index.Common;

namespace TwoTower.MLNet.Index.Ivf;

/// <summary>
/// Lloyd's k-means (squared L2) with k-means++ seeding, seeded sampling, GEMM-based assignment over
/// threads, and empty-cluster repair by splitting the largest cluster (as FAISS does).
/// </summary>
internal static class KMeans
{
    /// <summary>Training points kept per centroid (FAISS's default cap).</summary>
    public const int MaxPointsPerCentroid = 256;

    /// <summary>Learns k centroids (row-major k × d) from n rows of x.</summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled (checked per seeded centroid and per block of assigned rows).</exception>
    public static float[] Train(ReadOnlySpan<float> x, int d, int k, int iterations, int seed, int threads, CancellationToken cancellationToken = default)
    {
        var n = x.Length / d;
        if (n < k) throw new ArgumentException($"k-means needs at least {k} training vectors (one per centroid); got {n}.", "vectors");
        var rng = new Random(seed);
        var sample = Sample(x, d, Math.Min(n, k * MaxPointsPerCentroid), rng);
        var m = sample.Length / d;
        // Seeded from at most 32 rows per centroid, drawn at random: when every row was kept, the sample is in the caller's order,
        // and its first rows (of data sorted by genre, say) held only some of the clusters.
        var seeding = Math.Min(m, k * 32);
        var centroids = PlusPlus(seeding < m && m == n ? Sample(sample, d, seeding, rng) : sample.AsSpan(0, seeding * d), d, k, rng, cancellationToken);
        var assign = new int[m];
        var counts = new int[k];
        for (var it = 0; it < iterations; it++)
        {
            Assign(sample, d, centroids, k, threads, assign, cancellationToken: cancellationToken);
            Array.Clear(centroids);
            Array.Clear(counts);
            for (var i = 0; i < m; i++)
            {
                var c = centroids.AsSpan(assign[i] * d, d);
                TensorPrimitives.Add(c, sample.AsSpan(i * d, d), c);
                counts[assign[i]]++;
            }
            for (var c = 0; c < k; c++)
                if (counts[c] > 0) TensorPrimitives.Divide(centroids.AsSpan(c * d, d), counts[c], centroids.AsSpan(c * d, d));
            RepairEmpty(centroids, counts, d, rng);
        }
        return centroids;
    }

    // Partial Fisher–Yates: m distinct random rows.
    private static float[] Sample(ReadOnlySpan<float> x, int d, int m, Random rng)
    {
        var n = x.Length / d;
        if (m == n) return x.ToArray();
        var perm = new int[n];
        for (var i = 0; i < n; i++) perm[i] = i;
        var sample = new float[(long)m * d];
        for (var i = 0; i < m; i++)
        {
            var j = rng.Next(i, n);
            (perm[i], perm[j]) = (perm[j], perm[i]);
            x.Slice(perm[i] * d, d).CopyTo(sample.AsSpan(i * d, d));
        }
        return sample;
    }

    // k-means++ (Arthur & Vassilvitskii): each next centroid drawn with probability ∝ squared distance to the nearest chosen one.
    private static float[] PlusPlus(ReadOnlySpan<float> x, int d, int k, Random rng, CancellationToken cancellationToken)
    {
        var n = x.Length / d;
        var centroids = new float[k * d];
        var best = new float[n];
        Array.Fill(best, float.PositiveInfinity);
        var chosen = rng.Next(n);
        for (var c = 0; c < k; c++)
        {
            // One pass over the seeding rows per centroid: 1024 centroids of 32 768 rows × 128 took seconds in all.
            cancellationToken.ThrowIfCancellationRequested();
            var centre = centroids.AsSpan(c * d, d);
            x.Slice(chosen * d, d).CopyTo(centre);
            double total = 0;
            for (var i = 0; i < n; i++)
            {
                var dist = TensorPrimitives.Distance(x.Slice(i * d, d), centre);
                best[i] = Math.Min(best[i], dist * dist);
                total += best[i];
            }
            if (c == k - 1) break;
            var target = rng.NextDouble() * total;
            chosen = n - 1;
            for (var i = 0; i < n; i++)
            {
                target -= best[i];
                if (target < 0) { chosen = i; break; }
            }
        }
        return centroids;
    }

    /// <summary>Nearest centroid (squared L2; largest inner product when l2 is false) of every row of x, through the packed GEMM scan.</summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled (checked per block of rows; <paramref name="assign"/> is then incomplete).</exception>
    public static void Assign(float[] x, int d, ReadOnlySpan<float> centroids, int k, int threads, Span<int> assign, bool l2 = true, CancellationToken cancellationToken = default)
    {
        var store = Pack(centroids, d, k);
        var n = x.Length / d;
        var best = new long[n];
        var scores = new float[n];
        var counts = new int[n];
        var blocks = (n + PackedScan.MaxQueries - 1) / PackedScan.MaxQueries;
        // Not Parallel.For, which waits for the replicas it queued: an Add of one vector from outside a busy pool waited seconds.
        CallerLedLoop.For(blocks, threads, b =>
        {
            cancellationToken.ThrowIfCancellationRequested();
            var i0 = b * PackedScan.MaxQueries;
            var m = Math.Min(PackedScan.MaxQueries, n - i0);
            PackedScan.Scan(store, x.AsSpan(i0 * d, m * d), m, l2, null, scores.AsSpan(i0, m), best.AsSpan(i0, m), counts.AsSpan(i0, m), 1);
        });
        for (var i = 0; i < n; i++) assign[i] = (int)best[i];
    }

    /// <summary>Centroids as packed vectors with ids 0 … k−1 (the coarse quantizer's store).</summary>
    public static PackedVectors Pack(ReadOnlySpan<float> centroids, int d, int k)
    {
        var ids = new long[k];
        for (var i = 0; i < k; i++) ids[i] = i;
        return PackedVectors.Empty(d).Append(ids, centroids);
    }

    private static void RepairEmpty(float[] centroids, int[] counts, int d, Random rng)
    {
        var k = counts.Length;
        for (var c = 0; c < k; c++)
        {
            if (counts[c] > 0) continue;
            var big = 0;
            for (var j = 1; j < k; j++) if (counts[j] > counts[big]) big = j;
            // Split the largest cluster: two slightly perturbed copies of its centre share its points.
            var src = centroids.AsSpan(big * d, d);
            var dst = centroids.AsSpan(c * d, d);
            for (var p = 0; p < d; p++)
            {
                var eps = (float)(rng.NextDouble() * 2 - 1) * 1e-4f * (Math.Abs(src[p]) + 1e-6f);
                dst[p] = src[p] + eps;
                src[p] -= eps;
            }
            counts[c] = counts[big] / 2;
            counts[big] -= counts[c];
        }
    }
}
