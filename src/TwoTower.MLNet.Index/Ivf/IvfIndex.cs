using TwoTower.MLNet.Index.Common;
using TwoTower.MLNet.Index.Persistence;

namespace TwoTower.MLNet.Index.Ivf;

/// <summary>
/// What the inverted-file indexes share (FAISS's <c>IndexIVF</c>): settings, the lists' id bookkeeping, removal and
/// compaction under one write lock, and the lifetime of a memory-mapped load. <see cref="IvfFlatIndex"/> and
/// <see cref="IvfPqIndex"/> decide what a list stores and how it is scanned.
/// </summary>
public abstract class IvfIndex : IVectorIndex
{
    private readonly IInvertedLists _lists;

    private protected IvfIndex(int dimension, VectorMetric metric, IvfOptions? options, bool pq, IInvertedLists lists)
    {
        if (dimension < 1) throw new ArgumentOutOfRangeException(nameof(dimension), dimension, "Dimension must be ≥ 1.");
        if (!Enum.IsDefined(metric)) throw new ArgumentOutOfRangeException(nameof(metric), metric, "Expected a defined VectorMetric.");
        Options = options ?? new IvfOptions();
        Options.Validate(dimension, pq);
        Dimension = dimension;
        Metric = metric;
        _lists = lists;
    }

    /// <summary>Serialises changes to the lists; searches read a published snapshot and never take it.</summary>
    private protected object WriteLock { get; } = new();

    /// <summary>The mapped file of a memory-mapped load, if any, and whether the index is disposed.</summary>
    private protected IndexLifetime Lifetime { get; } = new();

    /// <inheritdoc/>
    public int Dimension { get; }

    /// <inheritdoc/>
    public int Count => _lists.Count;

    /// <inheritdoc/>
    public int RemovedCount => _lists.RemovedCount;

    /// <inheritdoc/>
    public VectorMetric Metric { get; }

    /// <inheritdoc/>
    public bool IsExact => false;

    /// <inheritdoc/>
    public abstract bool IsTrained { get; }

    /// <summary>Whether some list is read from a memory-mapped file (until an add to that list copies it).</summary>
    public abstract bool IsMemoryMapped { get; }

    /// <summary>The settings this index was created with.</summary>
    public IvfOptions Options { get; }

    /// <inheritdoc/>
    public void Train(ReadOnlySpan<float> vectors) => Train(vectors, CancellationToken.None);

    /// <inheritdoc/>
    /// <remarks>
    /// Training an empty index again replaces its centroids; an <see cref="IVectorIndex.Add(ReadOnlySpan{long}, ReadOnlySpan{float})"/> that was assigning its
    /// batch meanwhile throws <see cref="InvalidOperationException"/> and adds nothing (add the batch again).
    /// </remarks>
    public abstract void Train(ReadOnlySpan<float> vectors, CancellationToken cancellationToken);

    /// <inheritdoc/>
    public void Add(ReadOnlySpan<long> ids, ReadOnlySpan<float> vectors) => Add(ids, vectors, CancellationToken.None);

    /// <inheritdoc/>
    /// <remarks>
    /// A cancelled add (<see cref="OperationCanceledException"/>, checked between blocks of the batch's assignment to lists and
    /// encoding) adds none of the batch: nothing is appended until the whole batch is assigned.
    /// </remarks>
    public abstract void Add(ReadOnlySpan<long> ids, ReadOnlySpan<float> vectors, CancellationToken cancellationToken);

    /// <inheritdoc/>
    /// <remarks>The new vector goes to the list of its own nearest centroid, which may be another list than the old one's.</remarks>
    public abstract void Replace(long id, ReadOnlySpan<float> vector);

    /// <inheritdoc/>
    public abstract SearchResults Search(ReadOnlySpan<float> queries, int k, SearchOptions? options = null);

    /// <inheritdoc/>
    public void Save(string path) => Save(path, CancellationToken.None);

    /// <inheritdoc/>
    public abstract void Save(string path, CancellationToken cancellationToken);

    /// <inheritdoc/>
    public bool Remove(long id)
    {
        ThrowIfDisposed();
        lock (WriteLock) return _lists.Remove(id);
    }

    /// <inheritdoc/>
    public void Compact()
    {
        ThrowIfDisposed();
        using var lease = Hold();
        lock (WriteLock) _lists.Compact();
    }

    /// <summary>Releases the mapped file of a memory-mapped load (searches still running finish first); later calls throw <see cref="ObjectDisposedException"/>.</summary>
    public void Dispose() => Lifetime.Dispose();

    /// <summary>
    /// Appends a batch (<paramref name="rows"/> vectors, already assigned to lists) under the write lock, after checking
    /// that its ids are new; <paramref name="append"/> builds each list's new snapshot as in <see cref="InvertedLists{TList}.Append"/>.
    /// <paramref name="assignedWithCurrentTraining"/> tells, under the lock, whether the quantizers the batch was assigned
    /// with are still the index's: a Train in between replaced the lists, and the rows would land in lists of other centroids.
    /// </summary>
    private protected void AppendBatch<TList>(InvertedLists<TList> lists, ReadOnlySpan<long> ids, int rows, int[] assign, Func<TList, long[], int[], TList> append,
        Func<bool> assignedWithCurrentTraining, CancellationToken cancellationToken)
        where TList : class, IRowStore<TList>
    {
        using var lease = Hold();
        lock (WriteLock)
        {
            // The last check: the append after it publishes the whole batch at once.
            cancellationToken.ThrowIfCancellationRequested();
            if (!assignedWithCurrentTraining())
                throw new InvalidOperationException("The index was trained again while this batch was being assigned to its lists: nothing was added; add the batch again.");
            VectorInput.CheckIds(ids, rows, lists.Contains, cancellationToken);
            lists.Append(ids, assign, append);
        }
    }

    /// <summary>
    /// Moves <paramref name="id"/> to a new row of list <paramref name="list"/> (built by <paramref name="append"/>) under the
    /// write lock, tombstoning its old row in the same published lists (see <see cref="InvertedLists{TList}.Replace"/>).
    /// <paramref name="assignedWithCurrentTraining"/> as in <see cref="AppendBatch"/>.
    /// </summary>
    /// <exception cref="KeyNotFoundException">The id is not stored.</exception>
    private protected void ReplaceRow<TList>(InvertedLists<TList> lists, long id, int list, Func<TList, long[], TList> append, Func<bool> assignedWithCurrentTraining)
        where TList : class, IRowStore<TList>
    {
        using var lease = Hold();
        lock (WriteLock)
        {
            if (!assignedWithCurrentTraining())
                throw new InvalidOperationException("The index was trained again while this vector was being assigned to its list: nothing was replaced; replace again.");
            if (!lists.Replace(id, list, append)) throw VectorInput.NotStored(id);
        }
    }

    private protected void ThrowIfDisposed() => Lifetime.ThrowIfDisposed(this);

    // Keeps the mapping (if any) alive while its memory is read; throws once disposed.
    private protected MappedFile.Lease Hold() => Lifetime.Hold();
}
