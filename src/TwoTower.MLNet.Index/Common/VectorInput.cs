using System.Numerics.Tensors;

namespace TwoTower.MLNet.Index.Common;

/// <summary>Validation and preparation of caller vectors shared by every index type.</summary>
internal static class VectorInput
{
    // About 256 KiB of floats: a chunk is tens of microseconds of copying, so a cancel is seen that soon and the check costs nothing.
    private const int ValuesPerCheck = 1 << 16;

    /// <summary>
    /// Rows of <paramref name="dimension"/> values between two cancellation checks of a one-time pass over a caller's batch
    /// (validation, copy, normalisation): at 1M × 128 one pass took a few hundred milliseconds before a cancel was seen.
    /// </summary>
    public static int RowsPerCheck(int dimension) => Math.Max(1, ValuesPerCheck / dimension);

    /// <summary>Ids between two cancellation checks of a pass over a batch's ids (a hash lookup and insert each): a few milliseconds.</summary>
    public const int IdsPerCheck = 1 << 16;

    /// <summary>Called on the pass's thread as each chunk starts, with its first row, before the check (tests cancel a pass at a chosen chunk).</summary>
    [ThreadStatic] internal static Action<int>? ChunkStarting;

    /// <summary>The check before the chunk of a pass that starts at <paramref name="row"/> (see <see cref="RowsPerCheck"/>).</summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public static void CheckChunk(CancellationToken cancellationToken, int row)
    {
        // Searches and single-vector calls pass no token: they skip the hook's thread-static read too.
        if (!cancellationToken.CanBeCanceled) return;
        ChunkStarting?.Invoke(row);
        cancellationToken.ThrowIfCancellationRequested();
    }

    /// <summary>
    /// Checks a row-major batch of <paramref name="dimension"/>-wide rows: whole rows, finite values. Returns the row count.
    /// <paramref name="cancellationToken"/> is checked every <see cref="RowsPerCheck"/> rows.
    /// </summary>
    public static int CountRows(ReadOnlySpan<float> vectors, int dimension, string name, CancellationToken cancellationToken = default)
    {
        if (vectors.Length % dimension != 0)
            throw new ArgumentException($"'{name}' has {vectors.Length} values, which is not a multiple of the index dimension {dimension}.", name);
        var step = RowsPerCheck(dimension) * dimension;
        for (var start = 0; start < vectors.Length; start += step)
        {
            CheckChunk(cancellationToken, start / dimension);
            var end = Math.Min(vectors.Length, start + step);
            for (var i = start; i < end; i++)
                if (!float.IsFinite(vectors[i]))
                    throw new ArgumentException($"'{name}' row {i / dimension}, column {i % dimension} is {vectors[i]}; expected finite values.", name);
        }
        return vectors.Length / dimension;
    }

    /// <summary>Checks the one vector of a replace of <paramref name="id"/>: exactly <paramref name="dimension"/> finite values, not all zeros under the cosine metric.</summary>
    public static void CheckOne(ReadOnlySpan<float> vector, int dimension, VectorMetric metric, long id, string name)
    {
        if (vector.Length != dimension)
            throw new ArgumentException($"'{name}' has {vector.Length} values; expected one vector of the index dimension {dimension}.", name);
        CountRows(vector, dimension, name);
        // Checked before anything changes: a replace that removed the id first would lose it to this refusal.
        if (metric == VectorMetric.Cosine && !vector.ContainsAnyExcept(0f))
            throw new ArgumentException($"'{name}' (id {id}) is all zeros; the cosine metric needs a non-zero vector.", name);
    }

    /// <summary>The error of a replace whose id is not stored (never added, or removed).</summary>
    public static KeyNotFoundException NotStored(long id) =>
        new($"Id {id} is not in the index (never added, or removed); Replace changes the vector of a stored id, Add adds a new one.");

    /// <summary>
    /// Checks ids against the vector rows: same count, non-negative, no duplicates within the batch or in <paramref name="existing"/>.
    /// <paramref name="cancellationToken"/> is checked every <see cref="IdsPerCheck"/> ids.
    /// </summary>
    public static void CheckIds(ReadOnlySpan<long> ids, int rows, Func<long, bool> existing, CancellationToken cancellationToken = default)
    {
        if (ids.Length != rows)
            throw new ArgumentException($"'ids' has {ids.Length} entries but 'vectors' has {rows} rows.", nameof(ids));
        var seen = new HashSet<long>(ids.Length);
        for (var i = 0; i < ids.Length; i++)
        {
            if (i % IdsPerCheck == 0) CheckChunk(cancellationToken, i);
            var id = ids[i];
            if (id < 0) throw new ArgumentException($"Id {id} is negative; ids must be ≥ 0.", nameof(ids));
            if (!seen.Add(id)) throw new ArgumentException($"Id {id} appears twice in this batch; ids must be unique.", nameof(ids));
            if (existing(id)) throw new ArgumentException($"Id {id} is already in the index; remove it first.", nameof(ids));
        }
    }

    /// <summary>
    /// Copies rows, L2-normalising each when the metric is cosine (zero rows are rejected then), a chunk at a time:
    /// <paramref name="cancellationToken"/> is checked every <see cref="RowsPerCheck"/> rows.
    /// </summary>
    public static float[] Prepare(ReadOnlySpan<float> vectors, int dimension, VectorMetric metric, string name, CancellationToken cancellationToken = default)
    {
        // Every value is written below, so the array need not be zeroed first.
        var copy = GC.AllocateUninitializedArray<float>(vectors.Length);
        var step = RowsPerCheck(dimension) * dimension;
        for (var start = 0; start < vectors.Length; start += step)
        {
            CheckChunk(cancellationToken, start / dimension);
            var chunk = copy.AsSpan(start, Math.Min(step, vectors.Length - start));
            vectors.Slice(start, chunk.Length).CopyTo(chunk);
            // Normalised while the chunk is still in cache.
            if (metric == VectorMetric.Cosine) NormalizeRows(chunk, dimension, name, firstRow: start / dimension);
        }
        return copy;
    }

    /// <summary>
    /// L2-normalises each row in place; an all-zero row is rejected, or, with <paramref name="keepZeroRows"/>, left as it is.
    /// <paramref name="firstRow"/> is the number the first row has in the caller's batch (errors name it).
    /// </summary>
    public static void NormalizeRows(Span<float> rows, int dimension, string name, bool keepZeroRows = false, int firstRow = 0)
    {
        for (var r = 0; r * dimension < rows.Length; r++)
        {
            var row = rows.Slice(r * dimension, dimension);
            // In double: a float sum of squares overflows for components near 1e19 and underflows near 1e-23.
            double squares = 0;
            foreach (var x in row) squares += (double)x * x;
            if (squares == 0)
            {
                if (keepZeroRows) continue;
                throw new ArgumentException($"'{name}' row {firstRow + r} is all zeros; cosine similarity needs non-zero vectors.", name);
            }
            var norm = Math.Sqrt(squares);
            for (var j = 0; j < row.Length; j++) row[j] = (float)(row[j] / norm);
        }
    }

    /// <summary>Checks k and the options of a search call; NProbe only where the index reads it (SearchOptions: other settings are ignored).</summary>
    public static SearchOptions CheckSearch(int k, SearchOptions? options, bool readsNProbe)
    {
        if (k < 1) throw new ArgumentOutOfRangeException(nameof(k), k, "k must be ≥ 1.");
        options ??= SearchOptions.Default;
        if (options.Threads < 1) throw new ArgumentOutOfRangeException(nameof(options), options.Threads, "SearchOptions.Threads must be ≥ 1.");
        if (readsNProbe && options.NProbe is < 1) throw new ArgumentOutOfRangeException(nameof(options), options.NProbe, "SearchOptions.NProbe must be ≥ 1.");
        return options;
    }

    /// <summary>
    /// The checks every search starts with: k and the options, whole finite query rows (prepared for the metric), and
    /// result arrays of queries × k. Returns the options to use (defaults when null), the query count and the prepared queries.
    /// </summary>
    public static (SearchOptions Options, int QueryCount, float[] Queries, long[] Ids, float[] Scores) StartSearch(
        ReadOnlySpan<float> queries, int k, SearchOptions? options, int dimension, VectorMetric metric, bool readsNProbe = false)
    {
        options = CheckSearch(k, options, readsNProbe);
        var nq = CountRows(queries, dimension, nameof(queries));
        if ((long)nq * k > Array.MaxLength)
            throw new ArgumentOutOfRangeException(nameof(k), k, $"k × queries = {(long)nq * k} results do not fit in memory; ask for fewer.");
        var q = Prepare(queries, dimension, metric, nameof(queries));
        var ids = new long[(long)nq * k];
        return (options, nq, q, ids, new float[ids.Length]);
    }

    /// <summary>An eligibility test from the options' filter and allow-list, or null when every id is eligible.</summary>
    public static Func<long, bool>? Eligibility(SearchOptions options)
    {
        var filter = options.Filter;
        var allow = options.AllowList;
        if (allow is null) return filter;
        bool InAllowList(long id) => id < allow.Length && allow[(int)id];
        return filter is null ? InAllowList : id => InAllowList(id) && filter(id);
    }
}
