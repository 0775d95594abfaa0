using System.Diagnostics;

namespace TwoTower.MLNet.Index.Benchmarking;

/// <summary>
/// The ANN benchmark behind <c>twotower index bench</c>: builds an index from a factory spec (timed), then
/// per ef / nprobe value measures recall@k, batch QPS (all queries in one call) and single-query QPS
/// (one query per call, first queries for up to <see cref="SingleQueryBudget"/>), plus bytes per vector.
/// </summary>
public static class AnnBenchmark
{
    /// <summary>Longest time spent on the one-query-per-call measurement of one point.</summary>
    public static readonly TimeSpan SingleQueryBudget = TimeSpan.FromSeconds(2);

    /// <summary>Reads base/query vectors from .npy (float32) or .fvecs.</summary>
    public static (float[] Values, int Rows, int Columns) ReadVectors(string path) =>
        path.EndsWith(".fvecs", StringComparison.OrdinalIgnoreCase) ? FvecsReader.ReadFvecs(path) : NpyReader.ReadFloat32(path);

    /// <summary>Reads ground-truth ids from .npy (int64/int32) or .ivecs.</summary>
    public static (long[] Values, int Rows, int Columns) ReadIds(string path) =>
        path.EndsWith(".ivecs", StringComparison.OrdinalIgnoreCase) ? FvecsReader.ReadIvecs(path) : NpyReader.ReadInt64(path);

    /// <summary>Runs the benchmark on files (see <see cref="ReadVectors"/> and <see cref="ReadIds"/>).</summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled (see the other overload).</exception>
    public static AnnBenchmarkResult Run(string basePath, string queriesPath, string groundTruthPath, string spec, IReadOnlyList<int> values,
        int threads, VectorMetric metric = VectorMetric.InnerProduct, int k = 10, int repeats = 1, CancellationToken cancellationToken = default)
    {
        var (b, _, d) = ReadVectors(basePath);
        var (q, _, qd) = ReadVectors(queriesPath);
        if (qd != d) throw new ArgumentException($"Queries have dimension {qd} but the base has {d}.", nameof(queriesPath));
        var (gt, _, gtWidth) = ReadIds(groundTruthPath);
        return Run(spec, b, q, d, gt, gtWidth, values, threads, metric, k, repeats, cancellationToken);
    }

    /// <summary>
    /// Runs the benchmark on row-major data: base (ids 0 … n−1) and queries of width d, ground truth of
    /// gtWidth ids per query (the first k count). values are efSearch for HNSW specs, nProbe for IVF specs,
    /// and ignored for Flat (one point). The batch search runs <paramref name="repeats"/> times and the fastest run
    /// counts (other jobs on shared cores only ever slow a run down).
    /// </summary>
    /// <exception cref="OperationCanceledException">
    /// <paramref name="cancellationToken"/> was cancelled: checked by the index's Train, Add and Save, before each batch
    /// search and before each one-query search (a batch search already running finishes first); no file is left behind.
    /// </exception>
    public static AnnBenchmarkResult Run(string spec, float[] baseVectors, float[] queries, int d, long[] groundTruth, int gtWidth,
        IReadOnlyList<int> values, int threads, VectorMetric metric = VectorMetric.InnerProduct, int k = 10, int repeats = 1,
        CancellationToken cancellationToken = default)
    {
        if (threads < 1) throw new ArgumentOutOfRangeException(nameof(threads), threads, "threads must be ≥ 1.");
        if (repeats < 1) throw new ArgumentOutOfRangeException(nameof(repeats), repeats, "repeats must be ≥ 1.");
        if (gtWidth < k) throw new ArgumentException($"Ground truth has {gtWidth} ids per query; recall@{k} needs at least {k}.", nameof(gtWidth));
        var n = baseVectors.Length / d;
        var nq = queries.Length / d;
        if (groundTruth.Length / gtWidth != nq) throw new ArgumentException($"Ground truth has {groundTruth.Length / gtWidth} rows for {nq} queries.", nameof(groundTruth));
        var kind = spec.TrimStart().StartsWith("HNSW", StringComparison.OrdinalIgnoreCase) ? "ef"
            : spec.TrimStart().StartsWith("IVF", StringComparison.OrdinalIgnoreCase) ? "nprobe" : null;
        if (kind is not null && values.Count == 0) throw new ArgumentException($"Index '{spec}' needs at least one {kind} value.", nameof(values));

        using var index = IndexFactory.Create(spec, d, metric);
        var ids = new long[n];
        for (var i = 0; i < n; i++) ids[i] = i;
        var clock = Stopwatch.StartNew();
        index.Train(baseVectors, cancellationToken);
        index.Add(ids, baseVectors, cancellationToken);
        var buildSeconds = clock.Elapsed.TotalSeconds;

        var points = new List<AnnBenchmarkPoint>();
        foreach (var v in kind is null ? [0] : values)
        {
            var options = new SearchOptions { Threads = threads, EfSearch = kind == "ef" ? v : null, NProbe = kind == "nprobe" ? v : null };
            cancellationToken.ThrowIfCancellationRequested();
            index.Search(queries.AsSpan(0, Math.Min(nq, 100) * d), k, options); // warm-up (JIT, caches)
            SearchResults results = null!;
            var qpsBatch = 0.0;
            for (var r = 0; r < repeats; r++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                clock.Restart();
                results = index.Search(queries, k, options);
                qpsBatch = Math.Max(qpsBatch, nq / clock.Elapsed.TotalSeconds);
            }
            var single = 0;
            clock.Restart();
            while (single < nq && (single < 20 || clock.Elapsed < SingleQueryBudget))
            {
                // A field read per query of tens of microseconds: it does not show in the measured rate.
                cancellationToken.ThrowIfCancellationRequested();
                index.Search(queries.AsSpan(single * d, d), k, options);
                single++;
            }
            points.Add(new AnnBenchmarkPoint
            {
                Ef = kind == "ef" ? v : null, NProbe = kind == "nprobe" ? v : null,
                Recall = Recall(results, groundTruth, gtWidth, k), QpsBatch = qpsBatch, QpsSingle = single / clock.Elapsed.TotalSeconds,
            });
        }
        return new AnnBenchmarkResult { Index = spec, BuildSeconds = buildSeconds, BytesPerVector = BytesPerVector(index, n, cancellationToken), Points = points };
    }

    /// <summary>
    /// Mean over queries of |found ∩ first k true ids| / k. Row i of <paramref name="groundTruth"/> (<paramref name="gtWidth"/>
    /// ids) is query i's truth; rows beyond the results' queries are ignored.
    /// </summary>
    /// <exception cref="ArgumentException">A row holds fewer than k ids, or there are fewer rows than queries.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="k"/> is below 1.</exception>
    public static double Recall(SearchResults results, long[] groundTruth, int gtWidth, int k)
    {
        ArgumentNullException.ThrowIfNull(results);
        ArgumentNullException.ThrowIfNull(groundTruth);
        if (k < 1) throw new ArgumentOutOfRangeException(nameof(k), k, "k must be ≥ 1.");
        // A narrower row would be read on into the next query's truth.
        if (gtWidth < k) throw new ArgumentException($"Ground truth has {gtWidth} ids per query; recall@{k} needs at least {k}.", nameof(gtWidth));
        if (groundTruth.Length / gtWidth < results.QueryCount)
            throw new ArgumentException($"Ground truth has {groundTruth.Length / gtWidth} rows for {results.QueryCount} queries.", nameof(groundTruth));
        var hits = 0L;
        for (var i = 0; i < results.QueryCount; i++)
        {
            var truth = groundTruth.AsSpan(i * gtWidth, k);
            foreach (var id in results.IdsOf(i)[..Math.Min(k, results.K)])
                if (id >= 0 && truth.Contains(id)) hits++;
        }
        return (double)hits / ((long)results.QueryCount * k);
    }

    private static double BytesPerVector(IVectorIndex index, int n, CancellationToken cancellationToken)
    {
        var path = Path.Combine(Path.GetTempPath(), $"annbench-{Guid.NewGuid():N}.ttvx");
        try
        {
            index.Save(path, cancellationToken);
            return n == 0 ? 0 : (double)new FileInfo(path).Length / n;
        }
        finally
        {
            File.Delete(path);
        }
    }
}
