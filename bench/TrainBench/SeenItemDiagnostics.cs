// Experiments on the TFRS protocol's "seen-item tax" (p1: the user's train items stay among the candidates).
// Analysis only: nothing here is part of the library or its defaults.
using System.Globalization;
using System.Numerics.Tensors;
using TwoTower.MLNet.Data;
using TwoTower.MLNet.Features;
using TwoTower.MLNet.Models;
using TwoTower.MLNet.Persistence;
using TwoTower.MLNet.TwoTowerModel;

/// <summary>Where the test items of the TFRS protocol lose their top-100 places: to the user's own train items or to others.</summary>
static class SeenItemDiagnostics
{
    /// <summary>
    /// Prints, over the test rows: how many of the user's train items and how many other items outrank the test item;
    /// the AUC of the test item against the user's own train items (0.5 = the model cannot tell them apart, as a random
    /// split deserves; below 0.5 = it has memorised its train pairs); top_100 by the user's train-set size; and a what-if:
    /// top_100 when every train item's score is lowered by a share of the user's score standard deviation.
    /// </summary>
    public static void Run(IRecommender model, Interactions history, Interactions test)
    {
        int nItems = model.Items.Count, nUsers = model.Users.Count;
        var histBy = Enumerable.Range(0, nUsers).Select(_ => new List<int>()).ToArray();
        for (var r = 0; r < history.Count; r++) if (history.UserKeys[r] < nUsers) histBy[history.UserKeys[r]].Add(history.ItemKeys[r]);
        var shifts = new[] { 0.0, 0.025, 0.05, 0.1, 0.2 };
        var shiftHits = new long[shifts.Length];
        var shiftAuc = new double[shifts.Length];
        var bucketRows = new int[6];
        var bucketHits = new int[6];
        var bucketFiltered = new int[6];
        double trainAbove = 0, otherAbove = 0;
        var rows = 0;
        var scores = new float[nItems];
        // Time what-if: an item first rated (in train) after the user's last train interaction is outside the user's active window.
        var userLast = new long[nUsers];
        var itemFirst = Enumerable.Repeat(long.MaxValue, nItems).ToArray();
        for (var r = 0; r < history.Count; r++)
        {
            int hu = history.UserKeys[r], hi = history.ItemKeys[r];
            if (hu < nUsers) userLast[hu] = Math.Max(userLast[hu], history.Timestamps[r]);
            if (hi < nItems) itemFirst[hi] = Math.Min(itemFirst[hi], history.Timestamps[r]);
        }
        long timeHits = 0, lateTestRows = 0;
        double lateAboveSum = 0;
        // Popularity buckets by train count; a train item's count includes the user's own pair, so its bucket leans one count high.
        var itemCount = new int[nItems];
        for (var r = 0; r < history.Count; r++) if (history.ItemKeys[r] < nItems) itemCount[history.ItemKeys[r]]++;
        int Pop(int j) => itemCount[j] < 10 ? 0 : itemCount[j] < 30 ? 1 : itemCount[j] < 100 ? 2 : itemCount[j] < 250 ? 3 : 4;
        var popWins = new double[5]; var popPairs = new double[5];
        var rowsByUser = Enumerable.Range(0, nUsers).Select(_ => new List<int>()).ToArray();
        for (var r = 0; r < test.Count; r++)
            if (test.UserKeys[r] < nUsers && test.ItemKeys[r] < nItems) rowsByUser[test.UserKeys[r]].Add(test.ItemKeys[r]);
        for (var u = 0; u < nUsers; u++)
        {
            if (rowsByUser[u].Count == 0) continue;
            model.Score(new[] { u }, scores);
            var seen = new bool[nItems];
            foreach (var j in histBy[u]) seen[j] = true;
            var sd = (float)Math.Sqrt(Math.Max(1e-12, TensorPrimitives.SumOfSquares(scores) / nItems - Math.Pow(TensorPrimitives.Sum(scores) / nItems, 2)));
            var bucket = Math.Min(5, histBy[u].Count / 50);
            foreach (var it in rowsByUser[u])
            {
                rows++;
                var s = scores[it];
                int a = 0, b = 0;
                for (var j = 0; j < nItems; j++) if (scores[j] > s) { if (seen[j]) a++; else b++; }
                var lateAbove = 0;
                for (var j = 0; j < nItems; j++) if (itemFirst[j] > userLast[u] && scores[j] > s) lateAbove++;
                if (itemFirst[it] > userLast[u]) lateTestRows++;
                else if (a + b - lateAbove < 100) timeHits++;
                lateAboveSum += lateAbove;
                foreach (var j in histBy[u]) if (Pop(j) == Pop(it)) { popPairs[Pop(it)]++; if (scores[it] > scores[j]) popWins[Pop(it)]++; else if (scores[it] == scores[j]) popWins[Pop(it)] += 0.5; }
                trainAbove += a;
                otherAbove += b;
                bucketRows[bucket]++;
                if (a + b < 100) bucketHits[bucket]++;
                if (b < 100) bucketFiltered[bucket]++;
                for (var k = 0; k < shifts.Length; k++)
                {
                    var shift = (float)shifts[k] * sd;
                    var target = seen[it] ? s - shift : s;
                    var above = 0;
                    for (var j = 0; j < nItems; j++) if ((seen[j] ? scores[j] - shift : scores[j]) > target) above++;
                    if (above < 100) shiftHits[k]++;
                    shiftAuc[k] += histBy[u].Count == 0 ? 0.5 : histBy[u].Count(j => scores[j] - shift < target) / (double)histBy[u].Count;
                }
            }
        }
        var ci = CultureInfo.InvariantCulture;
        Console.WriteLine(string.Format(ci, "seen-item diagnostics over {0} test rows: per row {1:F1} train items and {2:F1} other items rank above the test item; AUC(test item vs own train items) {3:F4}",
            rows, trainAbove / rows, otherAbove / rows, shiftAuc[0] / rows));
        Console.WriteLine(string.Format(ci, "  time what-if: items first rated after the user's last train interaction removed -> top_100 {0:F4} ({1:F1} such items per row above the test item; {2:P2} of test items are such items)",
            timeHits / (double)rows, lateAboveSum / rows, lateTestRows / (double)rows));
        for (var k = 0; k < 5; k++) Console.WriteLine(string.Format(ci, "  popularity bucket {0} (train count <10,<30,<100,<250,250+): AUC test vs same-bucket own train items {1:F4} over {2} pairs", k, popWins[k] / Math.Max(1, popPairs[k]), popPairs[k]));
        for (var k = 0; k < 6; k++)
            Console.WriteLine(string.Format(ci, "  users with {0,3}{1} train items: {2,5} rows, top_100 {3:F3}, f_top_100 {4:F3}",
                k * 50, k < 5 ? $"-{k * 50 + 49}" : "+  ", bucketRows[k], bucketHits[k] / (double)Math.Max(1, bucketRows[k]), bucketFiltered[k] / (double)Math.Max(1, bucketRows[k])));
        for (var k = 0; k < shifts.Length; k++)
            Console.WriteLine(string.Format(ci, "  what-if: train items lowered by {0:F3} score sd -> top_100 {1:F4}, AUC {2:F4}", shifts[k], shiftHits[k] / (double)rows, shiftAuc[k] / rows));
    }
}

/// <summary>
/// Scores each of a user's history items with that item left out of the user's history bag, as the history tower
/// was trained (FISM-style leave-one-out), instead of with the item inside the input it never saw in training.
/// </summary>
sealed class HeldOutHistoryScoring : AnalysisRecommender
{
    private readonly TwoTowerRecommender _model;
    private readonly FeatureTable _users;
    private readonly int _bag;

    public HeldOutHistoryScoring(TwoTowerRecommender model, FeatureTable users) : base("heldout-history", model.Users, model.Items)
    {
        _model = model;
        _users = users;
        _bag = users.Bags.ToList().FindIndex(b => b.Name == UserHistoryFeature.BagName);
        if (_bag < 0 || model.UserTower is null) throw new ArgumentException("The model has no user history tower (train with UseUserHistory=true).");
    }

    public override IReadOnlyDictionary<string, object?> Describe() => _model.Describe();

    public override void Score(ReadOnlySpan<int> userKeys, Span<float> scores)
    {
        _model.Score(userKeys, scores);
        int m = Items.Count, d = _model.Dimension;
        var q = new float[d];
        var items = _model.ItemVectors.Span;
        for (var r = 0; r < userKeys.Length; r++)
        {
            var u = userKeys[r];
            if (u < 0 || u >= _users.EntityCount) continue;
            var row = FeatureSchema.Row(_users, u);
            var history = row.Bags[_bag];
            foreach (var j in history)
            {
                if (j >= m) continue;
                var bags = (int[][])row.Bags.Clone();
                bags[_bag] = history.Where(t => t != j).ToArray();
                _model.UserTower!.Embed(u, row with { Bags = bags }, q);
                scores[r * m + j] = TensorPrimitives.Dot(q, items.Slice(j * d, d));
            }
        }
    }
}

/// <summary>Scores a model in another recommender's user and item keys (0 for an item the model never saw).</summary>
sealed class KeyMappedScorer
{
    private readonly IRecommender _model;
    private readonly int[] _userKeys, _itemKeys;

    public KeyMappedScorer(IRecommender model, IdMap users, IdMap items)
    {
        _model = model;
        _userKeys = users.RawIds.Select(r => model.Users.TryGetKey(r, out var k) ? k : -1).ToArray();
        _itemKeys = items.RawIds.Select(r => model.Items.TryGetKey(r, out var k) ? k : -1).ToArray();
    }

    /// <summary>Writes the model's scores of <paramref name="userKey"/> (a key of the other map) into <paramref name="output"/>, in the other map's item keys.</summary>
    public void Score(int userKey, float[] output)
    {
        var own = new float[_model.Items.Count];
        _model.Score(new[] { userKey >= 0 && userKey < _userKeys.Length ? _userKeys[userKey] : -1 }, own);
        for (var i = 0; i < output.Length; i++)
        {
            var k = _itemKeys[i];
            output[i] = k >= 0 ? own[k] : 0f;
        }
    }
}

/// <summary>Bagging: member m is trained without fold m of the training rows; the scores of the members are summed (seen-agnostic).</summary>
sealed class BaggedRecommender(IdMap users, IdMap items, IEnumerable<IRecommender> members) : AnalysisRecommender("bagged", users, items)
{
    private readonly KeyMappedScorer[] _members = members.Select(m => new KeyMappedScorer(m, users, items)).ToArray();

    public override IReadOnlyDictionary<string, object?> Describe() => new Dictionary<string, object?> { ["members"] = _members.Length };

    /// <summary>
    /// Analysis only (reads the train set at scoring time): with the fold of each train pair, a user's train item is scored
    /// by the one member that did not train on it (times the member count), as a cross-fitted model would; other items by the sum.
    /// </summary>
    public Dictionary<(int User, int Item), int>? OutOfFold { get; init; }

    public override void Score(ReadOnlySpan<int> userKeys, Span<float> scores)
    {
        var n = Items.Count;
        var perMember = _members.Select(_ => new float[n]).ToArray();
        for (var r = 0; r < userKeys.Length; r++)
        {
            for (var m = 0; m < _members.Length; m++) _members[m].Score(userKeys[r], perMember[m]);
            var row = scores.Slice(r * n, n);
            for (var i = 0; i < n; i++)
            {
                float sum = 0;
                for (var m = 0; m < _members.Length; m++) sum += perMember[m][i];
                row[i] = OutOfFold is not null && OutOfFold.TryGetValue((userKeys[r], i), out var f) ? _members.Length * perMember[f][i] : sum;
            }
        }
    }
}

/// <summary>
/// Per-user standardised scores of two models, a + weight·b (ranking-equivalent to concatenating the models' vectors with
/// each user's parts scaled); an infinite weight scores by b alone.
/// </summary>
sealed class MixedRecommender(IRecommender a, IRecommender b, float weight) : AnalysisRecommender("mix", a.Users, a.Items)
{
    private readonly KeyMappedScorer _b = new(b, a.Users, a.Items);

    public override void Score(ReadOnlySpan<int> userKeys, Span<float> output)
    {
        var n = a.Items.Count;
        var sa = new float[n];
        var sb = new float[n];
        for (var r = 0; r < userKeys.Length; r++)
        {
            a.Score(new[] { userKeys[r] }, sa);
            _b.Score(userKeys[r], sb);
            Standardise(sa);
            Standardise(sb);
            var row = output.Slice(r * n, n);
            if (float.IsPositiveInfinity(weight)) sb.CopyTo(row);
            else TensorPrimitives.MultiplyAdd(sb, weight, sa, row);
        }
    }

    private static void Standardise(float[] x)
    {
        var mean = TensorPrimitives.Sum(x) / x.Length;
        var sd = MathF.Sqrt(Math.Max(1e-12f, TensorPrimitives.SumOfSquares(x) / x.Length - mean * mean));
        for (var i = 0; i < x.Length; i++) x[i] = (x[i] - mean) / sd;
    }
}

/// <summary>User-level cross-fitting: every user is scored by the member that never trained on any of that user's rows (members share the maps).</summary>
sealed class UserFoldRecommender(IReadOnlyList<IRecommender> members, int[] foldOfUser) : AnalysisRecommender("userfold", members[0].Users, members[0].Items)
{
    public override IReadOnlyDictionary<string, object?> Describe() => new Dictionary<string, object?> { ["members"] = members.Count };

    public override void Score(ReadOnlySpan<int> userKeys, Span<float> scores)
    {
        var n = Items.Count;
        for (var r = 0; r < userKeys.Length; r++)
            members[foldOfUser[userKeys[r]]].Score(userKeys.Slice(r, 1), scores.Slice(r * n, n));
    }
}

/// <summary>The plumbing of the analysis wrappers above: keys of one model's maps, scores only (never saved).</summary>
abstract class AnalysisRecommender(string modelType, IdMap users, IdMap items) : IRecommender
{
    public string ModelType => modelType;
    public IdMap Users => users;
    public IdMap Items => items;
    public virtual IReadOnlyDictionary<string, object?> Describe() => new Dictionary<string, object?>();
    public void Save(ModelContainerWriter writer) => throw new NotSupportedException("An analysis wrapper is not saved.");
    public abstract void Score(ReadOnlySpan<int> userKeys, Span<float> scores);
}
