using System.Runtime.CompilerServices;

namespace TwoTower.MLNet.Index.Hnsw;

/// <summary>
/// The storage of one HNSW graph at a fixed capacity: padded vectors in one aligned pinned block,
/// layer-0 links in one flat int block ([count, n0 … n(2M−1)] per node), upper-layer links per node.
/// Growing copies into a new graph, so searchers holding the old one keep a consistent (older) view;
/// the native blocks are freed by the finalizer once no searcher references the old graph. A graph
/// loaded memory-mapped has capacity = node count and uses the file's rows and links in place, so the
/// first add grows it into owned memory and the mapping is never written.
/// </summary>
internal sealed unsafe class HnswGraph
{
    private readonly NativeBlock? _vectorBlock;
    private readonly NativeBlock? _linkBlock;
    private long _entry = Pack(-1, -1);
    private byte[] _deleted;
    private int _nodeCount;

    public HnswGraph(int dimension, int m, int capacity, Lock[] stripes)
        : this(dimension, m, capacity, stripes, new long[capacity], new byte[capacity], new byte[capacity], new float[capacity])
    {
        // Native huge-page blocks: raw pointers stay valid while this graph is reachable (searchers keep it alive).
        _vectorBlock = new NativeBlock((long)capacity * Stride * sizeof(float));
        Vectors = (float*)_vectorBlock.Pointer;
        _linkBlock = new NativeBlock((long)capacity * Link0Stride * sizeof(int));
        Links0 = (int*)_linkBlock.Pointer;
        LinksVerified = true;
    }

    /// <summary>
    /// A full graph of <paramref name="nodes"/> nodes whose vector rows and layer-0 links live in a mapped file
    /// (kept mapped by the index); the arrays are the per-node data read from the file, <paramref name="nodes"/> long.
    /// </summary>
    public HnswGraph(int dimension, int m, int nodes, Lock[] stripes, long[] labels, byte[] levels, byte[] deleted, float[] terms, float* vectors, int* links0)
        : this(dimension, m, nodes, stripes, labels, levels, deleted, terms)
    {
        Vectors = vectors;
        Links0 = links0;
    }

    private HnswGraph(int dimension, int m, int capacity, Lock[] stripes, long[] labels, byte[] levels, byte[] deleted, float[] terms)
    {
        Dimension = dimension;
        Stride = VectorDot.PaddedLength(dimension);
        M = m;
        M0 = 2 * m;
        Link0Stride = M0 + 1;
        UpperStride = m + 1;
        Capacity = capacity;
        Stripes = stripes;
        Terms = terms;
        Labels = labels;
        Levels = levels;
        _deleted = deleted;
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
    /// <summary>
    /// Tombstone per node (1 removed). A replace publishes a new array rather than writing this one, so a search reads it once
    /// and keeps seeing the replaced node live (see <see cref="HnswIndex.Replace"/>).
    /// </summary>
    public byte[] Deleted { get => Volatile.Read(ref _deleted); set => Volatile.Write(ref _deleted, value); }
    public int[]?[] Upper { get; }
    public Lock[] Stripes { get; }

    /// <summary>
    /// Whether every layer-0 link list was checked (count ≤ 2M, targets stored nodes of a level that has the layer).
    /// False for a mapped graph: its searches bounds-check instead, and it is verified before insertion writes to a copy.
    /// </summary>
    public bool LinksVerified { get; set; }

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
    /// <exception cref="InvalidDataException">This graph came from a file and holds an invalid link.</exception>
    public HnswGraph Grow(int newCapacity)
    {
        int n = NodeCount;
        // Insertion trusts links it edits: a graph read from a file without checking them is checked now.
        if (!LinksVerified && FindBadLink() is { } bad) throw new InvalidDataException($"Corrupt HNSW graph: {bad}.");
        var g = new HnswGraph(Dimension, M, newCapacity, Stripes);
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

    /// <summary>
    /// Describes the first link list with a bad count or target (layers <paramref name="firstLayer"/> to each node's level),
    /// or null when all are valid.
    /// </summary>
    public string? FindBadLink(int firstLayer = 0)
    {
        int n = NodeCount;
        for (int i = 0; i < n; i++)
        {
            for (int layer = firstLayer; layer <= Levels[i]; layer++)
            {
                Span<int> links = LinksAt(i, layer);
                int count = links[0];
                if (count < 0 || count > links.Length - 1) return $"node {i} has {count} links on layer {layer}";
                for (int j = 1; j <= count; j++)
                {
                    int t = links[j];
                    if (t < 0 || t >= n || Levels[t] < layer) return $"node {i} links to invalid node {t} on layer {layer}";
                }
            }
        }
        return null;
    }
}
