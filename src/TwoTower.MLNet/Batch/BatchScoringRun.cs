using System.Diagnostics;
using System.Runtime.CompilerServices;
using TwoTower.MLNet.Data;
using TwoTower.MLNet.Evaluation;
using TwoTower.MLNet.Index.Common;
using TwoTower.MLNet.Models;

namespace TwoTower.MLNet.Batch;

/// <summary>
/// The users of one shard, resolved and checked (<see cref="BatchScorer.Prepare"/>), scored lazily chunk by chunk by
/// <see cref="Chunks"/>: memory stays bounded by one chunk of rows however many users the shard holds.
/// </summary>
public sealed class BatchScoringRun
{
    private readonly IRecommender _model;
    private readonly SparseMatrix? _seen;
    private readonly BatchScoringOptions _options;
    private readonly string[] _ids;
    private readonly int[] _keys;
    private readonly IProgress<BatchScoringProgress>? _progress;
    private readonly CancellationToken _cancellationToken;
    // Items per user: K, or the whole catalogue when it is smaller.
    private readonly int _k;

    internal BatchScoringRun(IRecommender model, SparseMatrix? seen, BatchScoringOptions options, string[] ids, int[] keys,
        int coldStart, int skipped, int duplicates, IProgress<BatchScoringProgress>? progress, CancellationToken cancellationToken)
    {
        (_model, _seen, _options, _ids, _keys, _progress, _cancellationToken) = (model, seen, options, ids, keys, progress, cancellationToken);
        (ColdStartUsers, SkippedUsers, DuplicateUsers) = (coldStart, skipped, duplicates);
        _k = Math.Min(options.K, model.Items.Count);
        // A block's rows fit in a chunk too: a chunk is whole blocks, so at a large k one block of BlockSize users outgrew RowsPerChunk.
        var blockLimit = Math.Min(BatchScoringOptions.MaxScoresPerBlock / Math.Max(model.Items.Count, 1), options.RowsPerChunk / Math.Max(_k, 1));
        Block = Math.Clamp(Math.Min(options.BlockSize, blockLimit), 1, Math.Max(ids.Length, 1));
        // Whole blocks of about RowsPerChunk rows; independent of the thread count, so the output is too.
        ChunkUsers = Math.Max(1, options.RowsPerChunk / Math.Max(_k, 1) / Block) * Block;
    }

    /// <summary>Distinct users the run scores.</summary>
    public int Users => _ids.Length;

    /// <summary>Of those, users the model did not know (scored by its cold-start answer).</summary>
    public int ColdStartUsers { get; }

    /// <summary>Unknown users left out (<see cref="UnknownUserPolicy.Skip"/>).</summary>
    public int SkippedUsers { get; }

    /// <summary>Repeated input ids scored once.</summary>
    public int DuplicateUsers { get; }

    /// <summary>Users per model call.</summary>
    public int Block { get; }

    /// <summary>Users per chunk of <see cref="Chunks"/> (whole blocks).</summary>
    public int ChunkUsers { get; }

    /// <summary>
    /// The recommendations, one chunk of <see cref="ChunkUsers"/> users at a time in input order; each chunk is scored
    /// when it is asked for, its blocks spread over <see cref="BatchScoringOptions.Threads"/> threads.
    /// </summary>
    public IEnumerable<BatchRecommendations> Chunks()
    {
        // Per enumeration: users scored so far and the time since it began (also the lock of progress reports).
        var scored = new StrongBox<int>(0);
        var clock = Stopwatch.StartNew();
        for (var start = 0; start < _ids.Length; start += ChunkUsers)
            yield return ScoreChunk(start, Math.Min(ChunkUsers, _ids.Length - start), scored, clock);
    }

    private BatchRecommendations ScoreChunk(int first, int count, StrongBox<int> scored, Stopwatch clock)
    {
        var items = _model.Items.Count;
        var k = _k;
        var block = Block;
        var blocks = (count + block - 1) / block;
        // Per user: its top-k item indexes and scores, and how many it got (fewer than k when exclude-seen leaves fewer items).
        var topItems = new int[(long)count * k];
        var topScores = new float[topItems.Length];
        var found = new int[count];
        var threads = Math.Min(_options.Threads == 0 ? Environment.ProcessorCount : _options.Threads, Math.Max(blocks, 1));
        var nextBlock = -1;
        // Workers take blocks in order; each user's result has a fixed slot, so the output does not depend on the thread count.
        void Work()
        {
            var scores = new float[(long)block * items];
            var top = new int[Math.Max(k, 1)];
            int b;
            while ((b = Interlocked.Increment(ref nextBlock)) < blocks)
            {
                _cancellationToken.ThrowIfCancellationRequested();
                var start = b * block;
                var n = Math.Min(block, count - start);
                var blockKeys = _keys.AsSpan(first + start, n);
                _model.Score(blockKeys, scores.AsSpan(0, n * items));
                for (var r = 0; r < n; r++)
                {
                    var row = scores.AsSpan(r * items, items);
                    if (_options.ExcludeSeen && blockKeys[r] >= 0)
                        foreach (var i in _seen!.RowIndices(blockKeys[r])) row[i] = float.NegativeInfinity;
                    // Excluded (-∞) and NaN scores are never selected, so a user with fewer eligible items gets a shorter list.
                    var got = k == 0 ? 0 : ScoreRanking.TopK(row, k, top);
                    var u = start + r;
                    found[u] = got;
                    for (var j = 0; j < got; j++)
                    {
                        topItems[(long)u * k + j] = top[j];
                        topScores[(long)u * k + j] = row[top[j]];
                    }
                }
                lock (scored)
                {
                    scored.Value += n;
                    _progress?.Report(new BatchScoringProgress(scored.Value, _ids.Length, clock.Elapsed));
                }
            }
        }
        // The caller works too, and an error reaches callers as a single thread would have thrown it (cancellation, a model's
        // exception): Parallel.For waited for a pool thread when a job or a web app scored from outside a busy pool.
        CallerLedLoop.Run(threads, Work);

        var rows = found.Sum();
        var (rowUsers, rowRanks, rowItems, rowScores) = (new string[rows], new int[rows], new string[rows], new float[rows]);
        var at = 0;
        for (var u = 0; u < count; u++)
            for (var j = 0; j < found[u]; j++, at++)
            {
                rowUsers[at] = _ids[first + u];
                rowRanks[at] = j + 1;
                rowItems[at] = _model.Items.GetRawId(topItems[(long)u * k + j]);
                rowScores[at] = topScores[(long)u * k + j];
            }
        return new BatchRecommendations(rowUsers, rowRanks, rowItems, rowScores);
    }
}
