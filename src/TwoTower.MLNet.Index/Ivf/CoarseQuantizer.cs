using TwoTower.MLNet.Index.Common;
using TwoTower.MLNet.Index.Persistence;

namespace TwoTower.MLNet.Index.Ivf;

/// <summary>The k-means centroids that split vectors into inverted lists (squared-L2 cells).</summary>
internal sealed class CoarseQuantizer
{
    private readonly PackedVectors _store;

    public CoarseQuantizer(float[] centroids, int dimension)
    {
        Centroids = centroids;
        Dimension = dimension;
        Lists = centroids.Length / dimension;
        _store = KMeans.Pack(centroids, dimension, Lists);
    }

    /// <summary>Centroids, row-major lists × dimension.</summary>
    public float[] Centroids { get; }

    /// <summary>Number of inverted lists.</summary>
    public int Lists { get; }

    /// <summary>Vector dimension.</summary>
    public int Dimension { get; }

    /// <summary>Trains centroids on prepared vectors.</summary>
    public static CoarseQuantizer Train(ReadOnlySpan<float> vectors, int dimension, int lists, int seed, int threads) =>
        new(KMeans.Train(vectors, dimension, lists, iterations: 10, seed, threads), dimension);

    /// <summary>The list of each row of vectors: nearest centroid, or largest inner product when l2 is false (matching <see cref="Probe"/>).</summary>
    public int[] Assign(float[] vectors, bool l2, int threads)
    {
        var assign = new int[vectors.Length / Dimension];
        KMeans.Assign(vectors, Dimension, Centroids, Lists, threads, assign, l2);
        return assign;
    }

    /// <summary>The nprobe best lists of each query (row i at [i·nprobe, i·nprobe + nprobe), best first): nearest centroids when l2 (what the indexes use for every metric: on unit-norm data L2 cells give better recall than q·c), else largest q·c.</summary>
    public long[] Probe(ReadOnlySpan<float> queries, int nprobe, bool l2, int threads)
    {
        var nq = queries.Length / Dimension;
        var lists = new long[(long)nq * nprobe];
        var scores = new float[lists.Length];
        var counts = new int[nq];
        var q = queries.ToArray();
        var blocks = (nq + PackedScan.MaxQueries - 1) / PackedScan.MaxQueries;
        void Run(int b)
        {
            var i0 = b * PackedScan.MaxQueries;
            var m = Math.Min(PackedScan.MaxQueries, nq - i0);
            PackedScan.Scan(_store, q.AsSpan(i0 * Dimension, m * Dimension), m, l2, null,
                scores.AsSpan(i0 * nprobe, m * nprobe), lists.AsSpan(i0 * nprobe, m * nprobe), counts.AsSpan(i0, m), nprobe);
            for (var i = i0; i < i0 + m; i++) TopK.SortDescending(scores.AsSpan(i * nprobe, nprobe), lists.AsSpan(i * nprobe, nprobe), counts[i]);
        }
        if (threads == 1 || blocks == 1) for (var b = 0; b < blocks; b++) Run(b);
        else Parallel.For(0, blocks, new ParallelOptions { MaxDegreeOfParallelism = threads }, Run);
        return lists;
    }

    /// <summary>Writes the list count and centroids.</summary>
    public void Write(BinaryWriter w)
    {
        w.Write(Lists);
        BinaryIo.Write<float>(w, Centroids);
    }

    /// <summary>Reads what <see cref="Write"/> wrote.</summary>
    public static CoarseQuantizer Read(BinaryReader r, int dimension)
    {
        var lists = r.ReadInt32();
        if (lists < 1) throw new EndOfStreamException($"list count {lists}");
        return new CoarseQuantizer(BinaryIo.ReadFloats(r, (long)lists * dimension), dimension);
    }
}
