using Microsoft.ML;
using Microsoft.ML.Data;
using TwoTower.MLNet.Data;
using TwoTower.MLNet.Evaluation;

namespace TwoTower.MLNet;

/// <summary>
/// <c>ml.TwoTower()</c>: the toolkit's ML.NET catalog — <see cref="Trainers"/>, <see cref="Transforms"/> and
/// evaluation with the DESIGN §6 metrics ("HR@10", "NDCG@10", "MRR", ...; "top_100" for the TFRS protocol).
/// </summary>
/// <remarks>
/// Everything a fitted pipeline saves is ML.NET's own transforms and <c>ApplyOnnxModel</c> graphs, so
/// <c>ml.Model.Save</c>/<c>Load</c> work without registering anything (no CustomMapping is used).
/// </remarks>
public sealed class TwoTowerCatalog
{
    private readonly MLContext _ml;
    private readonly CatalogState _state = new();

    internal TwoTowerCatalog(MLContext ml)
    {
        _ml = ml;
        Trainers = new TwoTowerTrainersCatalog(ml, _state);
        Transforms = new TwoTowerTransformsCatalog(ml, _state);
    }

    /// <summary>Trainers: TwoTower, MatrixFactorization, Custom.</summary>
    public TwoTowerTrainersCatalog Trainers { get; }

    /// <summary>Transforms: Featurize, Index, Recommend.</summary>
    public TwoTowerTransformsCatalog Transforms { get; }

    /// <summary>The model fitted (in this process, by a trainer of this context's catalog) inside <paramref name="model"/>, or null.</summary>
    public FittedRecommender? FindModel(ITransformer model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return _state.Find(model);
    }

    /// <summary>
    /// Evaluates the model inside <paramref name="model"/> (fitted in this process) on <paramref name="test"/>
    /// with the exact evaluator over the whole catalogue. <paramref name="history"/> holds the items excluded
    /// from ranking (default: the model's training interactions).
    /// </summary>
    /// <param name="model">A fitted pipeline containing a TwoTower trainer's transformer.</param>
    /// <param name="test">
    /// Test interactions with the trainer's user and item id columns, or the pipeline's raw input rows when the trainer reads
    /// columns the pipeline derives (e.g. Featurize's "UserIdKey"): <paramref name="model"/> then derives them. A key id
    /// outside the key's vocabulary (a test item the key mapping never saw) is an id the model does not know: such an item
    /// counts as a miss and such a user is a cold user of its own row (the key keeps no raw id to tell users apart).
    /// </param>
    /// <param name="history">Known interactions to exclude (same columns), or null for the training data.</param>
    /// <param name="ks">Cut-offs (default 10, 50, 100 for "full"; 1, 5, 10, 50, 100 for "tfrs").</param>
    /// <param name="protocol">"full" (full ranking, default) or "tfrs".</param>
    /// <exception cref="InvalidOperationException">No trainer of this catalog was fitted into <paramref name="model"/> in this process.</exception>
    /// <exception cref="ArgumentOutOfRangeException">Unknown protocol, or an id column missing or mistyped.</exception>
    public EvaluationResult Evaluate(ITransformer model, IDataView test, IDataView? history = null, IReadOnlyList<int>? ks = null, string protocol = "full")
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(test);
        if (protocol is not ("full" or "tfrs"))
            throw new ArgumentOutOfRangeException(nameof(protocol), protocol, "protocol must be \"full\" or \"tfrs\".");
        var fitted = _state.Find(model)
            ?? throw new InvalidOperationException("The model holds no recommender fitted in this process by this MLContext's ml.TwoTower().Trainers (a model loaded from a file has only ONNX graphs, " +
                  "and each context keeps its own fitted models): evaluate its predictions with Evaluate(model.Transform(test)), or call Evaluate on the context that fitted it.");
        var testLog = ReadInteractions(model, test, fitted.UserIdColumn, fitted.ItemIdColumn, "test");
        var historyLog = history is null ? Decode(fitted.Training) : ReadInteractions(model, history, fitted.UserIdColumn, fitted.ItemIdColumn, "history");
        var set = EvaluationSet.Create(fitted.Model, historyLog, testLog);
        return protocol == "full"
            ? RetrievalEvaluator.EvaluateFullRanking(fitted.Model, set.History, set.Test, ks)
            : RetrievalEvaluator.EvaluateTfrs(fitted.Model, set.History, set.Test, ks);
    }

    /// <summary>
    /// Evaluates recommendation lists already computed by a pipeline (<c>model.Transform(test)</c>): each row is
    /// a test interaction (user, held-out item) with the user's list in <paramref name="itemIdsColumn"/>. Reports
    /// HR@K, Recall@K, NDCG@K, MAP@K and MRR (within the list). Works on loaded models too. The catalogue metrics
    /// (Coverage@K, PopularityPercentile@K, Gini@K) are left out: lists alone know neither the catalogue nor the training
    /// history they are measured against; <see cref="Evaluate(ITransformer, IDataView, IDataView?, IReadOnlyList{int}?, string)"/> reports them.
    /// </summary>
    /// <param name="predictions">Rows with the user id, the held-out item id and the recommended ids.</param>
    /// <param name="userIdColumn">User id column.</param>
    /// <param name="itemIdColumn">Held-out item id column.</param>
    /// <param name="itemIdsColumn">Recommended ids (vector of text), best first.</param>
    /// <param name="ks">Cut-offs, each at most the list length (default: those of 10, 50, 100 that fit, else the list length).</param>
    /// <exception cref="ArgumentOutOfRangeException">A column is missing or mistyped, or a K exceeds the list length.</exception>
    public EvaluationResult Evaluate(IDataView predictions, string userIdColumn = "UserId", string itemIdColumn = "ItemId", string itemIdsColumn = "ItemIds", IReadOnlyList<int>? ks = null)
    {
        ArgumentNullException.ThrowIfNull(predictions);
        var listCol = predictions.Schema.GetColumnOrNull(itemIdsColumn)
            ?? throw new ArgumentOutOfRangeException(nameof(itemIdsColumn), itemIdsColumn, $"The recommendations column '{itemIdsColumn}' is not in the predictions. Available columns: {string.Join(", ", predictions.Schema.Where(c => !c.IsHidden).Select(c => $"'{c.Name}'"))}.");
        if (listCol.Type is not VectorDataViewType { ItemType: TextDataViewType })
            throw new ArgumentOutOfRangeException(nameof(itemIdsColumn), itemIdsColumn, $"The recommendations column '{itemIdsColumn}' has type {listCol.Type}; expected a vector of text (string[]).");
        var (data, userText, itemText) = ToText(predictions, userIdColumn, itemIdColumn, nameof(userIdColumn), nameof(itemIdColumn));
        var users = new IdMap("user");
        var items = new IdMap("item");
        var lists = new List<int[]>();
        var log = new InteractionLog("predictions") { HasRatings = false, HasTimestamps = false };
        var schema = data.Schema;
        using (var cursor = data.GetRowCursor([schema[userText], schema[itemText], schema[itemIdsColumn]]))
        {
            var getUser = cursor.GetGetter<ReadOnlyMemory<char>>(schema[userText]);
            var getItem = cursor.GetGetter<ReadOnlyMemory<char>>(schema[itemText]);
            var getList = cursor.GetGetter<VBuffer<ReadOnlyMemory<char>>>(schema[itemIdsColumn]);
            ReadOnlyMemory<char> u = default, i = default;
            VBuffer<ReadOnlyMemory<char>> list = default;
            while (cursor.MoveNext())
            {
                getUser(ref u);
                getItem(ref i);
                getList(ref list);
                var user = u.ToString();
                log.Add(user, i.ToString());
                if (users.TryGetKey(user, out _)) continue;
                users.GetOrAdd(user);
                // Empty ids are the places of a short list (fewer eligible items than K): nothing was recommended there.
                var dense = list.DenseValues().Where(v => !v.IsEmpty).Select(v => items.GetOrAdd(v.ToString())).ToArray();
                lists.Add(dense);
            }
        }
        if (log.Count == 0) throw new ArgumentException("The predictions have no rows.", nameof(predictions));
        var length = listCol.Type is VectorDataViewType { Size: > 0 } fixedSize ? fixedSize.Size : lists.Max(l => l.Length);
        var kList = ks ?? (RetrievalEvaluator.DefaultFullKs.Where(k => k <= length).ToArray() is { Length: > 0 } fit ? fit : [length]);
        foreach (var k in kList)
            if (k > length)
                throw new ArgumentOutOfRangeException(nameof(ks), k, $"K = {k} exceeds the {length} recommendations per row in '{itemIdsColumn}': metrics beyond the list length are undefined.");
        var recommender = new RankedListRecommender(users, items, lists.ToArray());
        foreach (var item in log.Items) items.GetOrAdd(item);
        var set = EvaluationSet.Create(recommender, new InteractionLog("no history"), log);
        // Over the lists' own items and no history, coverage would be inflated and every item's popularity 0 (a percentile of .5 for any model).
        return RetrievalEvaluator.EvaluateFullRanking(recommender, set.History, set.Test, kList)
            .WithoutMetrics(name => name.StartsWith("Coverage@", StringComparison.Ordinal) || name.StartsWith("PopularityPercentile@", StringComparison.Ordinal) || name.StartsWith("Gini@", StringComparison.Ordinal));
    }

    // The option names are what the caller sets to name the columns (a parameter of Evaluate, or the trainer's option).
    private (IDataView Data, string UserText, string ItemText) ToText(IDataView data, string userColumn, string itemColumn, string userOption, string itemOption)
    {
        var userCol = IdColumn.Check(data.Schema, userColumn, "user id", userOption);
        IdColumn.Check(data.Schema, itemColumn, "item id", itemOption);
        var (userConv, userText) = IdColumn.ToText(_ml, userCol);
        var withUser = userConv?.Fit(data).Transform(data) ?? data;
        var (itemConv, itemText) = IdColumn.ToText(_ml, withUser.Schema[itemColumn]);
        var withItem = itemConv?.Fit(withUser).Transform(withUser) ?? withUser;
        return (withItem, userText, itemText);
    }

    private InteractionLog ReadInteractions(ITransformer model, IDataView data, string userColumn, string itemColumn, string role)
    {
        if (data.Schema.GetColumnOrNull(userColumn) is null || data.Schema.GetColumnOrNull(itemColumn) is null)
        {
            // Raw rows of a pipeline whose trainer reads derived columns: the pipeline's own steps derive them (lazily, only the id columns are read).
            try { data = model.Transform(data); }
            catch (ArgumentOutOfRangeException) { /* rows the pipeline cannot read either: the check below names the trainer's column */ }
        }
        (IDataView Data, string UserText, string ItemText) text;
        try { text = ToText(data, userColumn, itemColumn, "the trainer's UserIdColumn", "the trainer's ItemIdColumn"); }
        catch (ArgumentOutOfRangeException ex)
        {
            // Which data lacks the column (test or history), as the parameter the caller passed it in.
            var reason = ex.MessageWithoutParameter().Replace($" Actual value was {ex.ActualValue}.", "", StringComparison.Ordinal);
            throw new ArgumentOutOfRangeException(role, $"The {role} data: {char.ToLowerInvariant(reason[0])}{reason[1..]}");
        }
        var (converted, userText, itemText) = text;
        try
        {
            return RecommenderEstimator.ReadLog(converted, userText, itemText, null, role,
                keyColumns: (data.Schema[userColumn].Type is KeyDataViewType ? userColumn : null, data.Schema[itemColumn].Type is KeyDataViewType ? itemColumn : null));
        }
        catch (ArgumentException ex)
        {
            throw new ArgumentException(ex.MessageWithoutParameter(), role, ex);
        }
    }

    private static InteractionLog Decode(Interactions training)
    {
        var log = new InteractionLog("training") { HasRatings = false, HasTimestamps = false };
        for (var r = 0; r < training.Count; r++)
            log.Add(training.Users.GetRawId(training.UserKeys[r]), training.Items.GetRawId(training.ItemKeys[r]));
        return log;
    }
}
