using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using TwoTower.MLNet.Index.Common;
using TwoTower.MLNet.Index.Persistence;

namespace TwoTower.MLNet.Index.Flat;

/// <summary>
/// Exact search: every query is scored against every stored vector with a blocked matrix multiply
/// (query blocks × base blocks, vectors kept pre-packed in the kernel's panel layout), and a bounded
/// heap per query keeps the best k. Like FAISS's <c>IndexFlat</c>. Under a selective allow-list only the
/// allowed vectors are scored. Loaded with <see cref="IndexLoadOptions.MemoryMap"/>, the packed vectors are
/// read in place from the mapped file, which the index owns until <see cref="Dispose"/>; searches are
/// thread-safe either way.
/// </summary>
public sealed class FlatIndex : IVectorIndex
{
    /// <summary>Kind name written into saved files.</summary>
    public const string Kind = "Flat";

    private readonly object _writeLock = new();
    private readonly Dictionary<long, int> _rowOf = [];
    private volatile PackedVectors _store;
    private readonly IndexLifetime _lifetime = new();

    /// <summary>Creates an empty exact index.</summary>
    public FlatIndex(int dimension, VectorMetric metric = VectorMetric.InnerProduct)
    {
        if (dimension < 1) throw new ArgumentOutOfRangeException(nameof(dimension), dimension, "Dimension must be ≥ 1.");
        if (!Enum.IsDefined(metric)) throw new ArgumentOutOfRangeException(nameof(metric), metric, "Expected a defined VectorMetric.");
        Dimension = dimension;
        Metric = metric;
        _store = PackedVectors.Empty(dimension);
    }

    /// <inheritdoc/>
    public int Dimension { get; }

    /// <inheritdoc/>
    public int Count => _store.Live;

    /// <inheritdoc/>
    public int RemovedCount
    {
        get
        {
            var store = _store;
            return store.Rows - store.Live;
        }
    }

    /// <inheritdoc/>
    public VectorMetric Metric { get; }

    /// <inheritdoc/>
    public bool IsExact => true;

    /// <inheritdoc/>
    public bool IsTrained => true;

    /// <summary>Whether the stored vectors are read from a memory-mapped file (until an add copies them).</summary>
    public bool IsMemoryMapped => MemoryMarshal.TryGetMemoryManager<float, MappedMemory<float>>(_store.Packed, out _);

    /// <inheritdoc/>
    public void Train(ReadOnlySpan<float> vectors) => Train(vectors, CancellationToken.None);

    /// <inheritdoc/>
    public void Train(ReadOnlySpan<float> vectors, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        VectorInput.CountRows(vectors, Dimension, nameof(vectors), cancellationToken);
    }

    /// <inheritdoc/>
    public void Add(ReadOnlySpan<long> ids, ReadOnlySpan<float> vectors) => Add(ids, vectors, CancellationToken.None);

    /// <inheritdoc/>
    /// <remarks>
    /// A cancelled add (<see cref="OperationCanceledException"/>, checked every chunk of rows while the batch is validated and
    /// copied, and while its ids are checked) adds none of the batch.
    /// </remarks>
    public void Add(ReadOnlySpan<long> ids, ReadOnlySpan<float> vectors, CancellationToken cancellationToken)
    {
        ThrowIfDisposed();
        cancellationToken.ThrowIfCancellationRequested();
        var rows = VectorInput.CountRows(vectors, Dimension, nameof(vectors), cancellationToken);
        var prepared = VectorInput.Prepare(vectors, Dimension, Metric, nameof(vectors), cancellationToken);
        cancellationToken.ThrowIfCancellationRequested();
        using var lease = Hold();
        lock (_writeLock)
        {
            // The last checks, in the ids' pass: the append after it is one publish, all of the batch or nothing.
            VectorInput.CheckIds(ids, rows, _rowOf.ContainsKey, cancellationToken);
            AppendLocked(ids, prepared);
        }
    }

    private void AppendLocked(ReadOnlySpan<long> ids, ReadOnlySpan<float> vectors)
    {
        var first = _store.Rows;
        for (var r = 0; r < ids.Length; r++) _rowOf.Add(ids[r], first + r);
        _store = _store.Append(ids, vectors);
    }

    /// <inheritdoc/>
    public SearchResults Search(ReadOnlySpan<float> queries, int k, SearchOptions? options = null)
    {
        ThrowIfDisposed();
        (options, var nq, var q, var ids, var scores) = VectorInput.StartSearch(queries, k, options, Dimension, Metric);
        var counts = new int[nq];
        using var lease = Hold();
        var s = _store;
        var eligible = VectorInput.Eligibility(options);
        // A selective allow-list: score only the allowed rows (the filter, if any, still applies to them).
        if (options.AllowList is { } allow && AllowedRows.Select(s, allow, nq) is { } allowed) (s, eligible) = (allowed, options.Filter);
        var l2 = Metric == VectorMetric.L2;
        var block = PackedScan.MaxQueries;
        if (options.Threads > 1) block = Math.Clamp((nq + options.Threads - 1) / options.Threads, 8, PackedScan.MaxQueries);
        var blocks = (nq + block - 1) / block;
        void RunBlock(int b)
        {
            var q0 = b * block;
            var mq = Math.Min(block, nq - q0);
            PackedScan.Scan(s, q.AsSpan(q0 * Dimension, mq * Dimension), mq, l2, eligible,
                scores.AsSpan(q0 * k, mq * k), ids.AsSpan(q0 * k, mq * k), counts.AsSpan(q0, mq), k);
        }
        // Not Parallel.For, which waits for the replicas it queued: from outside a busy pool a threaded search waited seconds.
        CallerLedLoop.For(blocks, options.Threads, RunBlock);
        Finish(q, Dimension, l2, scores, ids, counts, k);
        return new SearchResults(nq, k, ids, scores);
    }

    /// <summary>Sorts each query's heap best first and turns L2 heap scores (2q·x − ‖x‖²) into −‖q − x‖².</summary>
    internal static void Finish(ReadOnlySpan<float> q, int dimension, bool l2, Span<float> scores, Span<long> ids, ReadOnlySpan<int> counts, int k)
    {
        for (var i = 0; i < counts.Length; i++)
        {
            var sc = scores.Slice(i * k, k);
            TopK.SortDescending(sc, ids.Slice(i * k, k), counts[i]);
            if (!l2) continue;
            var qi = q.Slice(i * dimension, dimension);
            var qn = TensorPrimitives.Dot(qi, qi);
            // The expanded form (as FAISS's batched L2) rounds: a near-duplicate can come out just above 0, which no −‖q − x‖² is.
            for (var j = 0; j < counts[i]; j++) sc[j] = MathF.Min(sc[j] - qn, 0f);
        }
    }

    /// <inheritdoc/>
    public bool Remove(long id)
    {
        ThrowIfDisposed();
        lock (_writeLock)
        {
            if (!_rowOf.Remove(id, out var row)) return false;
            _store = _store.MarkRemoved(row);
            return true;
        }
    }

    /// <inheritdoc/>
    public void Replace(long id, ReadOnlySpan<float> vector)
    {
        ThrowIfDisposed();
        VectorInput.CheckOne(vector, Dimension, Metric, id, nameof(vector));
        var prepared = VectorInput.Prepare(vector, Dimension, Metric, nameof(vector));
        using var lease = Hold();
        lock (_writeLock)
        {
            if (!_rowOf.TryGetValue(id, out var old)) throw VectorInput.NotStored(id);
            // The new row and the old one's tombstone published in one snapshot (the tombstone in a copy, which searches of the
            // current snapshot do not see): a search finds the id once, with the old vector or the new one.
            var store = _store.Append([id], prepared);
            _rowOf[id] = store.Rows - 1;
            _store = store.WithRowRemoved(old);
        }
    }

    /// <inheritdoc/>
    public void Compact()
    {
        ThrowIfDisposed();
        using var lease = Hold();
        lock (_writeLock)
        {
            // Built aside and published whole: a search meanwhile keeps the old snapshot (publishing an empty store first answered nothing).
            var store = _store.WithoutRemoved();
            _rowOf.Clear();
            for (var row = 0; row < store.Rows; row++) _rowOf.Add(store.Ids[row], row);
            _store = store;
        }
    }

    /// <inheritdoc/>
    public void Save(string path) => Save(path, CancellationToken.None);

    /// <inheritdoc/>
    public void Save(string path, CancellationToken cancellationToken)
    {
        ThrowIfDisposed();
        using var lease = Hold();
        // Under the write lock (as HNSW saves): a Remove meanwhile tombstoned a row of the snapshot being written, which then held
        // one row fewer than its live count and wrote an empty row of id 0 in its place.
        lock (_writeLock)
        {
            var s = _store;
            IndexFile.Save(path, Kind, Metric, Dimension, w => PackedVectorsSerializer.Write(w, s), cancellationToken);
        }
    }

    /// <summary>Loads an index written by <see cref="Save(string)"/>.</summary>
    public static FlatIndex Load(string path) => Load(path, IndexLoadOptions.Default);

    /// <summary>Loads an index written by <see cref="Save(string)"/>, memory-mapped and/or without the checksum pass as <paramref name="options"/> say.</summary>
    /// <exception cref="InvalidDataException">The file is not a Flat index, is corrupt, or is of a newer version.</exception>
    public static FlatIndex Load(string path, IndexLoadOptions options) => IndexFile.Load(path, options, p =>
    {
        var h = p.Header;
        IndexFile.ExpectKind(path, h, Kind);
        var index = new FlatIndex(h.Dimension, h.Metric);
        if (h.FormatVersion < IndexFile.FirstMappableVersion)
        {
            var r = p.Reader;
            var n = r.ReadInt32();
            var ids = BinaryIo.ReadLongs(r, n);
            var vectors = BinaryIo.ReadFloats(r, (long)n * h.Dimension);
            // Checked as the version-2 reader checks them: a negative id would come back as a hit.
            foreach (var id in ids)
                if (id < 0) throw p.Corrupt($"flat holds negative id {id}");
            lock (index._writeLock) index.AppendLocked(ids, vectors);
            return index;
        }
        var store = PackedVectorsSerializer.Read(p, "flat");
        for (var row = 0; row < store.Rows; row++)
            if (!index._rowOf.TryAdd(store.Ids[row], row)) throw p.Corrupt($"id {store.Ids[row]} is stored twice");
        index._store = store;
        index._lifetime.AdoptClaimed(p);
        return index;
    });

    /// <summary>Releases the mapped file of a memory-mapped load (searches still running finish first); later calls throw <see cref="ObjectDisposedException"/>.</summary>
    public void Dispose() => _lifetime.Dispose();

    private void ThrowIfDisposed() => _lifetime.ThrowIfDisposed(this);

    // Keeps the mapping (if any) alive while its memory is read; throws once disposed.
    private MappedFile.Lease Hold() => _lifetime.Hold();
}
