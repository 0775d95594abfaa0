using TwoTower.MLNet.Index.Common;
using TwoTower.MLNet.Index.Persistence;

namespace TwoTower.MLNet.Index.Ivf;

/// <summary>
/// The k-means centroids that split vectors into inverted lists: squared-L2 cells of the rows themselves, or, with
/// <see cref="ByDirection"/>, of the rows' directions. The rule is part of the index's state (its lists were filled by it),
/// so it is saved with the centroids.
/// </summary>
internal sealed class CoarseQuantizer
{
    /// <summary>The first file format version that records <see cref="ByDirection"/>; older files all used the rows themselves.</summary>
    public const int FirstVersionWithRule = 3;

    private readonly PackedVectors _store;

    public CoarseQuantizer(float[] centroids, int dimension, bool byDirection)
    {
        Centroids = centroids;
        Dimension = dimension;
        Lists = centroids.Length / dimension;
        ByDirection = byDirection;
        _store = KMeans.Pack(centroids, dimension, Lists);
    }

    /// <summary>Centroids, row-major lists × dimension.</summary>
    public float[] Centroids { get; }

    /// <summary>Number of inverted lists.</summary>
    public int Lists { get; }

    /// <summary>Vector dimension.</summary>
    public int Dimension { get; }

    /// <summary>
    /// Whether rows are L2-normalised before their nearest centroid is found (inner-product indexes since format version 3),
    /// so that cells depend on direction only, as cosine's do. With L2 cells of the raw rows the lists a query probes depend
    /// on its length, which its inner-product ranking ignores, and the long vectors that ranking favours sit in other cells
    /// than the short ones of the same direction. On unit-length rows both rules give the same cells.
    /// </summary>
    public bool ByDirection { get; }

    /// <summary>Trains centroids on prepared vectors of an index of <paramref name="metric"/> (inner product: on their directions).</summary>
    public static CoarseQuantizer Train(ReadOnlySpan<float> vectors, int dimension, int lists, int seed, int threads, VectorMetric metric, CancellationToken cancellationToken = default)
    {
        var byDirection = metric == VectorMetric.InnerProduct;
        var x = byDirection ? Directions(vectors, dimension) : vectors;
        return new(KMeans.Train(x, dimension, lists, iterations: 10, seed, threads, cancellationToken), dimension, byDirection);
    }

    /// <summary>The list of each row of vectors: nearest centroid, or largest inner product when l2 is false (matching <see cref="Probe"/>).</summary>
    public int[] Assign(float[] vectors, bool l2, int threads, CancellationToken cancellationToken = default)
    {
        var assign = new int[vectors.Length / Dimension];
        KMeans.Assign(ByDirection ? Directions(vectors, Dimension) : vectors, Dimension, Centroids, Lists, threads, assign, l2, cancellationToken);
        return assign;
    }

    /// <summary>
    /// The nprobe best lists of each query (row i at [i·nprobe, i·nprobe + nprobe), best first): nearest centroids when l2 (what
    /// the indexes use for every metric: on unit-norm data L2 cells give better recall than q·c), else largest q·c; of the
    /// query's direction when <see cref="ByDirection"/>.
    /// </summary>
    public long[] Probe(ReadOnlySpan<float> queries, int nprobe, bool l2, int threads)
    {
        var nq = queries.Length / Dimension;
        var lists = new long[(long)nq * nprobe];
        var scores = new float[lists.Length];
        var counts = new int[nq];
        var q = ByDirection ? Directions(queries, Dimension) : queries.ToArray();
        var blocks = (nq + PackedScan.MaxQueries - 1) / PackedScan.MaxQueries;
        void Run(int b)
        {
            var i0 = b * PackedScan.MaxQueries;
            var m = Math.Min(PackedScan.MaxQueries, nq - i0);
            PackedScan.Scan(_store, q.AsSpan(i0 * Dimension, m * Dimension), m, l2, null,
                scores.AsSpan(i0 * nprobe, m * nprobe), lists.AsSpan(i0 * nprobe, m * nprobe), counts.AsSpan(i0, m), nprobe);
            for (var i = i0; i < i0 + m; i++)
            {
                TopK.SortDescending(scores.AsSpan(i * nprobe, nprobe), lists.AsSpan(i * nprobe, nprobe), counts[i]);
                if (counts[i] < nprobe) FillUnranked(lists.AsSpan(i * nprobe, nprobe), counts[i]);
            }
        }
        CallerLedLoop.For(blocks, threads, Run);
        return lists;
    }

    // A centroid whose score is NaN (‖c‖² overflowing to ∞ for components past about 1e19) ranks nowhere, which left the probe
    // row padded with list -1: the lists not ranked follow the ranked ones, in list order, so a query still probes nprobe lists.
    private static void FillUnranked(Span<long> row, int ranked)
    {
        var next = ranked;
        for (var l = 0; next < row.Length; l++)
            if (!row[..ranked].Contains(l)) row[next++] = l;
    }

    // Copies rows L2-normalised (all-zero rows, allowed for inner product, stay zero).
    private static float[] Directions(ReadOnlySpan<float> rows, int dimension)
    {
        var copy = rows.ToArray();
        VectorInput.NormalizeRows(copy, dimension, nameof(rows), keepZeroRows: true);
        return copy;
    }

    /// <summary>Writes the list count, centroids and (format version 3) the cell rule.</summary>
    public void Write(BinaryWriter w)
    {
        w.Write(Lists);
        BinaryIo.Write<float>(w, Centroids);
        w.Write(ByDirection);
    }

    /// <summary>Reads what <see cref="Write"/> wrote; files older than <see cref="FirstVersionWithRule"/> keep the cells of the rows themselves.</summary>
    public static CoarseQuantizer Read(IndexPayloadReader p)
    {
        var r = p.Reader;
        var lists = r.ReadInt32();
        // Not EndOfStreamException, which the loader reports as a short payload and so lost the field and its value.
        if (lists < 1) throw p.Corrupt($"list count {lists}, expected at least 1");
        var centroids = BinaryIo.ReadFloats(r, (long)lists * p.Header.Dimension);
        // A non-finite centroid ranks nowhere (its list would be probed only after every ranked one): refuse it as corrupt here.
        if (!System.Numerics.Tensors.TensorPrimitives.IsFiniteAll<float>(centroids)) throw p.Corrupt("a coarse centroid is not finite");
        var rule = p.Header.FormatVersion >= FirstVersionWithRule ? r.ReadByte() : 0;
        if (rule > 1) throw p.Corrupt($"coarse quantizer cell rule {rule}, expected 0 or 1");
        return new CoarseQuantizer(centroids, p.Header.Dimension, byDirection: rule == 1);
    }
}
