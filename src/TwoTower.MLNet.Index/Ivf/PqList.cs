using TwoTower.MLNet.Index.Common;

namespace TwoTower.MLNet.Index.Ivf;

/// <summary>
/// One inverted list of an IVF-PQ index: codes, ids, tombstones and (with refinement) full vectors; an append-only
/// snapshot like <c>PackedVectors</c>. Codes and vectors may live in a mapped file: such a list is loaded full
/// (capacity = rows), so appending grows into owned arrays first.
/// </summary>
internal sealed record PqList(int M, int Dimension, Memory<byte> Codes, Memory<float> Vectors, long[] Ids, bool[] Removed, int Rows, int Live) : IRowStore<PqList>
{
    /// <summary>An empty list; <paramref name="keepVectors"/> stores full vectors for refinement.</summary>
    public static PqList Empty(int m, int dimension, bool keepVectors) => new(m, keepVectors ? dimension : 0, Memory<byte>.Empty, Memory<float>.Empty, [], [], 0, 0);

    /// <summary>Returns a snapshot with the rows appended (vectors are ignored unless the list keeps them).</summary>
    public PqList Append(ReadOnlySpan<long> ids, ReadOnlySpan<byte> codes, ReadOnlySpan<float> vectors)
    {
        var s = this;
        var rows = Rows + ids.Length;
        if (rows > Ids.Length)
        {
            var capacity = Math.Max(rows, Math.Max(16, Ids.Length + Ids.Length / 2));
            s = this with
            {
                Codes = Resize<byte>(Codes.Span, capacity * M), Vectors = Resize<float>(Vectors.Span, capacity * Dimension),
                Ids = Resize<long>(Ids, capacity), Removed = Resize<bool>(Removed, capacity),
            };
        }
        ids.CopyTo(s.Ids.AsSpan(Rows));
        codes.CopyTo(s.Codes.Span[(Rows * M)..]);
        if (Dimension > 0) vectors.CopyTo(s.Vectors.Span[(Rows * Dimension)..]);
        return s with { Rows = rows, Live = Live + ids.Length };
    }

    private static T[] Resize<T>(ReadOnlySpan<T> a, int length)
    {
        var b = new T[length];
        a.CopyTo(b);
        return b;
    }

    /// <summary>Tombstones a row and returns the snapshot with one fewer live row.</summary>
    public PqList MarkRemoved(int row)
    {
        Removed[row] = true;
        return this with { Live = Live - 1 };
    }

    /// <inheritdoc/>
    public PqList WithRowRemoved(int row)
    {
        var removed = (bool[])Removed.Clone();
        removed[row] = true;
        return this with { Removed = removed, Live = Live - 1 };
    }

    /// <inheritdoc/>
    public PqList WithoutRemoved()
    {
        if (Live == Rows) return this;
        var (ids, codes, vectors) = LiveRows();
        return Empty(M, Dimension, keepVectors: Dimension > 0).Append(ids, codes, vectors);
    }

    /// <summary>The live rows' ids, codes and vectors.</summary>
    public (long[] Ids, byte[] Codes, float[] Vectors) LiveRows()
    {
        var ids = new long[Live];
        var codes = new byte[Live * M];
        var vectors = new float[Live * Dimension];
        var n = 0;
        for (var row = 0; row < Rows; row++)
        {
            if (Removed[row]) continue;
            ids[n] = Ids[row];
            Codes.Span.Slice(row * M, M).CopyTo(codes.AsSpan(n * M));
            Vectors.Span.Slice(row * Dimension, Dimension).CopyTo(vectors.AsSpan(n * Dimension));
            n++;
        }
        return (ids, codes, vectors);
    }
}
