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
    public static void Push(Span<float> scores, Span<long> ids, ref int count, float s, long id) =>
        Offer(scores, ids, ref count, s, id, new NoPayload());

    /// <summary>
    /// Offers a candidate like <see cref="Push(Span{float}, Span{long}, ref int, float, long)"/>, moving <paramref name="payload"/>
    /// along with it in <paramref name="payloads"/> (IVF-PQ's shortlist keeps where each code is stored, and ranks by id).
    /// </summary>
    public static void Push(Span<float> scores, Span<long> ids, Span<long> payloads, ref int count, float s, long id, long payload) =>
        Offer(scores, ids, ref count, s, id, new Payload(payloads, payload));

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
            SiftDown(scores, ids, n - 1, s, id, new NoPayload());
        }
        scores[count..].Fill(float.NegativeInfinity);
        ids[count..].Fill(-1);
    }

    // The one heap: TPayload moves a parallel column with the entries, or nothing (a struct, so the JIT drops it).
    // Inlined (with SiftDown) into each Push: without it, Flat's batch search lost about 3 % (bench ann, 50k × 64).
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private static void Offer<TPayload>(Span<float> scores, Span<long> ids, ref int count, float s, long id, TPayload payload)
        where TPayload : IPayload, allows ref struct
    {
        var k = scores.Length;
        if (count < k)
        {
            var i = count++;
            while (i > 0)
            {
                var parent = (i - 1) >> 1;
                if (!Better(scores[parent], ids[parent], s, id)) break;
                scores[i] = scores[parent]; ids[i] = ids[parent]; payload.Move(i, parent);
                i = parent;
            }
            scores[i] = s; ids[i] = id; payload.Place(i);
            return;
        }
        if (!Better(s, id, scores[0], ids[0])) return;
        SiftDown(scores, ids, k, s, id, payload);
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private static void SiftDown<TPayload>(Span<float> scores, Span<long> ids, int n, float s, long id, TPayload payload)
        where TPayload : IPayload, allows ref struct
    {
        var i = 0;
        while (true)
        {
            var child = 2 * i + 1;
            if (child >= n) break;
            if (child + 1 < n && Better(scores[child], ids[child], scores[child + 1], ids[child + 1])) child++;
            if (!Better(s, id, scores[child], ids[child])) break;
            scores[i] = scores[child]; ids[i] = ids[child]; payload.Move(i, child);
            i = child;
        }
        scores[i] = s; ids[i] = id; payload.Place(i);
    }

    private interface IPayload
    {
        /// <summary>Moves the payload of heap slot <paramref name="from"/> to slot <paramref name="to"/>.</summary>
        void Move(int to, int from);

        /// <summary>Puts the offered candidate's payload into slot <paramref name="at"/>.</summary>
        void Place(int at);
    }

    private readonly struct NoPayload : IPayload
    {
        public void Move(int to, int from) { }

        public void Place(int at) { }
    }

    private readonly ref struct Payload : IPayload
    {
        private readonly Span<long> _values;
        private readonly long _offered;

        public Payload(Span<long> values, long offered)
        {
            _values = values;
            _offered = offered;
        }

        public void Move(int to, int from) => _values[to] = _values[from];

        public void Place(int at) => _values[at] = _offered;
    }
}
