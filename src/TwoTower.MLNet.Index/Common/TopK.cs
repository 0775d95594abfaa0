namespace TwoTower.MLNet.Index.Common;

/// <summary>
/// A bounded min-heap of the best k (score, id) pairs over caller-owned spans. Order: higher score is
/// better, and on equal scores the smaller id, so results are deterministic and match a brute-force sort.
/// </summary>
internal static class TopK
{
    /// <summary>Whether (s, id) ranks above (worstScore, worstId).</summary>
    public static bool Better(float s, long id, float worstScore, long worstId) => s > worstScore || (s == worstScore && id < worstId);

    /// <summary>Offers a candidate to a heap holding <paramref name="count"/> of at most scores.Length entries.</summary>
    public static void Push(Span<float> scores, Span<long> ids, ref int count, float s, long id)
    {
        var k = scores.Length;
        if (count < k)
        {
            var i = count++;
            while (i > 0)
            {
                var parent = (i - 1) >> 1;
                if (!Better(scores[parent], ids[parent], s, id)) break;
                scores[i] = scores[parent]; ids[i] = ids[parent];
                i = parent;
            }
            scores[i] = s; ids[i] = id;
            return;
        }
        if (!Better(s, id, scores[0], ids[0])) return;
        SiftDown(scores, ids, k, s, id);
    }

    /// <summary>
    /// Offers a candidate like <see cref="Push(Span{float}, Span{long}, ref int, float, long)"/>, moving <paramref name="payload"/>
    /// along with it in <paramref name="payloads"/> (IVF-PQ's shortlist keeps where each code is stored, and ranks by id).
    /// </summary>
    public static void Push(Span<float> scores, Span<long> ids, Span<long> payloads, ref int count, float s, long id, long payload)
    {
        var k = scores.Length;
        if (count < k)
        {
            var i = count++;
            while (i > 0)
            {
                var parent = (i - 1) >> 1;
                if (!Better(scores[parent], ids[parent], s, id)) break;
                scores[i] = scores[parent]; ids[i] = ids[parent]; payloads[i] = payloads[parent];
                i = parent;
            }
            scores[i] = s; ids[i] = id; payloads[i] = payload;
            return;
        }
        if (!Better(s, id, scores[0], ids[0])) return;
        var at = 0;
        while (true)
        {
            var child = 2 * at + 1;
            if (child >= k) break;
            if (child + 1 < k && Better(scores[child], ids[child], scores[child + 1], ids[child + 1])) child++;
            if (!Better(s, id, scores[child], ids[child])) break;
            scores[at] = scores[child]; ids[at] = ids[child]; payloads[at] = payloads[child];
            at = child;
        }
        scores[at] = s; ids[at] = id; payloads[at] = payload;
    }

    /// <summary>The score a candidate must reach to enter a full heap; -∞ while not full.</summary>
    public static float Threshold(ReadOnlySpan<float> scores, int count) => count < scores.Length ? float.NegativeInfinity : scores[0];

    /// <summary>Sorts the heap best first in place and pads the remainder with id -1 / score -∞.</summary>
    public static void SortDescending(Span<float> scores, Span<long> ids, int count)
    {
        for (var n = count; n > 1; n--)
        {
            // Move the worst entry to the end of the live part, then restore the heap on the rest.
            var (s, id) = (scores[n - 1], ids[n - 1]);
            scores[n - 1] = scores[0]; ids[n - 1] = ids[0];
            SiftDown(scores, ids, n - 1, s, id);
        }
        scores[count..].Fill(float.NegativeInfinity);
        ids[count..].Fill(-1);
    }

    private static void SiftDown(Span<float> scores, Span<long> ids, int n, float s, long id)
    {
        var i = 0;
        while (true)
        {
            var child = 2 * i + 1;
            if (child >= n) break;
            if (child + 1 < n && Better(scores[child], ids[child], scores[child + 1], ids[child + 1])) child++;
            if (!Better(s, id, scores[child], ids[child])) break;
            scores[i] = scores[child]; ids[i] = ids[child];
            i = child;
        }
        scores[i] = s; ids[i] = id;
    }
}
