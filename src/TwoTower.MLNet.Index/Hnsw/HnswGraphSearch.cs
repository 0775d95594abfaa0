using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;

namespace TwoTower.MLNet.Index.Hnsw;

/// <summary>
/// Searches an <see cref="HnswGraph"/>: greedy descent through the upper layers and the ef-bounded
/// best-first search of a layer (Malkov &amp; Yashunin, Alg. 2). Distances are "lower is closer":
/// −q·x for inner product and cosine, ‖q‖² + ‖x‖² − 2 q·x for L2 (norms precomputed, so every
/// metric costs one dot product).
/// </summary>
internal static unsafe class HnswGraphSearch
{
    /// <summary>Distance from a (padded) query to a node.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Distance(HnswGraph g, bool l2, float* q, float qNorm, int node)
    {
        float dot = VectorDot.Dot(q, g.Vector(node), g.Stride);
        return l2 ? qNorm + g.SquaredNorms[node] - 2f * dot : -dot;
    }

    /// <summary>Distance between two stored nodes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float NodeDistance(HnswGraph g, bool l2, int a, int b)
    {
        float dot = VectorDot.Dot(g.Vector(a), g.Vector(b), g.Stride);
        return l2 ? g.SquaredNorms[a] + g.SquaredNorms[b] - 2f * dot : -dot;
    }

    /// <summary>Moves <paramref name="current"/> to a local minimum of one upper layer (ef = 1).</summary>
    public static void Greedy(HnswGraph g, bool l2, float* q, float qNorm, int layer, ref int current, ref float currentDistance)
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
                float d = Distance(g, l2, q, qNorm, n);
                if (d < currentDistance) { currentDistance = d; current = n; changed = true; }
            }
        }
    }

    /// <summary>Best-first search of layer 0 from <paramref name="entry"/>; the ef closest allowed nodes end in ctx.Results.</summary>
    public static void SearchLayer0<TFilter>(HnswGraph g, bool l2, float* q, float qNorm, int entry, float entryDistance, int ef, SearchContext ctx, TFilter filter)
        where TFilter : struct, INodeFilter
    {
        var visited = ctx.Visited;
        visited.Reset(g.Capacity);
        var candidates = ctx.Candidates;
        var results = ctx.Results;
        candidates.Clear();
        results.Clear();
        visited.TestAndSet(entry);
        candidates.Push(entryDistance, entry);
        float bound = float.MaxValue;
        if (filter.Allows(entry)) { results.Push(entryDistance, entry); bound = entryDistance; }
        int stride = g.Stride;
        float* vectors = g.Vectors;
        float[] norms = g.SquaredNorms;
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
                int count = Volatile.Read(ref *links);
                if (Sse.IsSupported)
                    for (int j = 1; j <= count; j++) Sse.Prefetch0(tags + links[j]);
                // Gather the unvisited neighbours first, so prefetches go only to rows that will be read.
                int fresh = 0;
                for (int j = 1; j <= count; j++)
                {
                    int n = links[j];
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
                    float d = l2 ? qNorm + norms[n] - 2f * dot : -dot;
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

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void PrefetchRow(float* row, int stride)
    {
        for (int o = 0; o < stride; o += 16) Sse.Prefetch0(row + o);
    }

    /// <summary>Best-first search of an upper layer during construction; the ef closest nodes end in ctx.Results.</summary>
    public static void SearchUpperLayer(HnswGraph g, bool l2, float* q, float qNorm, int entry, float entryDistance, int ef, int layer, SearchContext ctx)
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
                float d = Distance(g, l2, q, qNorm, n);
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
    public static void BruteForce<TFilter>(HnswGraph g, bool l2, float* q, float qNorm, int k, SearchContext ctx, TFilter filter)
        where TFilter : struct, INodeFilter
    {
        var results = ctx.Results;
        results.Clear();
        int n = g.NodeCount;
        for (int i = 0; i < n; i++)
        {
            if (!filter.Allows(i)) continue;
            float d = Distance(g, l2, q, qNorm, i);
            if (results.Count < k) results.Push(d, i);
            else if (d < results.Top.Distance) { results.Pop(); results.Push(d, i); }
        }
    }
}
