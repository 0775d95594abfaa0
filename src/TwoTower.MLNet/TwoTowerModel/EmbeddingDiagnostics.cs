using TwoTower.MLNet.Batch;
using TwoTower.MLNet.Evaluation;
using TwoTower.MLNet.Features;
using TwoTower.MLNet.Index.Common;
using TwoTower.MLNet.Index.Kernels;
using TwoTower.MLNet.Models;

namespace TwoTower.MLNet.TwoTowerModel;

/// <summary>
/// The catalogue-wide diagnostics of the quality report (neighbour genre coherence, its base rate, coverage),
/// written to scale: blocked matrix products over the threads instead of one row at a time, so a 60k-user ×
/// 20k-item model reports in seconds rather than minutes.
/// </summary>
internal static class EmbeddingDiagnostics
{
    /// <summary>Query items of the coherence measure: every item up to this many, an even stride through the catalogue beyond.</summary>
    public const int MaxCoherenceQueries = 5_000;

    // Query items scored per matrix product: enough to keep the GEMM kernel busy, few enough that a thread's score block
    // stays under 4M floats (16 MB) for any catalogue size.
    private const int MaxRowsPerBlock = 64;
    private const int MaxScoresPerBlock = 1 << 22;

    private static int RowsPerBlock(int nItems) => Math.Clamp(MaxScoresPerBlock / Math.Max(1, nItems), 1, MaxRowsPerBlock);

    /// <summary>
    /// Share of (query item, one of its 10 nearest other items by dot product) pairs that share a genre, over the
    /// items that have a genre (all of them up to <paramref name="maxQueries"/>, an even stride beyond); null with fewer than 12 items.
    /// Throws <see cref="OperationCanceledException"/> once <paramref name="cancellationToken"/> is cancelled.
    /// </summary>
    public static double? NeighbourGenreCoherence(ReadOnlyMemory<float> itemVectors, int nItems, int d, BagFeature genres, int threads, int maxQueries = MaxCoherenceQueries,
        CancellationToken cancellationToken = default)
    {
        if (nItems < 12) return null;
        var sets = GenreSets(genres, nItems);
        var candidates = Enumerable.Range(0, nItems).Where(i => sets[i] is not null).ToArray();
        if (candidates.Length == 0) return null;
        var step = Math.Max(1, (candidates.Length + maxQueries - 1) / maxQueries);
        var queries = candidates.Where((_, p) => p % step == 0).ToArray();
        var rows = RowsPerBlock(nItems);
        var blocks = (queries.Length + rows - 1) / rows;
        long shared = 0, total = 0;
        // The caller takes blocks too: Parallel.For waited for a pool thread when a report was made from outside a busy pool.
        CallerLedLoop.For(blocks, threads > 0 ? threads : Environment.ProcessorCount, () => (Scores: new float[rows * nItems], Queries: new float[rows * d], Top: new int[10]), (blk, s) =>
        {
            cancellationToken.ThrowIfCancellationRequested();
            long blockShared = 0, blockTotal = 0;
            var first = blk * rows;
            var count = Math.Min(rows, queries.Length - first);
            var vectors = itemVectors.Span;
            for (var q = 0; q < count; q++) vectors.Slice(queries[first + q] * d, d).CopyTo(s.Queries.AsSpan(q * d, d));
            Gemm.MultiplyTransposedB(s.Queries.AsSpan(0, count * d), vectors[..(nItems * d)], s.Scores.AsSpan(0, count * nItems), count, nItems, d);
            for (var q = 0; q < count; q++)
            {
                var i = queries[first + q];
                var row = s.Scores.AsSpan(q * nItems, nItems);
                row[i] = float.NegativeInfinity; // an item is not its own neighbour
                var k = ScoreRanking.TopK(row, 10, s.Top);
                for (var j = 0; j < k; j++)
                {
                    blockTotal++;
                    if (Share(sets[i]!, sets[s.Top[j]])) blockShared++;
                }
            }
            Interlocked.Add(ref shared, blockShared);
            Interlocked.Add(ref total, blockTotal);
        });
        return total > 0 ? (double)shared / total : null;
    }

    /// <summary>
    /// Share of ordered pairs (item with a genre, any other item) that share a genre: the coherence a random neighbour
    /// would have, over the pairs <see cref="NeighbourGenreCoherence"/> counts (its queries have a genre, its neighbours
    /// are any items). Exact, from a histogram of the distinct genre sets (pairs of sets, not pairs of items); null
    /// with no item with a genre or fewer than 2 items.
    /// </summary>
    public static double? GenreBaseRate(BagFeature genres, int nItems)
    {
        var sets = GenreSets(genres, nItems);
        var histogram = new Dictionary<string, (ulong[] Set, long Count)>();
        foreach (var set in sets)
        {
            if (set is null) continue;
            var key = string.Join(',', set);
            histogram[key] = histogram.TryGetValue(key, out var e) ? (e.Set, e.Count + 1) : (set, 1);
        }
        var groups = histogram.Values.ToArray();
        var withGenre = groups.Sum(g => g.Count);
        if (withGenre == 0 || nItems < 2) return null;
        long shared = 0;
        for (var a = 0; a < groups.Length; a++)
        {
            shared += groups[a].Count * (groups[a].Count - 1); // a non-empty set shares with itself
            for (var b = a + 1; b < groups.Length; b++)
                if (Share(groups[a].Set, groups[b].Set)) shared += 2 * groups[a].Count * groups[b].Count;
        }
        // Genre-less items are neighbours too (sharing none), as in the coherence: leaving them out would inflate the base rate.
        return (double)shared / (withGenre * (nItems - 1L));
    }

    /// <summary>Share of the catalogue in some known user's unfiltered top 10 (every user's top 10 from <see cref="BatchScorer"/>); cancellable like the scoring.</summary>
    public static double CatalogueCoverageAt10(IRecommender model, int threads, CancellationToken cancellationToken = default)
    {
        if (model.Items.Count == 0) return double.NaN;
        var users = Enumerable.Range(0, model.Users.Count).Select(model.Users.GetRawId).ToArray();
        var top = BatchScorer.Score(model, seen: null, users, new BatchScoringOptions { K = 10, Threads = threads }, cancellationToken: cancellationToken).Recommendations;
        var timesRecommended = new int[model.Items.Count];
        foreach (var item in top.ItemIds) timesRecommended[model.Items.GetKey(item)]++;
        return CatalogueMetrics.Coverage(timesRecommended);
    }

    // One bit per genre token; null for an item without genres.
    private static ulong[]?[] GenreSets(BagFeature genres, int nItems)
    {
        var words = (genres.VocabularySize + 63) / 64;
        var sets = new ulong[]?[nItems];
        for (var i = 0; i < nItems; i++)
        {
            if (genres.Offsets[i] == genres.Offsets[i + 1]) continue;
            var set = new ulong[words];
            for (var t = genres.Offsets[i]; t < genres.Offsets[i + 1]; t++) set[genres.Tokens[t] / 64] |= 1UL << (genres.Tokens[t] % 64);
            sets[i] = set;
        }
        return sets;
    }

    private static bool Share(ulong[] a, ulong[]? b)
    {
        if (b is null) return false;
        for (var w = 0; w < a.Length; w++)
            if ((a[w] & b[w]) != 0) return true;
        return false;
    }
}
