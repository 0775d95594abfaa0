using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;
using TwoTower.MLNet.Index.Common;

namespace TwoTower.MLNet.Index.Hnsw;

/// <summary>
/// Searches an <see cref="HnswGraph"/>: greedy descent through the upper layers and the ef-bounded
/// best-first search of a layer (Malkov &amp; Yashunin, Alg. 2). Distances are "lower is closer" and
/// cost one dot product plus precomputed per-node terms (see <see cref="HnswDistance"/>); qTerm is the
/// query's own term (‖q‖² for L2, else 0).
/// </summary>
internal static unsafe class HnswGraphSearch
{
    /// <summary>Distance from a (padded) query to a node.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Distance(HnswGraph g, HnswDistance kind, float* q, float qTerm, int node)
        => ToDistance(kind, VectorDot.Dot(q, g.Vector(node), g.Stride), qTerm, g.Terms, node);

    /// <summary>The distance of a dot product under <paramref name="kind"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float ToDistance(HnswDistance kind, float dot, float qTerm, float[] terms, int node) => kind switch
    {
        HnswDistance.L2 => qTerm + terms[node] - 2f * dot,
        _ => -dot,
    };

    /// <summary>Distance between two stored nodes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float NodeDistance(HnswGraph g, HnswDistance kind, int a, int b)
        => ToDistance(kind, VectorDot.Dot(g.Vector(a), g.Vector(b), g.Stride), g.Terms[a], g.Terms, b);

    /// <summary>Moves <paramref name="current"/> to a local minimum of one upper layer (ef = 1).</summary>
    public static void Greedy(HnswGraph g, HnswDistance kind, float* q, float qTerm, int layer, ref int current, ref float currentDistance)
    {
        bool changed = true;
        while (changed)
        {
            changed = false;
            int[] links = g.Upper[current]!;
            int offset = (layer - 1) * g.UpperStride;
            int count = Volatile.Read(ref links[offset]);
            for (int j = 1; j <= count; j++)
            {
                int n = links[offset + j];
                float d = Distance(g, kind, q, qTerm, n);
                if (d < currentDistance) { currentDistance = d; current = n; changed = true; }
            }
        }
    }

    /// <summary>Best-first search of layer 0 from <paramref name="entry"/>; the ef closest allowed nodes end in ctx.Results.</summary>
    public static void SearchLayer0<TFilter>(HnswGraph g, HnswDistance kind, float* q, float qTerm, int entry, float entryDistance, int ef, SearchContext ctx, TFilter filter)
        where TFilter : struct, INodeFilter
    {
        Candidate seed = new(entryDistance, entry);
        SearchLayer0(g, kind, q, qTerm, ef, ctx, filter, new ReadOnlySpan<Candidate>(ref seed));
    }

    /// <summary>Best-first search of layer 0 from several entry points; the ef closest allowed nodes end in ctx.Results.</summary>
    public static void SearchLayer0<TFilter>(HnswGraph g, HnswDistance kind, float* q, float qTerm, int ef, SearchContext ctx, TFilter filter, ReadOnlySpan<Candidate> seeds)
        where TFilter : struct, INodeFilter
    {
        // Two specialisations: a graph whose links were checked at load or built here pays no per-neighbour bounds check.
        if (g.LinksVerified) SearchLayer0<TFilter, TrustedLinks>(g, kind, q, qTerm, ef, ctx, filter, seeds);
        else SearchLayer0<TFilter, CheckedLinks>(g, kind, q, qTerm, ef, ctx, filter, seeds);
    }

    private static void SearchLayer0<TFilter, TLinks>(HnswGraph g, HnswDistance kind, float* q, float qTerm, int ef, SearchContext ctx, TFilter filter, ReadOnlySpan<Candidate> seeds)
        where TFilter : struct, INodeFilter
        where TLinks : struct, ILinkCheck
    {
        var visited = ctx.Visited;
        visited.Reset(g.Capacity);
        var candidates = ctx.Candidates;
        var results = ctx.Results;
        candidates.Clear();
        results.Clear();
        float bound = float.MaxValue;
        foreach (var seed in seeds)
        {
            if (visited.TestAndSet(seed.Node)) continue;
            candidates.Push(seed.Distance, seed.Node);
            if (!filter.Allows(seed.Node)) continue;
            if (results.Count < ef) results.Push(seed.Distance, seed.Node);
            else if (seed.Distance < results.Top.Distance) results.ReplaceTop(seed.Distance, seed.Node);
            bound = results.Top.Distance;
        }
        int stride = g.Stride;
        int m0 = g.M0;
        int capacity = g.Capacity;
        float* vectors = g.Vectors;
        float[] terms = g.Terms;
        ushort epoch = visited.Epoch;
        int[] unvisitedArray = ctx.Unvisited;
        fixed (ushort* tags = visited.Tags)
        fixed (int* unvisited = unvisitedArray)
        {
            while (candidates.Count > 0)
            {
                Candidate c = candidates.Top;
                if (c.Distance > bound && results.Count >= ef) break;
                candidates.Pop();
                int* links = g.Links(c.Node);
                // The next candidate is usually the next node expanded: start loading its link list now (as hnswlib does).
                if (Sse.IsSupported && candidates.Count > 0)
                {
                    int* next = g.Links(candidates.Top.Node);
                    Sse.Prefetch0(next);
                    Sse.Prefetch0(next + 16);
                    Sse.Prefetch0(next + 32);
                }
                int count = Volatile.Read(ref *links);
                // A mapped link block is not scanned at load (that would page in all of it): bounds are checked here instead.
                if (default(TLinks).Enabled && (uint)count > (uint)m0) ThrowBadLink(c.Node, count, "link count");
                if (Sse.IsSupported)
                    for (int j = 1; j <= count; j++) Sse.Prefetch0(tags + links[j]);
                // Gather the unvisited neighbours first, so prefetches go only to rows that will be read.
                int fresh = 0;
                for (int j = 1; j <= count; j++)
                {
                    int n = links[j];
                    if (default(TLinks).Enabled && (uint)n >= (uint)capacity) ThrowBadLink(c.Node, n, "neighbour");
                    if (tags[n] == epoch) continue;
                    tags[n] = epoch;
                    unvisited[fresh++] = n;
                }
                if (Sse.IsSupported && fresh > 0) PrefetchRow(vectors + (nint)unvisited[0] * stride, stride);
                for (int j = 0; j < fresh; j++)
                {
                    int n = unvisited[j];
                    if (Sse.IsSupported && j + 1 < fresh) PrefetchRow(vectors + (nint)unvisited[j + 1] * stride, stride);
                    float dot = VectorDot.Dot(q, vectors + (nint)n * stride, stride);
                    float d = ToDistance(kind, dot, qTerm, terms, n);
                    if (results.Count < ef || d < bound)
                    {
                        candidates.Push(d, n);
                        if (filter.Allows(n))
                        {
                            if (results.Count < ef) results.Push(d, n);
                            else results.ReplaceTop(d, n);
                            bound = results.Top.Distance;
                        }
                    }
                }
            }
        }
    }

    /// <summary>Whether layer-0 links must be bounds-checked while searching (a JIT-time constant per specialisation).</summary>
    private interface ILinkCheck
    {
        bool Enabled { get; }
    }

    private readonly struct TrustedLinks : ILinkCheck
    {
        public bool Enabled => false;
    }

    private readonly struct CheckedLinks : ILinkCheck
    {
        public bool Enabled => true;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowBadLink(int node, int value, string what)
        => throw new InvalidDataException($"Corrupt HNSW layer-0 links: node {node} has {what} {value} out of range (index file damaged; load it with VerifyChecksum to detect this at load).");

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void PrefetchRow(float* row, int stride)
    {
        for (int o = 0; o < stride; o += 16) Sse.Prefetch0(row + o);
    }

    /// <summary>Best-first search of an upper layer during construction; the ef closest nodes end in ctx.Results.</summary>
    public static void SearchUpperLayer(HnswGraph g, HnswDistance kind, float* q, float qTerm, int entry, float entryDistance, int ef, int layer, SearchContext ctx)
    {
        var visited = ctx.Visited;
        visited.Reset(g.Capacity);
        var candidates = ctx.Candidates;
        var results = ctx.Results;
        candidates.Clear();
        results.Clear();
        visited.TestAndSet(entry);
        candidates.Push(entryDistance, entry);
        results.Push(entryDistance, entry);
        float bound = entryDistance;
        int offset = (layer - 1) * g.UpperStride;
        while (candidates.Count > 0)
        {
            Candidate c = candidates.Top;
            if (c.Distance > bound && results.Count >= ef) break;
            candidates.Pop();
            int[] links = g.Upper[c.Node]!;
            int count = Volatile.Read(ref links[offset]);
            for (int j = 1; j <= count; j++)
            {
                int n = links[offset + j];
                if (visited.TestAndSet(n)) continue;
                float d = Distance(g, kind, q, qTerm, n);
                if (results.Count < ef || d < bound)
                {
                    candidates.Push(d, n);
                    results.Push(d, n);
                    if (results.Count > ef) results.Pop();
                    bound = results.Top.Distance;
                }
            }
        }
    }

    /// <summary>Exact scan of all allowed nodes; the k closest end in ctx.Results (the fallback for very selective filters).</summary>
    public static void BruteForce<TFilter>(HnswGraph g, HnswDistance kind, float* q, float qTerm, int k, SearchContext ctx, TFilter filter)
        where TFilter : struct, INodeFilter
    {
        // Ranked as Flat ranks, by (score, id) with score = −distance, so a tie at the k-th place keeps the smaller id (a heap of
        // distances alone kept the tied nodes met first, and evicted an arbitrary one of them).
        int n = g.NodeCount;
        int size = Math.Min(k, n);
        if (ctx.Exact.Scores.Length < size) ctx.Exact = (new float[size], new long[size], new long[size]);
        Span<float> scores = ctx.Exact.Scores.AsSpan(0, size);
        Span<long> labels = ctx.Exact.Ids.AsSpan(0, size), nodes = ctx.Exact.Nodes.AsSpan(0, size);
        int count = 0;
        for (int i = 0; i < n; i++)
        {
            if (!filter.Allows(i)) continue;
            float score = -Distance(g, kind, q, qTerm, i);
            if (count == size && score < scores[0]) continue; // below the k-th: most nodes, so skip the call
            TopK.Push(scores, labels, nodes, ref count, score, g.Labels[i], i);
        }
        var results = ctx.Results;
        results.Clear();
        for (int j = 0; j < count; j++) results.Push(-scores[j], (int)nodes[j]);
    }
}
