using System.Numerics.Tensors;
using TwoTower.MLNet.Index.Kernels;

namespace TwoTower.MLNet.Index.Common;

/// <summary>
/// An append-only snapshot of vectors kept in the GEMM kernel's panel layout (row j is column j % NR of
/// panel j / NR), with ids, squared norms and tombstones. Appending past <see cref="Rows"/> and publishing
/// the returned snapshot keeps concurrent readers of the old snapshot consistent. <see cref="Packed"/> may
/// live in a mapped file: such a store is loaded full (capacity = rows), so appending grows into an owned array first.
/// </summary>
internal sealed record PackedVectors(int Dimension, Memory<float> Packed, float[] Norms, long[] Ids, bool[] Removed, int Rows, int Live) : IRowStore<PackedVectors>
{
    /// <summary>An empty store.</summary>
    public static PackedVectors Empty(int dimension) => new(dimension, Memory<float>.Empty, [], [], [], 0, 0);

    /// <summary>The same rows without tombstoned ones (this store itself when none is removed).</summary>
    public PackedVectors WithoutRemoved()
    {
        if (Live == Rows) return this;
        var (ids, vectors) = LiveRows();
        return Empty(Dimension).Append(ids, vectors);
    }

    private int Capacity => Ids.Length;

    /// <summary>Returns a snapshot with the rows appended (reusing the arrays when they have room).</summary>
    public PackedVectors Append(ReadOnlySpan<long> ids, ReadOnlySpan<float> vectors)
    {
        var s = Rows + ids.Length > Capacity ? Grow(Rows + ids.Length) : this;
        // Panel by panel, so writes are sequential and the strided reads stay within one panel's rows (in L1).
        var d = Dimension;
        for (var row = Rows; row < Rows + ids.Length;)
        {
            var lane0 = row % Gemm.NR;
            var lanes = Math.Min(Gemm.NR - lane0, Rows + ids.Length - row);
            var panel = s.Packed.Span.Slice((int)((long)(row / Gemm.NR) * Gemm.NR * d), Gemm.NR * d);
            var src = vectors.Slice((row - Rows) * d, lanes * d);
            for (var p = 0; p < d; p++)
                for (var l = 0; l < lanes; l++) panel[p * Gemm.NR + lane0 + l] = src[l * d + p];
            for (var l = 0; l < lanes; l++)
            {
                var v = src.Slice(l * d, d);
                s.Norms[row + l] = TensorPrimitives.Dot(v, v);
                s.Ids[row + l] = ids[row - Rows + l];
            }
            row += lanes;
        }
        return s with { Rows = Rows + ids.Length, Live = Live + ids.Length };
    }

    private PackedVectors Grow(int needed)
    {
        var capacity = Math.Max(needed, Math.Max(Gemm.NR, Capacity + Capacity / 2));
        capacity = (capacity + Gemm.NR - 1) / Gemm.NR * Gemm.NR;
        var packed = new float[Gemm.PackedLength(capacity, Dimension)]; Packed.Span.CopyTo(packed);
        var norms = new float[capacity]; Norms.AsSpan().CopyTo(norms);
        var ids = new long[capacity]; Ids.AsSpan().CopyTo(ids);
        var removed = new bool[capacity]; Removed.AsSpan().CopyTo(removed);
        return this with { Packed = packed, Norms = norms, Ids = ids, Removed = removed };
    }

    /// <summary>A new store of the given rows, in the given order, copied panel to panel (norms and ids carried over, nothing removed).</summary>
    public PackedVectors Gather(ReadOnlySpan<int> rows)
    {
        var n = rows.Length;
        var d = Dimension;
        var packed = new float[Gemm.PackedLength(n, d)];
        var norms = new float[n];
        var ids = new long[n];
        var source = Packed.Span;
        for (var j = 0; j < n; j++)
        {
            var from = Offset(rows[j]);
            var to = Offset(j); // the new store has the same dimension, so the same panel layout
            for (var p = 0; p < d; p++) packed[to + p * Gemm.NR] = source[(int)(from + p * Gemm.NR)];
            norms[j] = Norms[rows[j]];
            ids[j] = Ids[rows[j]];
        }
        return new PackedVectors(d, packed, norms, ids, new bool[n], n, n);
    }

    private long Offset(int row) => (long)(row / Gemm.NR) * Gemm.NR * Dimension + row % Gemm.NR;

    /// <summary>Copies one stored row out.</summary>
    public void ReadRow(int row, Span<float> v)
    {
        var offset = Offset(row);
        var packed = Packed.Span;
        for (var p = 0; p < Dimension; p++) v[p] = packed[(int)(offset + p * Gemm.NR)];
    }

    /// <summary>Tombstones a row (shared with snapshots of the same arrays) and returns the snapshot with one fewer live row.</summary>
    public PackedVectors MarkRemoved(int row)
    {
        Removed[row] = true;
        return this with { Live = Live - 1 };
    }

    /// <inheritdoc/>
    public PackedVectors WithRowRemoved(int row)
    {
        var removed = (bool[])Removed.Clone();
        removed[row] = true;
        return this with { Removed = removed, Live = Live - 1 };
    }

    /// <summary>The live rows' ids and vectors, in row order.</summary>
    public (long[] Ids, float[] Vectors) LiveRows()
    {
        var ids = new long[Live];
        var vectors = new float[(long)Live * Dimension];
        var n = 0;
        for (var row = 0; row < Rows; row++)
        {
            if (Removed[row]) continue;
            ids[n] = Ids[row];
            ReadRow(row, vectors.AsSpan(n * Dimension, Dimension));
            n++;
        }
        return (ids, vectors);
    }
}
