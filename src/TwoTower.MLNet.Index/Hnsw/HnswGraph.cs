using System.Runtime.CompilerServices;

namespace TwoTower.MLNet.Index.Hnsw;

/// <summary>
/// The storage of one HNSW graph at a fixed capacity: padded vectors in one aligned pinned block,
/// layer-0 links in one flat int block ([count, n0 … n(2M−1)] per node), upper-layer links per node.
/// Growing copies into a new graph, so searchers holding the old one keep a consistent (older) view;
/// the native blocks are freed by the finalizer once no searcher references the old graph.
/// </summary>
internal sealed unsafe class HnswGraph
{
    private readonly NativeBlock _vectorBlock;
    private readonly NativeBlock _linkBlock;
    private long _entry = Pack(-1, -1);
    private int _nodeCount;

    public HnswGraph(int dimension, int m, int capacity, Lock[] stripes)
    {
        Dimension = dimension;
        Stride = VectorDot.PaddedLength(dimension);
        M = m;
        M0 = 2 * m;
        Link0Stride = M0 + 1;
        UpperStride = m + 1;
        Capacity = capacity;
        Stripes = stripes;
        // Native huge-page blocks: raw pointers stay valid while this graph is reachable (searchers keep it alive).
        _vectorBlock = new NativeBlock((long)capacity * Stride * sizeof(float));
        Vectors = (float*)_vectorBlock.Pointer;
        _linkBlock = new NativeBlock((long)capacity * Link0Stride * sizeof(int));
        Links0 = (int*)_linkBlock.Pointer;
        Terms = new float[capacity];
        Labels = new long[capacity];
        Levels = new byte[capacity];
        Deleted = new byte[capacity];
        Upper = new int[]?[capacity];
    }

    public int Dimension { get; }
    public int Stride { get; }
    public int M { get; }
    public int M0 { get; }
    public int Link0Stride { get; }
    public int UpperStride { get; }
    public int Capacity { get; }
    public float* Vectors { get; }
    public int* Links0 { get; }
    /// <summary>Per-node distance term (‖x‖² for L2, else 0): see <see cref="HnswDistance"/>.</summary>
    public float[] Terms { get; }
    public long[] Labels { get; }
    public byte[] Levels { get; }
    public byte[] Deleted { get; }
    public int[]?[] Upper { get; }
    public Lock[] Stripes { get; }

    /// <summary>Nodes whose vectors are written (links may still be in progress).</summary>
    public int NodeCount { get => Volatile.Read(ref _nodeCount); set => Volatile.Write(ref _nodeCount, value); }

    /// <summary>Number of tombstoned nodes.</summary>
    public int DeletedCount;

    /// <summary>Entry point and its level, read together (entry −1 when empty).</summary>
    public (int Node, int Level) Entry
    {
        get { long e = Volatile.Read(ref _entry); return ((int)e, (int)(e >> 32)); }
        set => Volatile.Write(ref _entry, Pack(value.Node, value.Level));
    }

    private static long Pack(int node, int level) => ((long)level << 32) | (uint)node;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float* Vector(int node) => Vectors + (nint)node * Stride;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int* Links(int node) => Links0 + (nint)node * Link0Stride;

    /// <summary>The lock guarding a node's link lists.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Lock StripeOf(int node) => Stripes[node & (Stripes.Length - 1)];

    /// <summary>Link list of a node at a layer as a span [count, ids…].</summary>
    public Span<int> LinksAt(int node, int layer)
        => layer == 0 ? new Span<int>(Links(node), Link0Stride) : Upper[node].AsSpan((layer - 1) * UpperStride, UpperStride);

    /// <summary>Copies everything into a larger graph; callers ensure no writer runs meanwhile.</summary>
    public HnswGraph Grow(int newCapacity)
    {
        var g = new HnswGraph(Dimension, M, newCapacity, Stripes);
        int n = NodeCount;
        Buffer.MemoryCopy(Vectors, g.Vectors, (long)newCapacity * Stride * 4, (long)n * Stride * 4);
        Buffer.MemoryCopy(Links0, g.Links0, (long)newCapacity * Link0Stride * 4, (long)n * Link0Stride * 4);
        Array.Copy(Terms, g.Terms, n);
        Array.Copy(Labels, g.Labels, n);
        Array.Copy(Levels, g.Levels, n);
        Array.Copy(Deleted, g.Deleted, n);
        // Deep copy: writers will edit the new lists, readers of this graph must never see ids ≥ its capacity.
        for (int i = 0; i < n; i++) g.Upper[i] = (int[]?)Upper[i]?.Clone();
        g.DeletedCount = DeletedCount;
        g._entry = _entry;
        g._nodeCount = n;
        return g;
    }
}
