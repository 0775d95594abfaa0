namespace TwoTower.MLNet.Index.Ivf;

/// <summary>Batch plumbing shared by the IVF indexes: nProbe resolution and the list → queries inversion.</summary>
internal static class IvfSearch
{
    /// <summary>The per-call nProbe, else the index default; more than the list count is an error.</summary>
    public static int NProbe(SearchOptions options, IvfOptions defaults, int lists)
    {
        var nprobe = options.NProbe ?? Math.Min(defaults.NProbe, lists);
        if (nprobe > lists) throw new ArgumentOutOfRangeException(nameof(options), nprobe, $"SearchOptions.NProbe {nprobe} exceeds the index's {lists} lists.");
        return nprobe;
    }

    /// <summary>
    /// Splits the queries into one contiguous chunk per thread; within a chunk, calls
    /// <paramref name="scanList"/>(list, queries probing it) once per probed list, so heaps are never shared across threads.
    /// </summary>
    public static void ForEachListBatch(int nq, int nprobe, long[] probes, int lists, int threads, Action<int, ReadOnlyMemory<int>> scanList)
    {
        var chunks = Math.Max(1, Math.Min(threads, nq));
        var per = (nq + chunks - 1) / chunks;
        void Run(int c)
        {
            var q0 = c * per;
            var q1 = Math.Min(nq, q0 + per);
            // Counting sort of (query, list) pairs by list.
            var start = new int[lists + 1];
            for (var i = (long)q0 * nprobe; i < (long)q1 * nprobe; i++) start[probes[i] + 1]++;
            for (var l = 0; l < lists; l++) start[l + 1] += start[l];
            var order = new int[start[lists]];
            var fill = (int[])start.Clone();
            for (var q = q0; q < q1; q++)
                for (var j = 0; j < nprobe; j++)
                    order[fill[probes[(long)q * nprobe + j]]++] = q;
            for (var l = 0; l < lists; l++)
                if (start[l + 1] > start[l]) scanList(l, order.AsMemory(start[l], start[l + 1] - start[l]));
        }
        Common.CallerLedLoop.For(chunks, threads, Run);
    }

    /// <summary>Copies the member queries into contiguous blocks of at most 256 rows and hands each block with its query indexes to <paramref name="scan"/>.</summary>
    public static void Gather(float[] q, int d, ReadOnlyMemory<int> members, Action<float[], int, int[]> scan)
    {
        const int block = Common.PackedScan.MaxQueries;
        var buffer = new float[Math.Min(block, members.Length) * d];
        var span = members.Span;
        for (var b0 = 0; b0 < span.Length; b0 += block)
        {
            var m = Math.Min(block, span.Length - b0);
            var map = span.Slice(b0, m).ToArray();
            for (var i = 0; i < m; i++) q.AsSpan(map[i] * d, d).CopyTo(buffer.AsSpan(i * d, d));
            scan(buffer, m, map);
        }
    }
}
