using System.Buffers;
using System.Runtime.Intrinsics;
using TwoTower.MLNet.Index.Kernels;

namespace TwoTower.MLNet.Index.Common;

/// <summary>
/// Exact scoring of a block of queries against packed vectors: a GEMM tile of dot products per base
/// block, then a SIMD threshold scan that offers only candidates able to enter each query's top-k heap.
/// Heap scores for L2 are 2q·x − ‖x‖² (the caller subtracts ‖q‖² at the end).
/// </summary>
internal static class PackedScan
{
    private const int BaseBlock = 1024;
    // Padded off a power of two so the kernel's eight row stores do not alias in cache.
    private const int TileStride = BaseBlock + 16;

    /// <summary>Largest query block one call handles.</summary>
    public const int MaxQueries = 256;

    /// <summary>
    /// Scores queries q (mq × d) against s and offers results to heaps: query i uses heap slot
    /// <c>slot(i)</c> = map?[i] ?? i, i.e. spans [slot·k, slot·k + k) of heapScores/heapIds and counts[slot].
    /// </summary>
    public static void Scan(PackedVectors s, ReadOnlySpan<float> q, int mq, bool l2, Func<long, bool>? eligible,
        Span<float> heapScores, Span<long> heapIds, Span<int> counts, int k, ReadOnlySpan<int> map = default)
    {
        if (s.Rows == 0 || mq == 0) return;
        var tile = ArrayPool<float>.Shared.Rent(mq * TileStride);
        try
        {
            for (var b0 = 0; b0 < s.Rows; b0 += BaseBlock)
            {
                var nb = Math.Min(BaseBlock, s.Rows - b0);
                Gemm.MultiplyPackedB(q, mq, s.Dimension, s.Packed.Span, b0, nb, tile, TileStride);
                for (var i = 0; i < mq; i++)
                {
                    var slot = map.IsEmpty ? i : map[i];
                    Select(s, tile.AsSpan(i * TileStride, nb), b0, l2, eligible, heapScores.Slice(slot * k, k), heapIds.Slice(slot * k, k), ref counts[slot]);
                }
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(tile);
        }
    }

    private static void Select(PackedVectors s, ReadOnlySpan<float> dots, int b0, bool l2, Func<long, bool>? eligible, Span<float> hs, Span<long> hi, ref int count)
    {
        var threshold = TopK.Threshold(hs, count);
        var j = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            var norms = s.Norms.AsSpan(b0);
            for (; j + 16 <= dots.Length; j += 16)
            {
                var v = Vector512.Create(dots.Slice(j, 16));
                if (l2) v = v * 2f - Vector512.Create(norms.Slice(j, 16));
                var mask = Vector512.GreaterThanOrEqual(v, Vector512.Create(threshold)).ExtractMostSignificantBits();
                while (mask != 0)
                {
                    var t = System.Numerics.BitOperations.TrailingZeroCount(mask);
                    mask &= mask - 1;
                    Offer(s, b0 + j + t, v.GetElement(t), eligible, hs, hi, ref count, ref threshold);
                }
            }
        }
        for (; j < dots.Length; j++)
        {
            var score = l2 ? dots[j] * 2f - s.Norms[b0 + j] : dots[j];
            if (score >= threshold) Offer(s, b0 + j, score, eligible, hs, hi, ref count, ref threshold);
        }
    }

    private static void Offer(PackedVectors s, int row, float score, Func<long, bool>? eligible, Span<float> hs, Span<long> hi, ref int count, ref float threshold)
    {
        if (s.Removed[row]) return;
        var id = s.Ids[row];
        if (count == hs.Length && !TopK.Better(score, id, hs[0], hi[0])) return;
        if (eligible is not null && !eligible(id)) return;
        TopK.Push(hs, hi, ref count, score, id);
        threshold = TopK.Threshold(hs, count);
    }
}
