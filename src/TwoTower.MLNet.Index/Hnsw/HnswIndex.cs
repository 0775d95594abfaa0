using System.Collections.Concurrent;
using TwoTower.MLNet.Index.Common;
using TwoTower.MLNet.Index.Persistence;

namespace TwoTower.MLNet.Index.Hnsw;

/// <summary>
/// Hierarchical Navigable Small World graph index (Malkov &amp; Yashunin 2016/2018): approximate
/// k-nearest-neighbour search in O(log n) distance evaluations. Vectors live in one aligned block
/// (normalised for cosine), layer-0 links in one flat int block; distances are one SIMD dot product.
/// Searches are lock-free and may run while <see cref="Add(ReadOnlySpan{long}, ReadOnlySpan{float})"/> inserts on other threads.
/// Loaded with <see cref="IndexLoadOptions.MemoryMap"/>, rows and layer-0 links are read in place from the
/// mapped file (which the index owns until <see cref="Dispose"/>); concurrent searches stay safe, and
/// disposing while a search runs unmaps only when that search ends.
/// </summary>
public sealed unsafe class HnswIndex : IVectorIndex
{
    /// <summary>The kind string of HNSW index files.</summary>
    public const string FileKind = "HNSW";

    private const int MinimumCapacity = 1024;

    private readonly HnswOptions _options;
    private readonly bool _l2;
    private readonly bool _cosine;
    private readonly HnswDistance _distance;
    private readonly Lock _writeLock = new();
    private readonly Lock _entryLock = new();
    private readonly ConcurrentBag<SearchContext> _contexts = new();
    private readonly Lock[] _stripes;
    private readonly SemaphoreSlim _compaction = new(1, 1);
    private Dictionary<long, int> _nodeOfId = new(); // replaced whole by Compact, under the write lock
    private Random _levelRandom;
    private HnswGraph _graph;
    private int _liveCount;
    private readonly IndexLifetime _lifetime = new();

    /// <summary>Creates an empty index.</summary>
    /// <param name="dimension">Vector dimension (≥ 1).</param>
    /// <param name="metric">How vectors are compared.</param>
    /// <param name="options">Construction and default search settings; <see cref="HnswOptions.Default"/> when null.</param>
    public HnswIndex(int dimension, VectorMetric metric, HnswOptions? options = null)
        : this(dimension, metric, options, withGraph: true)
    {
    }

    // Without a graph for a load, which sets its own: an empty one of MinimumCapacity rows, sized by a file's unchecked
    // dimension, was allocated first (a corrupt dimension of 2³⁰ asked for terabytes and failed with OutOfMemoryException).
    private HnswIndex(int dimension, VectorMetric metric, HnswOptions? options, bool withGraph)
    {
        if (dimension < 1) throw new ArgumentOutOfRangeException(nameof(dimension), dimension, "dimension must be ≥ 1.");
        if (!Enum.IsDefined(metric)) throw new ArgumentOutOfRangeException(nameof(metric), metric, "metric must be a defined VectorMetric.");
        _options = options ?? HnswOptions.Default;
        _options.Validate();
        Dimension = dimension;
        Metric = metric;
        _l2 = metric == VectorMetric.L2;
        _cosine = metric == VectorMetric.Cosine;
        _distance = _l2 ? HnswDistance.L2 : HnswDistance.NegativeDot;
        _stripes = new Lock[4096];
        for (int i = 0; i < _stripes.Length; i++) _stripes[i] = new Lock();
        _levelRandom = new Random(_options.Seed);
        _graph = withGraph ? new HnswGraph(dimension, _options.M, MinimumCapacity, _stripes) : null!;
    }

    /// <inheritdoc/>
    public int Dimension { get; }

    /// <inheritdoc/>
    public int Count => Volatile.Read(ref _liveCount);

    /// <inheritdoc/>
    public VectorMetric Metric { get; }

    /// <inheritdoc/>
    public bool IsExact => false;

    /// <inheritdoc/>
    public bool IsTrained => true;

    /// <summary>The construction and default search settings.</summary>
    public HnswOptions Options => _options;

    /// <summary>Whether vector rows and links are read from a memory-mapped file (until the first add copies them).</summary>
    public bool IsMemoryMapped => _lifetime.Mapping is not null && !Volatile.Read(ref _graph).LinksVerified;

    /// <summary>The current graph (tests inspect its links and levels).</summary>
    internal HnswGraph Graph => Volatile.Read(ref _graph);

    /// <summary>Nodes stored including tombstones (what <see cref="Compact()"/> reclaims is NodeCount − Count).</summary>
    public int NodeCount => Volatile.Read(ref _graph).NodeCount;

    /// <inheritdoc/>
    public int RemovedCount => Volatile.Read(ref _graph).DeletedCount;

    /// <inheritdoc/>
    public void Train(ReadOnlySpan<float> vectors) => Train(vectors, CancellationToken.None);

    /// <inheritdoc/>
    public void Train(ReadOnlySpan<float> vectors, CancellationToken cancellationToken)
    {
        ThrowIfDisposed();
        cancellationToken.ThrowIfCancellationRequested();
        if (vectors.Length % Dimension != 0)
            throw new ArgumentException($"vectors has {vectors.Length} values, expected a multiple of Dimension {Dimension}.", nameof(vectors));
    }

    /// <inheritdoc/>
    public void Add(ReadOnlySpan<long> ids, ReadOnlySpan<float> vectors) => Add(ids, vectors, CancellationToken.None);

    /// <inheritdoc/>
    /// <remarks>
    /// A cancelled add (<see cref="OperationCanceledException"/>, checked every chunk of rows while the batch is validated and
    /// stored, then before each insertion) keeps the rows it had linked
    /// into the graph, which are the first rows of the batch, in order: <see cref="Count"/> grows by their number, their ids
    /// are stored and searchable, and the rest of the batch is not stored (its ids stay free): adding the rest resumes the
    /// build. The level of each row was drawn for the whole batch, so the resumed graph differs from one built in one call.
    /// </remarks>
    public void Add(ReadOnlySpan<long> ids, ReadOnlySpan<float> vectors, CancellationToken cancellationToken)
    {
        ThrowIfDisposed();
        cancellationToken.ThrowIfCancellationRequested();
        using var lease = Hold();
        if (vectors.Length != (long)ids.Length * Dimension)
            throw new ArgumentException($"vectors has {vectors.Length} values, expected ids.Length × Dimension = {ids.Length} × {Dimension} = {(long)ids.Length * Dimension}.", nameof(vectors));
        int n = ids.Length;
        if (n == 0) return;
        lock (_writeLock)
        {
            var batch = new HashSet<long>(n);
            for (int i = 0; i < n; i++)
            {
                if (i % VectorInput.IdsPerCheck == 0) VectorInput.CheckChunk(cancellationToken, i);
                long id = ids[i];
                if (id < 0) throw new ArgumentException($"ids[{i}] = {id} is negative; ids must be ≥ 0.", nameof(ids));
                if (_nodeOfId.ContainsKey(id)) throw new ArgumentException($"ids[{i}] = {id} is already in the index; ids must be new.", nameof(ids));
                if (!batch.Add(id)) throw new ArgumentException($"ids[{i}] = {id} appears twice in the batch; ids must be unique.", nameof(ids));
            }
            // The passes over the batch check the token every chunk of rows: at 1M × 128 each took a hundred milliseconds or more.
            int step = VectorInput.RowsPerCheck(Dimension);
            for (int chunk = 0; chunk < n; chunk += step)
            {
                VectorInput.CheckChunk(cancellationToken, chunk);
                for (int i = chunk; i < Math.Min(n, chunk + step); i++)
                {
                    ReadOnlySpan<float> row = vectors.Slice(i * Dimension, Dimension);
                    double squared = 0;
                    for (int j = 0; j < row.Length; j++)
                    {
                        if (!float.IsFinite(row[j]))
                            throw new ArgumentException($"vectors[{i}][{j}] = {row[j]} (id {ids[i]}) is not finite; NaN and ∞ are rejected.", nameof(vectors));
                        squared += (double)row[j] * row[j];
                    }
                    if (_cosine && squared == 0)
                        throw new ArgumentException($"vectors[{i}] (id {ids[i]}) is all zeros; the cosine metric needs a non-zero vector.", nameof(vectors));
                }
            }

            cancellationToken.ThrowIfCancellationRequested();
            var g = GraphWithRoomFor(n);
            int start = g.NodeCount;
            // A cancel here leaves NodeCount as it was: the rows stored so far are not nodes, and the next add stores over them.
            for (int chunk = 0; chunk < n; chunk += step)
            {
                VectorInput.CheckChunk(cancellationToken, chunk);
                for (int i = chunk; i < Math.Min(n, chunk + step); i++)
                    Store(g, start + i, ids[i], vectors.Slice(i * Dimension, Dimension), NextLevel());
            }
            g.NodeCount = start + n;
            int linked = InsertRange(g, start, start + n, cancellationToken) - start;
            // Rows stored but never linked are dropped: no node links to them, and the next add stores over them.
            if (linked < n) g.NodeCount = start + linked;
            for (int i = 0; i < linked; i++) _nodeOfId.Add(ids[i], start + i);
            Volatile.Write(ref _liveCount, _liveCount + linked);
            if (linked < n) throw new OperationCanceledException(cancellationToken);
        }
    }

    // Under the write lock: the graph, grown and published first when adding more nodes would pass its capacity.
    private HnswGraph GraphWithRoomFor(int adding)
    {
        var g = _graph;
        if ((long)g.NodeCount + adding > g.Capacity)
        {
            g = g.Grow(GrownCapacity(g.NodeCount, adding, g.Capacity, g.Link0Stride, g.M));
            Volatile.Write(ref _graph, g);
        }
        return g;
    }

    /// <summary>
    /// The capacity to grow to for <paramref name="adding"/> more nodes after <paramref name="nodes"/>: half as much again, at
    /// least <see cref="MinimumCapacity"/> (a graph loaded from a file of no nodes starts with room for one), at most what
    /// one link array holds. Past that the add is refused: the rows would be written beyond the graph's memory.
    /// </summary>
    internal static int GrownCapacity(int nodes, int adding, int capacity, int link0Stride, int m)
    {
        long most = Array.MaxLength / link0Stride;
        if ((long)nodes + adding > most)
            throw new InvalidOperationException($"An HNSW index with M {m} holds at most {most:N0} vectors ({nodes:N0} held, {adding:N0} being added): lower M or split the vectors over several indexes.");
        long wanted = Math.Max(Math.Max((long)nodes + adding, (long)capacity * 3 / 2), MinimumCapacity);
        return (int)Math.Min(wanted, most);
    }

    /// <inheritdoc/>
    public SearchResults Search(ReadOnlySpan<float> queries, int k, SearchOptions? options = null)
    {
        ThrowIfDisposed();
        options ??= SearchOptions.Default;
        if (k <= 0) throw new ArgumentOutOfRangeException(nameof(k), k, "k must be ≥ 1.");
        if (queries.Length % Dimension != 0)
            throw new ArgumentException($"queries has {queries.Length} values, expected a multiple of Dimension {Dimension}.", nameof(queries));
        int ef = options.EfSearch ?? _options.EfSearch;
        if (ef < 1) throw new ArgumentOutOfRangeException(nameof(options), ef, "options.EfSearch must be ≥ 1.");
        if (options.Threads < 1) throw new ArgumentOutOfRangeException(nameof(options), options.Threads, "options.Threads must be ≥ 1.");
        for (int i = 0; i < queries.Length; i++)
        {
            if (!float.IsFinite(queries[i]))
                throw new ArgumentException($"queries[{i / Dimension}][{i % Dimension}] = {queries[i]} is not finite; NaN and ∞ are rejected.", nameof(queries));
        }
        if (_cosine)
            for (int r = 0; r < queries.Length / Dimension; r++)
                if (!queries.Slice(r * Dimension, Dimension).ContainsAnyExcept(0f))
                    throw new ArgumentException($"'queries' row {r} is all zeros; cosine similarity needs non-zero vectors.", nameof(queries));
        if ((long)(queries.Length / Dimension) * k > Array.MaxLength)
            throw new ArgumentOutOfRangeException(nameof(k), k, $"k × queries = {(long)(queries.Length / Dimension) * k} results do not fit in memory; ask for fewer.");
        ef = Math.Max(ef, k);
        using var lease = Hold();
        int count = queries.Length / Dimension;
        var ids = new long[(long)count * k];
        var scores = new float[ids.Length];
        var g = Volatile.Read(ref _graph);
        var plan = PlanSearch(g, options, ef);
        fixed (float* q = queries)
        {
            int threads = Math.Min(options.Threads, count);
            if (threads <= 1)
            {
                var ctx = RentContext();
                for (int i = 0; i < count; i++) SearchOne(g, ctx, q + (nint)i * Dimension, k, ef, plan, ids.AsSpan(i * k, k), scores.AsSpan(i * k, k));
                _contexts.Add(ctx);
            }
            else
            {
                nint address = (nint)q;
                int next = -1;
                CallerLedLoop.Run(threads, () =>
                {
                    var ctx = RentContext();
                    int i;
                    while ((i = Interlocked.Increment(ref next)) < count)
                        SearchOne(g, ctx, (float*)address + (nint)i * Dimension, k, ef, plan, ids.AsSpan(i * k, k), scores.AsSpan(i * k, k));
                    _contexts.Add(ctx);
                });
            }
        }
        // The graph's native blocks were used through raw pointers: keep it reachable until here.
        GC.KeepAlive(g);
        return new SearchResults(count, k, ids, scores);
    }

    /// <inheritdoc/>
    public bool Remove(long id)
    {
        ThrowIfDisposed();
        lock (_writeLock)
        {
            if (!_nodeOfId.Remove(id, out int node)) return false;
            var g = _graph;
            Volatile.Write(ref g.Deleted[node], (byte)1);
            g.DeletedCount++;
            Volatile.Write(ref _liveCount, _liveCount - 1);
            return true;
        }
    }

    /// <inheritdoc/>
    /// <remarks>
    /// Inserts a new node with the id and the new vector, then tombstones the old node in a copy of the tombstones published
    /// whole: a search that read them before still takes the old node, and one that read them after finds the new one, linked
    /// by then. A search that meets both nodes lists the id once, with the better of its two scores, and runs again wider
    /// when the second copy left it short of k.
    /// </remarks>
    public void Replace(long id, ReadOnlySpan<float> vector)
    {
        ThrowIfDisposed();
        VectorInput.CheckOne(vector, Dimension, Metric, id, nameof(vector));
        using var lease = Hold();
        lock (_writeLock)
        {
            if (!_nodeOfId.TryGetValue(id, out int old)) throw VectorInput.NotStored(id);
            var g = GraphWithRoomFor(1);
            int node = g.NodeCount;
            Store(g, node, id, vector, NextLevel());
            // Counted before the node is: a search that saw the new node also sees a tombstone count above 0, so it does not
            // take the mode that skips tombstones and repeated ids (PlanSearch reads the node count first).
            Volatile.Write(ref g.DeletedCount, g.DeletedCount + 1);
            g.NodeCount = node + 1;
            InsertRange(g, node, node + 1);
            var deleted = (byte[])g.Deleted.Clone();
            deleted[old] = 1;
            g.Deleted = deleted;
            _nodeOfId[id] = node;
        }
    }

    /// <inheritdoc/>
    public void Compact() => Compact(CancellationToken.None);

    /// <inheritdoc/>
    /// <remarks>
    /// The rebuild of the live nodes runs outside the write lock, into a graph no search sees yet: adds, removes, replaces and
    /// saves go on meanwhile on the current graph, and searches keep reading it. The lock is taken twice, briefly: to note the
    /// nodes and tombstones to rebuild from, and at the end to bring the writes made meanwhile over (tombstone the nodes removed
    /// or replaced since, link the nodes added since) and publish the new graph, whose remaining tombstones are those writes'.
    /// A second compaction waits for a running one. With nothing written meanwhile, the graph is the one an index built from
    /// the surviving rows in order would have (same seed, <see cref="HnswOptions.BuildThreads"/> = 1).
    /// </remarks>
    public void Compact(CancellationToken cancellationToken)
    {
        ThrowIfDisposed();
        using var lease = Hold();
        _compaction.Wait(cancellationToken);
        try
        {
            // Disposed while this call waited for another compaction: no rebuild that could not be published.
            ThrowIfDisposed();
            HnswGraph noted;
            byte[] removedThen;
            int nodes;
            lock (_writeLock)
            {
                noted = _graph;
                if (noted.DeletedCount == 0) return;
                nodes = noted.NodeCount;
                // A copy: Remove writes the current tombstones in place.
                removedThen = noted.Deleted.AsSpan(0, nodes).ToArray();
            }
            // A fresh level sequence: the rebuilt graph is what an index built from the survivors would be.
            var levels = new Random(_options.Seed);
            var (g, nodeOfId) = RebuildLive(noted, removedThen, levels, cancellationToken);
            lock (_writeLock)
            {
                ThrowIfDisposed();
                cancellationToken.ThrowIfCancellationRequested();
                g = CatchUp(g, nodeOfId, removedThen, levels);
                _levelRandom = levels;
                _nodeOfId = nodeOfId;
                Volatile.Write(ref _graph, g);
            }
        }
        finally
        {
            _compaction.Release();
        }
    }

    // Outside the write lock: the rows below removedThen.Length never change once stored, so the noted graph is read safely.
    private (HnswGraph Graph, Dictionary<long, int> NodeOfId) RebuildLive(HnswGraph noted, byte[] removedThen, Random levels, CancellationToken cancellationToken)
    {
        int live = removedThen.AsSpan().Count((byte)0);
        var g = new HnswGraph(Dimension, _options.M, Math.Max(live, MinimumCapacity), _stripes);
        int node = 0;
        for (int i = 0; i < removedThen.Length; i++)
        {
            if (removedThen[i] != 0) continue;
            CopyNode(noted, i, g, node, levels);
            node++;
        }
        g.NodeCount = node;
        // Its own entry lock: a rebuilt node becoming the top holds it for its whole insertion, which the live writers need not wait for.
        if (InsertRange(g, 0, node, cancellationToken, new Lock()) < node) throw new OperationCanceledException(cancellationToken);
        var nodeOfId = new Dictionary<long, int>(node);
        for (int i = 0; i < node; i++) nodeOfId.Add(g.Labels[i], i);
        return (g, nodeOfId);
    }

    // Under the write lock: the writes made during the rebuild, carried into the rebuilt graph before it is published.
    private HnswGraph CatchUp(HnswGraph g, Dictionary<long, int> nodeOfId, byte[] removedThen, Random levels)
    {
        // The current graph may have grown since (a copy): its nodes below removedThen.Length are those the rebuild read.
        var current = _graph;
        var removedNow = current.Deleted;
        for (int i = 0; i < removedThen.Length; i++)
        {
            if (removedThen[i] != 0 || removedNow[i] == 0) continue;
            // Removed or replaced since: a tombstone in the rebuilt graph too (an id added back has a node of its own below).
            if (!nodeOfId.Remove(current.Labels[i], out int rebuilt)) continue;
            g.Deleted[rebuilt] = 1;
            g.DeletedCount++;
        }
        int added = 0;
        for (int i = removedThen.Length; i < current.NodeCount; i++) if (removedNow[i] == 0) added++;
        if (added == 0) return g;
        if ((long)g.NodeCount + added > g.Capacity) g = g.Grow(GrownCapacity(g.NodeCount, added, g.Capacity, g.Link0Stride, g.M));
        int start = g.NodeCount, node = start;
        for (int i = removedThen.Length; i < current.NodeCount; i++)
        {
            if (removedNow[i] != 0) continue;
            CopyNode(current, i, g, node, levels);
            nodeOfId[g.Labels[node]] = node;
            node++;
        }
        g.NodeCount = node;
        InsertRange(g, start, node);
        return g;
    }

    private void CopyNode(HnswGraph from, int source, HnswGraph to, int node, Random levels)
    {
        Buffer.MemoryCopy(from.Vector(source), to.Vector(node), (long)to.Stride * 4, (long)to.Stride * 4);
        to.Terms[node] = from.Terms[source];
        to.Labels[node] = from.Labels[source];
        SetLevel(to, node, NextLevel(levels));
    }

    /// <inheritdoc/>
    public void Save(string path) => Save(path, CancellationToken.None);

    /// <inheritdoc/>
    public void Save(string path, CancellationToken cancellationToken)
    {
        ThrowIfDisposed();
        using var lease = Hold();
        lock (_writeLock)
        {
            var g = _graph;
            IndexFile.Save(path, FileKind, Metric, Dimension, w => HnswSerializer.Write(w, g, _options, Metric), cancellationToken);
        }
    }

    /// <summary>Loads an index written by <see cref="Save(string)"/>.</summary>
    /// <exception cref="InvalidDataException">The file is not an HNSW index, is corrupt, or is of a newer version.</exception>
    public static HnswIndex Load(string path) => Load(path, IndexLoadOptions.Default);

    /// <summary>Loads an index written by <see cref="Save(string)"/>, memory-mapped and/or without the checksum pass as <paramref name="options"/> say.</summary>
    /// <exception cref="InvalidDataException">The file is not an HNSW index, is corrupt, or is of a newer version.</exception>
    public static HnswIndex Load(string path, IndexLoadOptions options)
        => IndexFile.Load(path, options, p =>
        {
            if (p.Header.Kind != FileKind)
                throw new InvalidDataException($"'{path}' holds a '{p.Header.Kind}' index, expected '{FileKind}'.");
            return HnswSerializer.Read(p);
        });

    /// <summary>Makes this index the owner of the mapping its graph reads from.</summary>
    internal void AttachMapping(MappedFile mapping) => _lifetime.Adopt(mapping);

    // Keeps the mapping (if any) alive while raw pointers into it are in use; throws once disposed.
    private MappedFile.Lease Hold() => _lifetime.Hold();

    /// <summary>Builds an index around a graph read from the file <paramref name="path"/>.</summary>
    /// <exception cref="InvalidDataException">Two live nodes hold the same id.</exception>
    internal static HnswIndex FromGraph(string path, int dimension, VectorMetric metric, HnswOptions options, Func<Lock[], HnswGraph> makeGraph)
    {
        var index = new HnswIndex(dimension, metric, options, withGraph: false);
        var g = makeGraph(index._stripes);
        index._nodeOfId.EnsureCapacity(g.NodeCount);
        for (int i = 0; i < g.NodeCount; i++)
        {
            if (g.Deleted[i] != 0) continue;
            if (!index._nodeOfId.TryAdd(g.Labels[i], i))
                throw IndexFile.Corrupt(path, $"id {g.Labels[i]} is stored twice");
        }
        index._liveCount = index._nodeOfId.Count;
        // Continue the level sequence deterministically after a load (not by HashCode.Combine, which is seeded per process).
        index._levelRandom = new Random(unchecked(options.Seed * 65_537 + g.NodeCount));
        index._graph = g;
        return index;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        _lifetime.Dispose();
        _contexts.Clear();
    }

    private void ThrowIfDisposed() => _lifetime.ThrowIfDisposed(this);

    private int NextLevel() => NextLevel(_levelRandom);

    private int NextLevel(Random levels)
    {
        // Level ~ ⌊−ln U · mL⌋ with mL = 1/ln M: each layer keeps about 1/M of the one below.
        double u = 1.0 - levels.NextDouble();
        return Math.Min((int)(-Math.Log(u) / Math.Log(_options.M)), 30);
    }

    private void Store(HnswGraph g, int node, long id, ReadOnlySpan<float> row, int level)
    {
        float* dst = g.Vector(node);
        double squared = 0;
        for (int j = 0; j < row.Length; j++) squared += (double)row[j] * row[j];
        // Divided in double, as the other kinds normalise: a float 1/‖x‖ overflows for rows below 1e-38 and rounds some unit rows off 1.
        double length = _cosine ? Math.Sqrt(squared) : 1;
        float norm = 0;
        for (int j = 0; j < row.Length; j++) { dst[j] = _cosine ? (float)(row[j] / length) : row[j]; norm += dst[j] * dst[j]; }
        for (int j = row.Length; j < g.Stride; j++) dst[j] = 0;
        g.Terms[node] = _l2 ? norm : 0f;
        g.Labels[node] = id;
        g.Deleted[node] = 0;
        SetLevel(g, node, level);
    }

    private static void SetLevel(HnswGraph g, int node, int level)
    {
        g.Levels[node] = (byte)level;
        new Span<int>(g.Links(node), g.Link0Stride).Clear();
        g.Upper[node] = level > 0 ? new int[level * g.UpperStride] : null;
    }

    /// <summary>
    /// Links nodes start … end − 1 in order, and returns where the linked run ends: end, or, once
    /// <paramref name="cancellationToken"/> is cancelled, the first node no thread took. Every node taken is linked in full,
    /// so the linked nodes are always the run start … returned − 1 and link only to one another and to older nodes.
    /// </summary>
    private int InsertRange(HnswGraph g, int start, int end, CancellationToken cancellationToken = default, Lock? entryLock = null)
    {
        entryLock ??= _entryLock;
        int threads = Math.Min(_options.BuildThreads, end - start);
        if (threads <= 1)
        {
            var ctx = RentContext();
            int i = start;
            // Checked per insertion: one costs tens of microseconds, the check a field read.
            for (; i < end && !cancellationToken.IsCancellationRequested; i++)
            {
                HnswGraphInsertion.Insert(g, _distance, i, _options.EfConstruction, _options.KeepPrunedConnections, entryLock, ctx);
                NodeLinked?.Invoke(i);
            }
            _contexts.Add(ctx);
            return i;
        }
        int next = start - 1;
        // Under the write lock: helpers join if the pool has room, the caller never waits for one that has not started.
        CallerLedLoop.Run(threads, () =>
        {
            var ctx = RentContext();
            int i;
            while (!cancellationToken.IsCancellationRequested && (i = Interlocked.Increment(ref next)) < end)
            {
                HnswGraphInsertion.Insert(g, _distance, i, _options.EfConstruction, _options.KeepPrunedConnections, entryLock, ctx);
                NodeLinked?.Invoke(i);
            }
            _contexts.Add(ctx);
        });
        // The counter handed out start … next in order, and each node it handed out below end was linked.
        return Math.Min(next + 1, end);
    }

    private SearchContext RentContext()
        => _contexts.TryTake(out var ctx) ? ctx : new SearchContext(VectorDot.PaddedLength(Dimension), 2 * _options.M);

    // Deleted and Nodes as the search started: the tombstones it honours (a replace publishes new ones) and the nodes stored then.
    private readonly record struct SearchPlan(SearchMode Mode, AllowFiltered Filter, byte[] Deleted, int Nodes);

    private enum SearchMode { All, Live, FilteredGraph, FilteredBruteForce }

    /// <summary>How filtered searches are routed: by the cost estimate, or forced (tests exercise both routes).</summary>
    internal enum FilterRoute { Auto, Graph, BruteForce }

    /// <summary>Overrides <see cref="HnswOptions.EntryBeam"/> for searches (benchmarks compare beams on one loaded graph).</summary>
    internal int? EntryBeamOverride { get; set; }

    /// <summary>Forces the route of filtered searches; <see cref="FilterRoute.Auto"/> by default.</summary>
    internal FilterRoute FilterRouteOverride { get; set; }

    /// <summary>Called with each node's number once an add has linked it (tests cancel a build at a chosen node).</summary>
    internal Action<int>? NodeLinked { get; set; }

    private SearchPlan PlanSearch(HnswGraph g, SearchOptions options, int ef)
    {
        // Node count first, tombstone count after (Replace writes them the other way round): a search whose node count takes in
        // a replacing node also sees the old node's tombstone counted, so it checks for repeated ids.
        int n = g.NodeCount;
        var deleted = g.Deleted;
        var filter = new AllowFiltered(deleted, g.Labels, options.AllowList, options.Filter);
        if (options.AllowList is null && options.Filter is null)
            return new SearchPlan(Volatile.Read(ref g.DeletedCount) > 0 ? SearchMode.Live : SearchMode.All, filter, deleted, n);
        if (FilterRouteOverride != FilterRoute.Auto)
            return new SearchPlan(FilterRouteOverride == FilterRoute.Graph ? SearchMode.FilteredGraph : SearchMode.FilteredBruteForce, filter, deleted, n);
        if (n == 0) return new SearchPlan(SearchMode.FilteredBruteForce, filter, deleted, n);
        // Estimate the allowed fraction from an evenly spaced sample, then pick the cheaper route:
        // a scan costs a check per node plus a distance per allowed node; a graph search visits about ef·M / fraction nodes.
        int samples = Math.Min(n, 512), allowed = 0;
        for (int s = 0; s < samples; s++) if (filter.Allows((int)((long)s * n / samples))) allowed++;
        double fraction = Math.Max(allowed, 0.5) / samples;
        double checkCost = options.Filter is null ? 0.05 : 0.2;
        double scanCost = n * (checkCost + fraction);
        double graphCost = (double)ef * _options.M / fraction;
        return new SearchPlan(scanCost < graphCost ? SearchMode.FilteredBruteForce : SearchMode.FilteredGraph, filter, deleted, n);
    }

    private void SearchOne(HnswGraph g, SearchContext ctx, float* query, int k, int ef, in SearchPlan plan, Span<long> ids, Span<float> scores)
    {
        float* q = ctx.Query;
        int d = Dimension;
        double squared = 0;
        for (int j = 0; j < d; j++) squared += (double)query[j] * query[j];
        double length = _cosine && squared > 0 ? Math.Sqrt(squared) : 1;
        float qNorm = 0;
        for (int j = 0; j < d; j++) { q[j] = _cosine ? (float)(query[j] / length) : query[j]; qNorm += q[j] * q[j]; }
        if (!_l2) qNorm = 0;

        // The scan keeps k, the graph search ef. A search that counted a replacing node but read the tombstones from before
        // the old node's was published meets the id twice, and both copies take a place: when that leaves fewer than k, the
        // search runs again as much wider as there were copies (rare: only while a replace is between those two writes).
        int width = plan.Mode == SearchMode.FilteredBruteForce ? k : ef;
        int taken;
        while (true)
        {
            var ordered = Candidates(g, ctx, q, qNorm, width, plan);
            // Only a graph with removed nodes, or with a node stored during this search (a re-add or replace of an id removed
            // meanwhile), can hold an id twice; otherwise the check is skipped.
            bool mayRepeat = plan.Mode != SearchMode.All;
            for (int i = 0; i < ordered.Length && !mayRepeat; i++) mayRepeat = ordered[i].Node >= plan.Nodes;
            taken = 0;
            int repeated = 0;
            for (int i = 0; i < ordered.Length && taken < k; i++)
            {
                long label = g.Labels[ordered[i].Node];
                if (mayRepeat && ids[..taken].Contains(label)) { repeated++; continue; }
                ids[taken] = label;
                // 0 − d, not −d: an exact match's distance 0 scores +0 as in Flat (negated it was −0, printed "-0").
                scores[taken++] = 0f - ordered[i].Distance;
            }
            if (taken == k || repeated == 0 || ordered.Length < width || width >= g.NodeCount) break;
            width += repeated;
        }
        for (int i = taken; i < k; i++) { ids[i] = -1; scores[i] = float.NegativeInfinity; }
    }

    /// <summary>
    /// The <paramref name="width"/> best candidates (the scan's k or the graph's ef), best first, in ctx.Seeds. All of them:
    /// a removed id re-added while this search ran can sit in the graph twice (old and new node), and L2's exact distances can
    /// reorder near neighbours, so the k are taken after both checks.
    /// </summary>
    private Span<Candidate> Candidates(HnswGraph g, SearchContext ctx, float* q, float qNorm, int width, in SearchPlan plan)
    {
        var results = ctx.Results;
        results.Clear();
        var (entry, maxLevel) = g.Entry;
        var kind = _distance;
        if (plan.Mode == SearchMode.FilteredBruteForce)
            // The scan to the current node count can meet a replaced id twice (the new node, and the old one live in the plan's
            // tombstones): SearchOne drops the copy and widens the scan when that left it short of k.
            HnswGraphSearch.BruteForce(g, kind, q, qNorm, width, ctx, plan.Filter);
        else if (entry >= 0)
        {
            ReadOnlySpan<Candidate> seeds = EntryPoints(g, kind, q, qNorm, entry, maxLevel, ctx);
            switch (plan.Mode)
            {
                case SearchMode.All: HnswGraphSearch.SearchLayer0(g, kind, q, qNorm, width, ctx, default(AllowAll), seeds); break;
                case SearchMode.Live: HnswGraphSearch.SearchLayer0(g, kind, q, qNorm, width, ctx, new AllowLive(plan.Deleted), seeds); break;
                default: HnswGraphSearch.SearchLayer0(g, kind, q, qNorm, width, ctx, plan.Filter, seeds); break;
            }
        }
        int n = results.Count;
        if (ctx.Seeds.Length < n) ctx.Seeds = new Candidate[n];
        var ordered = ctx.Seeds.AsSpan(0, n);
        for (int i = n - 1; i >= 0; i--) ordered[i] = results.Pop();
        var labels = g.Labels;
        if (_l2)
        {
            for (int i = 0; i < n; i++) ordered[i].Distance = SquaredDistance(q, g.Vector(ordered[i].Node), Dimension);
            ordered.Sort((a, b) => a.Distance != b.Distance ? a.Distance.CompareTo(b.Distance) : labels[a.Node].CompareTo(labels[b.Node]));
        }
        else
        {
            // Equal scores go to the smaller id, as in Flat and IVF (the heap leaves them in storage order); runs are rare and short.
            for (int i = 0; i < n;)
            {
                int j = i + 1;
                while (j < n && ordered[j].Distance == ordered[i].Distance) j++;
                if (j - i > 1) ordered[i..j].Sort((a, b) => labels[a.Node].CompareTo(labels[b.Node]));
                i = j;
            }
        }
        return ordered;
    }

    /// <summary>
    /// Layer 0's entry points: greedy descent to layer 1, then a best-first search of width
    /// <see cref="HnswOptions.EntryBeam"/> there. One greedy path can end in the wrong cluster, from which
    /// layer 0 at moderate ef never escapes; a few diverse layer-1 seeds start the search in every promising one.
    /// </summary>
    private ReadOnlySpan<Candidate> EntryPoints(HnswGraph g, HnswDistance kind, float* q, float qTerm, int entry, int maxLevel, SearchContext ctx)
    {
        int beam = EntryBeamOverride ?? _options.EntryBeam;
        int current = entry;
        float currentDistance = HnswGraphSearch.Distance(g, kind, q, qTerm, current);
        int lowest = beam > 1 && maxLevel >= 1 ? 1 : 0;
        for (int layer = maxLevel; layer > lowest; layer--)
            HnswGraphSearch.Greedy(g, kind, q, qTerm, layer, ref current, ref currentDistance);
        if (lowest == 0)
        {
            ctx.Seeds[0] = new Candidate(currentDistance, current);
            return ctx.Seeds.AsSpan(0, 1);
        }
        HnswGraphSearch.SearchUpperLayer(g, kind, q, qTerm, current, currentDistance, beam, 1, ctx);
        var found = ctx.Results.Items;
        if (ctx.Seeds.Length < found.Length) ctx.Seeds = new Candidate[found.Length];
        found.CopyTo(ctx.Seeds);
        return ctx.Seeds.AsSpan(0, found.Length);
    }

    // Exact −‖q − x‖² for the returned hits (the expanded form used while searching loses digits for near neighbours).
    private static float SquaredDistance(float* a, float* b, int d)
    {
        float sum = 0;
        for (int j = 0; j < d; j++) { float diff = a[j] - b[j]; sum += diff * diff; }
        return sum;
    }
}
