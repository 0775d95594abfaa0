using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace TwoTower.MLNet.Evaluation;

/// <summary>Rank and top-k primitives over a score row: the inner loops of every evaluation.</summary>
public static class ScoreRanking
{
    /// <summary>
    /// Number of scores strictly greater than <paramref name="target"/>: the 0-based rank of an item with
    /// that score, with ties resolved in the item's favour (as tf.math.in_top_k and the peers do).
    /// A NaN target ranks last (returns scores.Length).
    /// </summary>
    public static int CountGreater(ReadOnlySpan<float> scores, float target)
    {
        if (float.IsNaN(target)) return scores.Length;
        var count = 0;
        var i = 0;
        if (Vector512.IsHardwareAccelerated && scores.Length >= 16)
        {
            var t = Vector512.Create(target);
            ref var start = ref MemoryMarshal.GetReference(scores);
            for (; i <= scores.Length - 16; i += 16)
            {
                var v = Vector512.LoadUnsafe(ref start, (nuint)i);
                count += BitOperations.PopCount(Vector512.GreaterThan(v, t).ExtractMostSignificantBits());
            }
        }
        else if (Vector256.IsHardwareAccelerated && scores.Length >= 8)
        {
            var t = Vector256.Create(target);
            ref var start = ref MemoryMarshal.GetReference(scores);
            for (; i <= scores.Length - 8; i += 8)
            {
                var v = Vector256.LoadUnsafe(ref start, (nuint)i);
                count += BitOperations.PopCount(Vector256.GreaterThan(v, t).ExtractMostSignificantBits());
            }
        }
        for (; i < scores.Length; i++)
            if (scores[i] > target) count++;
        return count;
    }

    /// <summary>
    /// Writes the indices of the <c>min(k, eligible)</c> best scores into <paramref name="top"/>, best first;
    /// ties go to the lower index; -∞ and NaN scores are never selected. Returns how many were written.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // the inner loop of every evaluation and batch run: no tier-0 phase
    public static int TopK(ReadOnlySpan<float> scores, int k, Span<int> top)
    {
        if (k <= 0) throw new ArgumentOutOfRangeException(nameof(k), k, "k must be ≥ 1.");
        if (top.Length < k) throw new ArgumentException($"Output has room for {top.Length} indices; k = {k}.", nameof(top));
        // Min-heap of the current best k: root = worst kept (lowest score, then highest index).
        var heap = top[..k];
        var size = 0;
        var i = 0;
        for (; i < scores.Length && size < k; i++)
        {
            if (!(scores[i] > float.NegativeInfinity)) continue;
            heap[size] = i;
            SiftUp(scores, heap, size++);
        }
        // Once the heap is full, a later index beats the root only with a strictly greater score (ties go to the lower
        // index), so whole vectors at or below the root's score are skipped with one compare.
        if (size == k)
        {
            ref var start = ref MemoryMarshal.GetReference(scores);
            if (Vector512.IsHardwareAccelerated)
            {
                var t = Vector512.Create(scores[heap[0]]);
                for (; i <= scores.Length - 16; i += 16)
                {
                    var mask = Vector512.GreaterThan(Vector512.LoadUnsafe(ref start, (nuint)i), t).ExtractMostSignificantBits();
                    if (mask == 0) continue;
                    Admit(scores, heap, i, mask);
                    t = Vector512.Create(scores[heap[0]]);
                }
            }
            else if (Vector256.IsHardwareAccelerated)
            {
                var t = Vector256.Create(scores[heap[0]]);
                for (; i <= scores.Length - 8; i += 8)
                {
                    var mask = Vector256.GreaterThan(Vector256.LoadUnsafe(ref start, (nuint)i), t).ExtractMostSignificantBits();
                    if (mask == 0) continue;
                    Admit(scores, heap, i, mask);
                    t = Vector256.Create(scores[heap[0]]);
                }
            }
        }
        for (; i < scores.Length; i++)
        {
            var s = scores[i];
            if (!(s > float.NegativeInfinity)) continue;
            if (size < k)
            {
                heap[size] = i;
                SiftUp(scores, heap, size++);
            }
            else if (Better(scores, i, heap[0]))
            {
                heap[0] = i;
                SiftDown(scores, heap, 0, size);
            }
        }
        // Heap-sort in place: repeatedly move the worst to the end.
        for (var end = size - 1; end > 0; end--)
        {
            (heap[0], heap[end]) = (heap[end], heap[0]);
            SiftDown(scores, heap, 0, end);
        }
        return size;
    }

    // Offers the lanes of mask (scores above the root's when the vector was compared) in index order to a full heap.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Admit(ReadOnlySpan<float> scores, Span<int> heap, int first, ulong mask)
    {
        for (; mask != 0; mask &= mask - 1)
        {
            var j = first + BitOperations.TrailingZeroCount(mask);
            if (!(scores[j] > scores[heap[0]])) continue;
            heap[0] = j;
            SiftDown(scores, heap, 0, heap.Length);
        }
    }

    private static bool Better(ReadOnlySpan<float> s, int a, int b) => s[a] > s[b] || (s[a] == s[b] && a < b);

    private static void SiftUp(ReadOnlySpan<float> s, Span<int> h, int i)
    {
        while (i > 0)
        {
            var p = (i - 1) >> 1;
            if (!Better(s, h[p], h[i])) break;
            (h[p], h[i]) = (h[i], h[p]);
            i = p;
        }
    }

    private static void SiftDown(ReadOnlySpan<float> s, Span<int> h, int i, int n)
    {
        while (true)
        {
            var l = 2 * i + 1;
            if (l >= n) return;
            var w = l;
            if (l + 1 < n && Better(s, h[w], h[l + 1])) w = l + 1;
            if (!Better(s, h[i], h[w])) return;
            (h[i], h[w]) = (h[w], h[i]);
            i = w;
        }
    }
}
