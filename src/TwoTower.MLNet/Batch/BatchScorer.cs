using TwoTower.MLNet.Data;
using TwoTower.MLNet.Models;
using TwoTower.MLNet.Persistence;

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
        var run = Prepare(model, seen, users, options, progress, cancellationToken);
        var chunks = run.Chunks().ToList();
        BatchRecommendations all;
        if (chunks.Count == 1) all = chunks[0];
        else
        {
            T[] Concat<T>(Func<BatchRecommendations, T[]> column) => chunks.SelectMany(column).ToArray();
            all = new BatchRecommendations(Concat(c => c.UserIds), Concat(c => c.Ranks), Concat(c => c.ItemIds), Concat(c => c.Scores));
        }
        return new BatchScoreResult(all, run.Users, run.ColdStartUsers, run.SkippedUsers, run.DuplicateUsers);
    }

    /// <summary>
    /// Checks the arguments and resolves the shard's users (as <see cref="Score"/> does) without scoring them yet:
    /// <see cref="BatchScoringRun.Chunks"/> scores them chunk by chunk, so a writer can stream any number of users.
    /// </summary>
    /// <exception cref="ArgumentException">Bad options, a seen matrix of the wrong shape, or unknown users under <see cref="UnknownUserPolicy.Fail"/>.</exception>
    /// <exception cref="InvalidOperationException">Exclude-seen without the training history.</exception>
    public static BatchScoringRun Prepare(IRecommender model, SparseMatrix? seen, IReadOnlyList<string> users, BatchScoringOptions? options = null,
        IProgress<BatchScoringProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(users);
        options ??= new BatchScoringOptions();
        options.Validate();
        if (options.ExcludeSeen && seen is null)
            throw new InvalidOperationException(ModelFile.MissingSeenMessage);
        if (seen is not null && (seen.Rows != model.Users.Count || seen.Columns != model.Items.Count))
            throw new ArgumentException($"seen is {seen.Rows}×{seen.Columns}; the model has {model.Users.Count} users × {model.Items.Count} items.", nameof(seen));

        var (ids, keys, duplicates) = Distinct(model, ShardAssignment.Select(users, options.Shard, options.ShardCount));
        var unknown = keys.Count(k => k < 0);
        if (unknown > 0 && options.UnknownUsers == UnknownUserPolicy.Fail)
        {
            var examples = ids.Where((_, i) => keys[i] < 0).Take(5).Select(Shown);
            throw new ArgumentException($"{unknown} user id(s) are not known to the model, e.g. {string.Join(", ", examples)}; score them with their cold-start answer or skip them.", nameof(users));
        }
        if (unknown > 0 && options.UnknownUsers == UnknownUserPolicy.Skip)
        {
            var keep = Enumerable.Range(0, ids.Count).Where(i => keys[i] >= 0).ToArray();
            (ids, keys) = (keep.Select(i => ids[i]).ToList(), keep.Select(i => keys[i]).ToList());
        }
        var coldStart = options.UnknownUsers == UnknownUserPolicy.ColdStart ? unknown : 0;
        var skipped = options.UnknownUsers == UnknownUserPolicy.Skip ? unknown : 0;
        return new BatchScoringRun(model, seen, options, ids.ToArray(), keys.ToArray(), coldStart, skipped, duplicates, progress, cancellationToken);
    }

    // An id as an error message quotes it: the start of a long one, so one bad row cannot make a megabyte error line.
    private static string Shown(string id) =>
        id.Length <= ShownIdLength ? $"'{id}'" : $"'{id[..ShownIdLength]}…' ({id.Length} characters)";

    private const int ShownIdLength = 64;

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
