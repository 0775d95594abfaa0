using System.Buffers;
using System.Collections;
using System.Numerics;
using System.Runtime.InteropServices;
using TwoTower.MLNet.Index.Kernels;

namespace TwoTower.MLNet.Index.Common;

/// <summary>
/// Exact search under a selective allow-list: the live rows whose ids are allowed, copied into a store of their own, so that
/// a search scores only those. Scanning every row instead offers each candidate above the heap's bar to the allow-list
/// test, and with few ids allowed the bar stays low, so nearly every row paid for a test and most of the scoring was wasted.
/// </summary>
internal static class AllowedRows
{
    // Copying a row costs about as much as scoring it against 10 blocks of Gemm.MR queries (2,000 of 20,000 rows × 64 were
    // copied in the time of 1.1 single-query scans of all rows); 16 leaves a margin.
    private const int CopyCost = 16;

    // At most an eighth of the rows is copied, which bounds the memory one search adds.
    private const int MaxShare = 8;

    /// <summary>
    /// The live rows of <paramref name="store"/> whose ids are set in <paramref name="allow"/> (ids past its end are not
    /// allowed), in row order, as a store of their own; null when they are too many for copying them to pay off against
    /// scanning all rows for <paramref name="queries"/> queries (at most 1/17 of the rows for one query, 1/8 for large batches).
    /// </summary>
    public static PackedVectors? Select(PackedVectors store, BitArray allow, int queries)
    {
        var blocks = (long)(queries + Gemm.MR - 1) / Gemm.MR;
        var limit = (int)Math.Min(store.Rows / MaxShare, store.Rows * blocks / (CopyCost + blocks));
        // Ids are unique, so more allowed ids than the limit turn a list away; counting them is the cheaper pass when the list is not much longer than the index.
        if (allow.Length / 32 <= store.Rows && CountSet(allow) > limit) return null;
        var rows = new List<int>();
        for (var r = 0; r < store.Rows; r++)
        {
            var id = store.Ids[r];
            if (store.Removed[r] || id >= allow.Length || !allow[(int)id]) continue;
            if (rows.Count == limit) return null;
            rows.Add(r);
        }
        return store.Gather(CollectionsMarshal.AsSpan(rows));
    }

    private static int CountSet(BitArray bits)
    {
        var words = (bits.Length + 31) / 32;
        var buffer = ArrayPool<int>.Shared.Rent(words);
        try
        {
            bits.CopyTo(buffer, 0);
            // Bits past Length in the last word are not part of the list.
            if (bits.Length % 32 != 0) buffer[words - 1] &= (1 << (bits.Length % 32)) - 1;
            var count = 0;
            for (var i = 0; i < words; i++) count += BitOperations.PopCount((uint)buffer[i]);
            return count;
        }
        finally
        {
            ArrayPool<int>.Shared.Return(buffer);
        }
    }
}
