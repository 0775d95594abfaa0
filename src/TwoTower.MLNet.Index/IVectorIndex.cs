namespace TwoTower.MLNet.Index;

/// <summary>
/// The uniform interface of every vector index (exact, HNSW, IVF, IVF-PQ), after FAISS's <c>Index</c>.
/// Vectors are float32 rows of <see cref="Dimension"/> values, identified by caller-chosen 64-bit ids.
/// Searching is thread-safe, also while another thread adds (readers never see a broken structure).
/// </summary>
public interface IVectorIndex : IDisposable
{
    /// <summary>Vector dimension.</summary>
    int Dimension { get; }

    /// <summary>Number of live (not removed) vectors.</summary>
    int Count { get; }

    /// <summary>
    /// Removed vectors still stored as tombstones, which searches step over and <see cref="Compact()"/> reclaims. 0 for
    /// implementations that keep none of their own (the default; pgvector leaves reclaiming to PostgreSQL's vacuum).
    /// </summary>
    int RemovedCount => 0;

    /// <summary>How vectors are compared.</summary>
    VectorMetric Metric { get; }

    /// <summary>
    /// Whether search results are exact (Flat) rather than approximate. Exact up to float rounding: L2 distances are
    /// computed as ‖x‖² + ‖q‖² − 2q·x (as FAISS does for batches), so neighbours whose distances differ by less than about
    /// 1e-7 × ‖x‖² may swap places; ties in score go to the smaller id.
    /// </summary>
    bool IsExact { get; }

    /// <summary>
    /// Whether the index is ready for <see cref="Add(ReadOnlySpan{long}, ReadOnlySpan{float})"/>: true for the kinds that need no training (Flat, HNSW), and for IVF and
    /// IVF-PQ once <see cref="Train(ReadOnlySpan{float})"/> has run (false before, when Add throws <see cref="InvalidOperationException"/>).
    /// </summary>
    bool IsTrained { get; }

    /// <summary>
    /// Whether the index reads its large sections in place from a memory-mapped file (a load with
    /// <see cref="Persistence.IndexLoadOptions.MemoryMap"/> of a file that allows it), until adds copy them into owned memory.
    /// False for an index built in memory or loaded fully, and for implementations that never map a file (the default).
    /// </summary>
    bool IsMemoryMapped => false;

    /// <summary>Learns the index's structure (coarse centroids, codebooks) from sample vectors (row-major n × Dimension). A no-op for indexes that need no training.</summary>
    void Train(ReadOnlySpan<float> vectors);

    /// <summary>
    /// <see cref="Train(ReadOnlySpan{float})"/> that <paramref name="cancellationToken"/> can stop. The built-in kinds check it
    /// between k-means steps of milliseconds each; the default implementation, for indexes that do not provide their own,
    /// checks it once before training.
    /// </summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled; the index keeps the training it had (an untrained index stays untrained).</exception>
    void Train(ReadOnlySpan<float> vectors, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        Train(vectors);
    }

    /// <summary>Adds vectors (row-major ids.Length × Dimension). Ids must be new and non-negative; NaN/∞ values are rejected.</summary>
    void Add(ReadOnlySpan<long> ids, ReadOnlySpan<float> vectors);

    /// <summary>
    /// <see cref="Add(ReadOnlySpan{long}, ReadOnlySpan{float})"/> that <paramref name="cancellationToken"/> can stop. The built-in
    /// kinds check it every chunk of rows (about 256 KiB) while they validate, copy and normalise the batch, before each HNSW
    /// insertion and between blocks of the IVF assignment and PQ encoding (milliseconds apart at most);
    /// the default implementation, for indexes that do not provide their own, checks it once before adding.
    /// </summary>
    /// <exception cref="OperationCanceledException">
    /// <paramref name="cancellationToken"/> was cancelled. The index stays consistent and searchable and holds a prefix of the
    /// batch: its first (<see cref="Count"/> after − <see cref="Count"/> before) rows, in order, and none of the rest, whose ids
    /// stay free, so adding the rest of the batch resumes. Flat, IVF, IVF-PQ and pgvector add none of the batch; HNSW keeps the
    /// rows it had linked into its graph.
    /// </exception>
    void Add(ReadOnlySpan<long> ids, ReadOnlySpan<float> vectors, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        Add(ids, vectors);
    }

    /// <summary>Searches k nearest for each query (row-major n × Dimension), best first; equal scores go to the smaller id in every built-in kind (Flat, HNSW, IVF, and pgvector, which follows a tie at the k-th place through its HNSW scan for up to 64·k rows and settles a longer one with an exact scan).</summary>
    SearchResults Search(ReadOnlySpan<float> queries, int k, SearchOptions? options = null);

    /// <summary>Removes a vector by id (a tombstone until <see cref="Compact()"/>); returns false when the id is not present.</summary>
    bool Remove(long id);

    /// <summary>
    /// Gives a stored id a new vector (<see cref="Dimension"/> values, checked as <see cref="Add(ReadOnlySpan{long}, ReadOnlySpan{float})"/> checks them). The built-in
    /// kinds replace atomically for readers: a search running meanwhile finds the id once, with its old or its new vector,
    /// never neither and never twice. <see cref="Count"/> is unchanged; the old vector stays behind as a tombstone, as after
    /// <see cref="Remove"/> (counted in <see cref="RemovedCount"/> until <see cref="Compact()"/> by the kinds that keep their own).
    /// </summary>
    /// <remarks>
    /// The default implementation, for indexes that do not provide their own, checks the vector's length and values (finite,
    /// non-zero under the cosine metric), then calls <see cref="Remove"/> and <see cref="Add(ReadOnlySpan{long}, ReadOnlySpan{float})"/>: not atomic, so a search
    /// between the two calls misses the id, and an Add that refuses the vector for a reason of its own leaves the id removed.
    /// </remarks>
    /// <exception cref="ArgumentException"><paramref name="vector"/> does not have <see cref="Dimension"/> values, holds NaN or ∞, or is all zeros under the cosine metric; nothing changes.</exception>
    /// <exception cref="KeyNotFoundException"><paramref name="id"/> is not stored (never added, or removed, the ids for which <see cref="Remove"/> returns false); nothing changes.</exception>
    void Replace(long id, ReadOnlySpan<float> vector)
    {
        Common.VectorInput.CheckOne(vector, Dimension, Metric, id, nameof(vector));
        if (!Remove(id)) throw Common.VectorInput.NotStored(id);
        Add([id], vector);
    }

    /// <summary>Rebuilds internal storage without removed vectors.</summary>
    void Compact();

    /// <summary>
    /// <see cref="Compact()"/> that <paramref name="cancellationToken"/> can stop; a cancelled compaction leaves the index as it
    /// was. HNSW checks it before each rebuilt node; the default implementation, for indexes that do not provide their own,
    /// checks it only before it starts.
    /// </summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled; nothing changed.</exception>
    void Compact(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        Compact();
    }

    /// <summary>Writes the index atomically in the versioned, checksummed format, creating the file's folder when missing.</summary>
    void Save(string path);

    /// <summary>
    /// <see cref="Save(string)"/> that <paramref name="cancellationToken"/> can stop. The built-in kinds check it before each MiB
    /// written and before the file is renamed into place; the default implementation, for indexes that do not provide their
    /// own, checks it once before saving.
    /// </summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled; no partial file is left, and a file already at <paramref name="path"/> is kept as it was.</exception>
    void Save(string path, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        Save(path);
    }
}
