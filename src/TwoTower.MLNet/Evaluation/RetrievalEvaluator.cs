using System.Diagnostics;
using TwoTower.MLNet.Data;
using TwoTower.MLNet.Index.Common;
using TwoTower.MLNet.Models;

namespace TwoTower.MLNet.Evaluation;

/// <summary>
/// Exact retrieval evaluation over the whole catalogue (DESIGN §6), identical row for row to the peers'
/// data.py on the shared splits: scores every catalogue item for each test user (batched, parallel over users), ranks with
/// "strictly greater" counting, and averages. A target the model scores −∞ (a list model's unlisted item) or NaN is not
/// recommendable at all: it misses at every K, instead of tying with the other −∞ items just below the list.
/// </summary>
/// <remarks>
/// Two cases differ from data.py (neither occurs in the shared splits): a target that is also one of the user's train
/// items stays rankable in the filtered rankings (f_top_K, full ranking), where data.py scores it −∞; and a target the
/// model does not know (or scores −∞ or NaN) misses at every K, where data.py's rank count makes it a hit once K reaches
/// the catalogue size (a NaN target at every K, as no score compares greater than NaN).
/// </remarks>
public static class RetrievalEvaluator
{
    /// <summary>Default cut-offs of the TFRS protocol.</summary>
    public static IReadOnlyList<int> DefaultTfrsKs { get; } = new[] { 1, 5, 10, 50, 100 };

    /// <summary>Default cut-offs of full ranking.</summary>
    public static IReadOnlyList<int> DefaultFullKs { get; } = new[] { 10, 50, 100 };

    private const int UsersPerBlock = 32;

    /// <summary>
    /// <see cref="EvaluateTfrs(IRecommender, Interactions, Interactions, IReadOnlyList{int}?, int, CancellationToken)"/> of raw logs (e.g. a
    /// split's train.csv and test.csv): both are encoded against the model's id maps first (<see cref="EvaluationSet.Create"/>),
    /// so users and items the model does not know count as cold users and misses.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="test"/> is empty.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled (checked before each block of users).</exception>
    public static EvaluationResult EvaluateTfrs(IRecommender model, InteractionLog train, InteractionLog test, IReadOnlyList<int>? ks = null, int threads = 0,
        CancellationToken cancellationToken = default)
    {
        var set = EvaluationSet.Create(model, train, test);
        return EvaluateTfrs(model, set.History, set.Test, ks, threads, cancellationToken);
    }

    /// <summary>
    /// <see cref="EvaluateFullRanking(IRecommender, Interactions, Interactions, IReadOnlyList{int}?, int, CancellationToken)"/> of raw logs (e.g. a
    /// split's train.csv and test.csv): both are encoded against the model's id maps first (<see cref="EvaluationSet.Create"/>),
    /// so users and items the model does not know count as cold users and misses.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="test"/> is empty.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled (checked before each block of users).</exception>
    public static EvaluationResult EvaluateFullRanking(IRecommender model, InteractionLog history, InteractionLog test, IReadOnlyList<int>? ks = null, int threads = 0,
        CancellationToken cancellationToken = default)
    {
        var set = EvaluationSet.Create(model, history, test);
        return EvaluateFullRanking(model, set.History, set.Test, ks, threads, cancellationToken);
    }

    /// <summary>
    /// TFRS protocol: every test row is a query; <c>top_K</c> = share of rows whose item ranks within the user's
    /// top K among all items (train items not excluded); <c>f_top_K</c> = the same with the user's
    /// <paramref name="train"/> items excluded.
    /// </summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled (checked before each block of users).</exception>
    public static EvaluationResult EvaluateTfrs(IRecommender model, Interactions train, Interactions test, IReadOnlyList<int>? ks = null, int threads = 0,
        CancellationToken cancellationToken = default)
    {
        var kList = CheckKs(ks ?? DefaultTfrsKs);
        var sw = Stopwatch.StartNew();
        var ctx = new Context(model, train, test);
        var rowsByUser = GroupRows(test, ctx.UserCount);
        // Per-user hit counts are stored, then summed in user order: the result does not depend on thread timing.
        var hits = new int[ctx.UserCount, kList.Length];
        var fHits = new int[ctx.UserCount, kList.Length];

        ForEachUserBlock(ctx, rowsByUser, threads, cancellationToken, (users, scores, nItems) =>
        {
            var filtered = new float[nItems];
            for (var b = 0; b < users.Length; b++)
            {
                var u = users[b];
                var row = scores.Slice(b * nItems, nItems);
                row.CopyTo(filtered);
                foreach (var it in ctx.HistoryOf(u)) if (it < nItems) filtered[it] = float.NegativeInfinity;
                foreach (var r in rowsByUser[u])
                {
                    var item = test.ItemKeys[r];
                    var rank = Rankable(row, item) ? ScoreRanking.CountGreater(row, row[item]) : int.MaxValue;
                    // The user's own train item keeps its score in the filtered row when it is the target.
                    var fRank = Rankable(row, item) ? ScoreRanking.CountGreater(filtered, row[item]) : int.MaxValue;
                    for (var j = 0; j < kList.Length; j++)
                    {
                        if (rank < kList[j]) hits[u, j]++;
                        if (fRank < kList[j]) fHits[u, j]++;
                    }
                }
            }
        });

        var evaluated = Enumerable.Range(0, ctx.UserCount).Where(u => rowsByUser[u].Count > 0).ToArray();
        var n = (double)test.Count;
        var metrics = new List<KeyValuePair<string, double>>();
        var perUser = new Dictionary<string, double[]>(StringComparer.Ordinal);
        void Add(string name, int[,] counts, int j)
        {
            metrics.Add(new(name, evaluated.Sum(u => (long)counts[u, j]) / n));
            perUser[name] = evaluated.Select(u => counts[u, j] / (double)rowsByUser[u].Count).ToArray();
        }
        for (var j = 0; j < kList.Length; j++) Add($"top_{kList[j]}", hits, j);
        for (var j = 0; j < kList.Length; j++) Add($"f_top_{kList[j]}", fHits, j);
        var table = new PerUserMetrics(evaluated.Select(u => test.Users.RawIds[u]).ToArray(), evaluated.Select(u => (double)rowsByUser[u].Count).ToArray(), perUser);
        return new EvaluationResult("tfrs", metrics, evaluated.Length, test.Count, ctx.UnknownItemRows, ctx.UnknownUserRows, sw.Elapsed.TotalSeconds, table);
    }

    /// <summary>
    /// Full ranking: per user with at least one test item, rank every catalogue item except the user's
    /// <paramref name="history"/> items (a test item stays rankable even if it is also in the history);
    /// reports HR@K, Recall@K, NDCG@K, MAP@K, Coverage@K, PopularityPercentile@K, Gini@K and MRR, averaged over users.
    /// </summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled (checked before each block of users).</exception>
    public static EvaluationResult EvaluateFullRanking(IRecommender model, Interactions history, Interactions test, IReadOnlyList<int>? ks = null, int threads = 0,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(history);
        ArgumentNullException.ThrowIfNull(test);
        var kList = CheckKs(ks ?? DefaultFullKs);
        // A list never holds more than the catalogue: K past it is allowed (every item is recommended), the buffer is not.
        var maxK = Math.Min(kList.Max(), model.Items.Count);
        var sw = Stopwatch.StartNew();
        var ctx = new Context(model, history, test);
        var rowsByUser = GroupRows(test, ctx.UserCount);
        var nItems = model.Items.Count;
        // Per-user values are stored, then summed in user order: the result does not depend on thread timing.
        var perUser = new double[ctx.UserCount, 5 * kList.Length + 1];
        var recCounts = new int[kList.Length][];
        for (var j = 0; j < kList.Length; j++) recCounts[j] = new int[nItems];
        var popPct = CatalogueMetrics.PopularityPercentiles(ctx.HistoryItemCounts(nItems));
        var popSlots = new long[kList.Length];
        var lockObj = new object();

        ForEachUserBlock(ctx, rowsByUser, threads, cancellationToken, (users, scores, n) =>
        {
            var targets = new List<int>();
            var ranks = new List<int>();
            var top = new int[maxK];
            var localCounts = new int[kList.Length][];
            for (var j = 0; j < kList.Length; j++) localCounts[j] = new int[n];
            var localSlots = new long[kList.Length];
            for (var b = 0; b < users.Length; b++)
            {
                var u = users[b];
                var row = scores.Slice(b * n, n);
                targets.Clear();
                foreach (var r in rowsByUser[u]) targets.Add(test.ItemKeys[r]);
                targets.Sort();
                DistinctInPlace(targets);
                foreach (var it in ctx.HistoryOf(u))
                    if (it < n && targets.BinarySearch(it) < 0) row[it] = float.NegativeInfinity;
                ranks.Clear();
                foreach (var t in targets) ranks.Add(Rankable(row, t) ? ScoreRanking.CountGreater(row, row[t]) : int.MaxValue);
                SeparateTiedTargets(ranks);
                var rs = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(ranks);
                for (var j = 0; j < kList.Length; j++)
                {
                    var k = kList[j];
                    perUser[u, 4 * j] = RankingMetrics.HitRate(rs, k);
                    perUser[u, 4 * j + 1] = RankingMetrics.Recall(rs, k);
                    perUser[u, 4 * j + 2] = RankingMetrics.Ndcg(rs, k);
                    perUser[u, 4 * j + 3] = RankingMetrics.AveragePrecision(rs, k);
                }
                perUser[u, 4 * kList.Length] = RankingMetrics.ReciprocalRank(rs);
                var got = ScoreRanking.TopK(row, maxK, top);
                for (var j = 0; j < kList.Length; j++)
                    for (var p = 0; p < Math.Min(got, kList[j]); p++)
                    {
                        localCounts[j][top[p]]++;
                        perUser[u, 4 * kList.Length + 1 + j] += popPct[top[p]];
                        localSlots[j]++;
                    }
            }
            lock (lockObj)
                for (var j = 0; j < kList.Length; j++)
                {
                    for (var i = 0; i < n; i++) recCounts[j][i] += localCounts[j][i];
                    popSlots[j] += localSlots[j];
                }
        });

        var evaluated = Enumerable.Range(0, ctx.UserCount).Where(u => rowsByUser[u].Count > 0).ToArray();
        var metrics = new List<KeyValuePair<string, double>>();
        var userValues = new Dictionary<string, double[]>(StringComparer.Ordinal);
        void Mean(string name, int col)
        {
            metrics.Add(new(name, evaluated.Length == 0 ? 0 : evaluated.Sum(u => perUser[u, col]) / evaluated.Length));
            userValues[name] = evaluated.Select(u => perUser[u, col]).ToArray();
        }
        for (var j = 0; j < kList.Length; j++) Mean($"HR@{kList[j]}", 4 * j);
        for (var j = 0; j < kList.Length; j++) Mean($"Recall@{kList[j]}", 4 * j + 1);
        for (var j = 0; j < kList.Length; j++) Mean($"NDCG@{kList[j]}", 4 * j + 2);
        for (var j = 0; j < kList.Length; j++) Mean($"MAP@{kList[j]}", 4 * j + 3);
        Mean("MRR", 4 * kList.Length);
        for (var j = 0; j < kList.Length; j++) metrics.Add(new($"Coverage@{kList[j]}", CatalogueMetrics.Coverage(recCounts[j])));
        for (var j = 0; j < kList.Length; j++)
        {
            var col = 4 * kList.Length + 1 + j;
            var sum = evaluated.Sum(u => perUser[u, col]);
            metrics.Add(new($"PopularityPercentile@{kList[j]}", popSlots[j] == 0 ? 0 : sum / popSlots[j]));
        }
        for (var j = 0; j < kList.Length; j++) metrics.Add(new($"Gini@{kList[j]}", CatalogueMetrics.Gini(recCounts[j])));
        var table = new PerUserMetrics(evaluated.Select(u => test.Users.RawIds[u]).ToArray(), evaluated.Select(_ => 1.0).ToArray(), userValues);
        return new EvaluationResult("full", metrics, evaluated.Length, test.Count, ctx.UnknownItemRows, ctx.UnknownUserRows, sw.Elapsed.TotalSeconds, table);
    }

    // A known item with a score TopK can list: −∞ and NaN never enter a list, so such a target misses at every K.
    private static bool Rankable(ReadOnlySpan<float> row, int item) => item < row.Length && row[item] > float.NegativeInfinity;

    private static int[] CheckKs(IReadOnlyList<int> ks)
    {
        if (ks.Count == 0) throw new ArgumentException("At least one cut-off K is needed.", nameof(ks));
        foreach (var k in ks)
            if (k < 1) throw new ArgumentOutOfRangeException(nameof(ks), k, "Every K must be ≥ 1.");
        return ks.Distinct().Order().ToArray();
    }

    /// <summary>
    /// Relevant items tied with each other cannot share a position: with ranks sorted ascending, each is
    /// pushed below the previous one (r'_j = max(r_j, r'_{j-1} + 1)). Ties with non-relevant items still go
    /// the relevant item's way, as in the single-target protocol; NDCG and recall stay within [0, 1].
    /// </summary>
    internal static void SeparateTiedTargets(List<int> ranks)
    {
        ranks.Sort();
        for (var j = 1; j < ranks.Count; j++)
            if (ranks[j] != int.MaxValue && ranks[j] <= ranks[j - 1]) ranks[j] = ranks[j - 1] + 1;
    }

    private static void DistinctInPlace(List<int> sorted)
    {
        var w = 0;
        for (var r = 0; r < sorted.Count; r++)
            if (w == 0 || sorted[w - 1] != sorted[r]) sorted[w++] = sorted[r];
        sorted.RemoveRange(w, sorted.Count - w);
    }

    private static List<int>[] GroupRows(Interactions test, int userCount)
    {
        var rows = new List<int>[userCount];
        for (var u = 0; u < userCount; u++) rows[u] = new List<int>();
        for (var r = 0; r < test.Count; r++) rows[test.UserKeys[r]].Add(r);
        return rows;
    }

    private static void ForEachUserBlock(Context ctx, List<int>[] rowsByUser, int threads, CancellationToken cancellationToken, Action<int[], Span<float>, int> body)
    {
        var users = Enumerable.Range(0, ctx.UserCount).Where(u => rowsByUser[u].Count > 0).ToArray();
        var blocks = (users.Length + UsersPerBlock - 1) / UsersPerBlock;
        var nItems = ctx.Model.Items.Count;
        // The caller takes blocks too: Parallel.For waited for a pool thread when an evaluation was called from outside a busy pool.
        CallerLedLoop.For(blocks, threads > 0 ? threads : Environment.ProcessorCount, () => new float[UsersPerBlock * nItems], (blk, buffer) =>
        {
            // The token is checked before each block of users (not per item).
            cancellationToken.ThrowIfCancellationRequested();
            var block = users.AsSpan(blk * UsersPerBlock, Math.Min(UsersPerBlock, users.Length - blk * UsersPerBlock)).ToArray();
            var modelKeys = new int[block.Length];
            for (var b = 0; b < block.Length; b++) modelKeys[b] = block[b] < ctx.Model.Users.Count ? block[b] : -1;
            var scores = buffer.AsSpan(0, block.Length * nItems);
            ctx.Model.Score(modelKeys, scores);
            body(block, scores, nItems);
        });
    }

    /// <summary>Validated inputs plus the per-user history lists.</summary>
    private sealed class Context
    {
        private readonly List<int>[] _history;

        public Context(IRecommender model, Interactions history, Interactions test)
        {
            ArgumentNullException.ThrowIfNull(model);
            ArgumentNullException.ThrowIfNull(history);
            ArgumentNullException.ThrowIfNull(test);
            if (test.Count == 0) throw new ArgumentException("The test interactions are empty.", nameof(test));
            if (!ReferenceEquals(history.Users, test.Users) || !ReferenceEquals(history.Items, test.Items))
                throw new ArgumentException("History and test must be encoded with the same id maps (see EvaluationSet.Create).", nameof(test));
            CheckExtends(model.Users, test.Users);
            CheckExtends(model.Items, test.Items);
            Model = model;
            UserCount = test.Users.Count;
            _history = new List<int>[UserCount];
            for (var u = 0; u < UserCount; u++) _history[u] = new List<int>();
            for (var r = 0; r < history.Count; r++) _history[history.UserKeys[r]].Add(history.ItemKeys[r]);
            _historyRows = history;
            for (var r = 0; r < test.Count; r++)
            {
                if (test.ItemKeys[r] >= model.Items.Count) UnknownItemRows++;
                if (test.UserKeys[r] >= model.Users.Count) UnknownUserRows++;
            }
        }

        private readonly Interactions _historyRows;

        public IRecommender Model { get; }

        public int UserCount { get; }

        public int UnknownItemRows { get; }

        public int UnknownUserRows { get; }

        public List<int> HistoryOf(int user) => _history[user];

        public int[] HistoryItemCounts(int nItems)
        {
            var c = new int[nItems];
            foreach (var i in _historyRows.ItemKeys) if (i < nItems) c[i]++;
            return c;
        }

        private static void CheckExtends(IdMap modelMap, IdMap dataMap)
        {
            if (ReferenceEquals(modelMap, dataMap)) return;
            if (dataMap.Count < modelMap.Count)
                throw new ArgumentException($"The data's {dataMap.Kind} map has {dataMap.Count} ids, fewer than the model's {modelMap.Count}: encode the data with the model's maps (EvaluationSet.Create).");
            for (var k = 0; k < modelMap.Count; k++)
                if (!string.Equals(modelMap.RawIds[k], dataMap.RawIds[k], StringComparison.Ordinal))
                    throw new ArgumentException($"The data's {dataMap.Kind} map differs from the model's at key {k} ('{dataMap.RawIds[k]}' vs '{modelMap.RawIds[k]}'): encode the data with the model's maps (EvaluationSet.Create).");
        }
    }
}
