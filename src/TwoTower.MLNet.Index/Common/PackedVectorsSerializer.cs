using TwoTower.MLNet.Index.Kernels;
using TwoTower.MLNet.Index.Persistence;

namespace TwoTower.MLNet.Index.Common;

/// <summary>
/// Saves a <see cref="PackedVectors"/> store (format version 2) as its live row count, then aligned sections
/// of ids, squared norms and the packed panels themselves, so loading needs no repacking and a mapped load
/// uses the panels in place (the norms are stored so that opening touches no vector page).
/// </summary>
internal static class PackedVectorsSerializer
{
    /// <summary>Writes the live rows of <paramref name="store"/>.</summary>
    public static void Write(BinaryWriter w, PackedVectors store)
    {
        var s = store.WithoutRemoved();
        w.Write(s.Rows);
        IndexSections.Write<long>(w, s.Ids.AsSpan(0, s.Rows));
        IndexSections.Write<float>(w, s.Norms.AsSpan(0, s.Rows));
        IndexSections.Write<float>(w, s.Packed.Span[..(int)Gemm.PackedLength(s.Rows, s.Dimension)]);
    }

    /// <summary>Reads a store written by <see cref="Write"/>; its panels stay in the mapping when the file is mapped.</summary>
    public static PackedVectors Read(IndexPayloadReader p, string name)
    {
        var d = p.Header.Dimension;
        var n = p.Reader.ReadInt32();
        if (n < 0) throw p.Corrupt($"{name} has {n} rows");
        var ids = p.ReadArray<long>(n, $"{name} ids");
        var norms = p.ReadArray<float>(n, $"{name} norms");
        var packed = p.ReadMemory<float>(Gemm.PackedLength(n, d), $"{name} vectors");
        foreach (var id in ids)
            if (id < 0) throw p.Corrupt($"{name} holds negative id {id}");
        return new PackedVectors(d, packed, norms, ids, new bool[n], n, n);
    }
}
