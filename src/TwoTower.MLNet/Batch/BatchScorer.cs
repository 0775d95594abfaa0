using System.Diagnostics;
using System.Runtime.ExceptionServices;
using TwoTower.MLNet.Data;
using TwoTower.MLNet.Evaluation;
using TwoTower.MLNet.Models;

namespace TwoTower.MLNet.Batch;

/// <summary>
/// Top-k recommendations for many users at once: the users of one shard are scored against the whole catalogue in
/// blocks (one <see cref="IRecommender.Score"/> call per block, so embedding models run one matrix product per block).
/// </summary>
public static class BatchScorer
{
    /// <summary>
    /// Scores the users of shard <see cref="BatchScoringOptions.Shard"/> among <paramref name="users"/> (raw ids; repeats are
    /// scored once). <paramref name="seen"/> (users × items of the model's maps) is needed for <see cref="BatchScoringOptions.ExcludeSeen"/>.
    /// </summary>
    /// <exception cref="ArgumentException">Bad options, a seen matrix of the wrong shape, or unknown users under <see cref="UnknownUserPolicy.Fail"/>.</exception>
    /// <exception cref="InvalidOperationException">Exclude-seen without the training history.</exception>
    public static BatchScoreResult Score(IRecommender model, SparseMatrix? seen, IReadOnlyList<string> users, BatchScoringOptions? options = null,
        IProgress<BatchScoringProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(users);
        options ??= new BatchScoringOptions();
        options.Validate();
        if (options.ExcludeSeen && seen is null)
            throw new InvalidOperationException("Exclude-seen needs the training history, and this model file was saved without it.");
        if (seen is not null && (seen.Rows != model.Users.Count || seen.Columns != model.Items.Count))
            throw new ArgumentException($"seen is {seen.Rows}×{seen.Columns}; the model has {model.Users.Count} users × {model.Items.Count} items.", nameof(seen));

        var (ids, keys, duplicates) = Distinct(model, ShardAssignment.Select(users, options.Shard, options.ShardCount));
        var unknown = keys.Count(k => k < 0);
        if (unknown > 0 && options.UnknownUsers == UnknownUserPolicy.Fail)
        {
            var examples = ids.Where((_, i) => keys[i] < 0).Take(5).Select(u => $"'{u}'");
            throw new ArgumentException($"{unknown} user id(s) are not known to the model, e.g. {string.Join(", ", examples)}; score them with their cold-start answer or skip them.", nameof(users));
        }
        if (unknown > 0 && options.UnknownUsers == UnknownUserPolicy.Skip)
        {
            var keep = Enumerable.Range(0, ids.Count).Where(i => keys[i] >= 0).ToArray();
            (ids, keys) = (keep.Select(i => ids[i]).ToList(), keep.Select(i => keys[i]).ToList());
        }

        var items = model.Items.Count;
        var k = Math.Min(options.K, items);
        var block = (int)Math.Clamp(Math.Min(options.BlockSize, BatchScoringOptions.MaxScoresPerBlock / Math.Max(items, 1)), 1, Math.Max(ids.Count, 1));
        var blocks = (ids.Count + block - 1) / block;
        // Per user: its top-k item indexes and scores, and how many it got (fewer than k when exclude-seen leaves fewer items).
        var topItems = new int[(long)ids.Count * k];
        var topScores = new float[topItems.Length];
        var found = new int[ids.Count];
        var threads = Math.Min(options.Threads == 0 ? Environment.ProcessorCount : options.Threads, Math.Max(blocks, 1));
        var scored = 0;
        var clock = Stopwatch.StartNew();
        var keyArray = keys.ToArray();
        var nextBlock = -1;
        // Workers take blocks in order; each user's result has a fixed slot, so the output does not depend on the thread count.
        void Work()
        {
            var scores = new float[(long)block * items];
            var top = new int[Math.Max(k, 1)];
            int b;
            while ((b = Interlocked.Increment(ref nextBlock)) < blocks)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var start = b * block;
                var n = Math.Min(block, ids.Count - start);
                var blockKeys = keyArray.AsSpan(start, n);
                model.Score(blockKeys, scores.AsSpan(0, n * items));
                for (var r = 0; r < n; r++)
                {
                    var row = scores.AsSpan(r * items, items);
                    if (options.ExcludeSeen && blockKeys[r] >= 0)
                        foreach (var i in seen!.RowIndices(blockKeys[r])) row[i] = float.NegativeInfinity;
                    // Excluded (-∞) and NaN scores are never selected, so a user with fewer eligible items gets a shorter list.
                    var count = k == 0 ? 0 : ScoreRanking.TopK(row, k, top);
                    var u = start + r;
                    found[u] = count;
                    for (var j = 0; j < count; j++)
                    {
                        topItems[(long)u * k + j] = top[j];
                        topScores[(long)u * k + j] = row[top[j]];
                    }
                }
                lock (clock)
                {
                    scored += n;
                    progress?.Report(new BatchScoringProgress(scored, ids.Count, clock.Elapsed));
                }
            }
        }
        if (threads <= 1) Work();
        else
        {
            try
            {
                Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, _ => Work());
            }
            catch (AggregateException ae)
            {
                // Callers see the error a single thread would have thrown (cancellation, a model's exception), not a wrapper.
                ExceptionDispatchInfo.Capture(ae.InnerExceptions[0]).Throw();
            }
        }

        var rows = found.Sum();
        var (rowUsers, rowRanks, rowItems, rowScores) = (new string[rows], new int[rows], new string[rows], new float[rows]);
        var at = 0;
        for (var u = 0; u < ids.Count; u++)
            for (var j = 0; j < found[u]; j++, at++)
            {
                rowUsers[at] = ids[u];
                rowRanks[at] = j + 1;
                rowItems[at] = model.Items.GetRawId(topItems[(long)u * k + j]);
                rowScores[at] = topScores[(long)u * k + j];
            }
        var recommendations = new BatchRecommendations(rowUsers, rowRanks, rowItems, rowScores);
        var coldStart = options.UnknownUsers == UnknownUserPolicy.ColdStart ? unknown : 0;
        var skipped = options.UnknownUsers == UnknownUserPolicy.Skip ? unknown : 0;
        return new BatchScoreResult(recommendations, ids.Count, coldStart, skipped, duplicates);
    }

    // Distinct ids in first-seen order with their model keys (-1 = unknown).
    private static (List<string> Ids, List<int> Keys, int Duplicates) Distinct(IRecommender model, IReadOnlyList<string> users)
    {
        var seenIds = new HashSet<string>(StringComparer.Ordinal);
        var ids = new List<string>(users.Count);
        var keys = new List<int>(users.Count);
        foreach (var u in users)
        {
            if (u is null) throw new ArgumentException("The user list holds a null id.", nameof(users));
            if (!seenIds.Add(u)) continue;
            ids.Add(u);
            keys.Add(model.Users.TryGetKey(u, out var key) ? key : -1);
        }
        return (ids, keys, users.Count - ids.Count);
    }
}
