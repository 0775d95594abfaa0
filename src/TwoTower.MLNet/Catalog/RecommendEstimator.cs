using Microsoft.ML;
using Microsoft.ML.Data;
using TwoTower.MLNet.Models;
using TwoTower.MLNet.Onnx.Recommending;

namespace TwoTower.MLNet;

/// <summary>
/// Top-K recommendation as an ML.NET estimator. Fit builds ONE ONNX graph from the model — raw user id →
/// LabelEncoder (unknown ids → the model's cold-start vector) → user vector → MatMul with the item matrix →
/// optional exclusion of the user's training items → TopK → raw item ids — and wraps it in ML.NET's
/// <c>ApplyOnnxModel</c>, so the result saves and loads with <c>ml.Model.Save</c>/<c>Load</c>.
/// Output columns: <see cref="RecommendOptions.ItemIdsColumn"/> (string[K]) and <see cref="RecommendOptions.ScoresColumn"/> (float[K]).
/// </summary>
/// <remarks>
/// <para>The model is the one fitted by the trainer that precedes this step in the chain
/// (<c>Trainers.TwoTower(...).Append(Transforms.Recommend(...))</c>), or the one given to
/// <see cref="TwoTowerTransformsCatalog.Recommend(FittedRecommender, RecommendOptions?)"/>.</para>
/// <para>After an approximate Index step (HNSW, IVF) the graph still ranks exactly, since ONNX has no approximate search:
/// the saved model gives the exact top-K (at least the index's recall), and Fit writes a Warning to <c>MLContext.Log</c>
/// saying so. The index serves in process through <see cref="FittedRecommender.Recommend(string, int, bool)"/>
/// (<c>ml.TwoTower().FindModel(model)</c>).</para>
/// <para>Batch <c>Transform</c> over an <see cref="IDataView"/> of users scores every row. A
/// <c>PredictionEngine</c> is not thread-safe: use one per thread or a pool, e.g.
/// <code>
/// var pool = new ConcurrentBag&lt;PredictionEngine&lt;UserRequest, Recommendations&gt;&gt;();
/// Recommendations Recommend(string user)
/// {
///     if (!pool.TryTake(out var engine)) engine = ml.Model.CreatePredictionEngine&lt;UserRequest, Recommendations&gt;(model);
///     try { return engine.Predict(new UserRequest { UserId = user }); }
///     finally { pool.Add(engine); }
/// }
/// </code>
/// (or Microsoft.Extensions.ObjectPool / Microsoft.Extensions.ML's PredictionEnginePool, which do the same).
/// An engine made by <c>CreatePredictionEngine</c> owns its transformer: disposing it closes the model's ONNX
/// sessions (and removes ML.NET's temp file), so dispose engines only when the model is no longer used: a fitted model used
/// after that throws an <see cref="ObjectDisposedException"/> naming the step.</para>
/// </remarks>
public sealed class RecommendEstimator : IEstimator<ITransformer>
{
    private readonly MLContext _ml;
    private readonly CatalogState _state;
    private readonly RecommendOptions _options;
    private readonly FittedRecommender? _model;

    internal RecommendEstimator(MLContext ml, CatalogState state, RecommendOptions options, FittedRecommender? model)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _ml = ml;
        _state = state;
        _options = options.Clone();
        _model = model;
    }

    /// <summary>Items per user.</summary>
    public int K => _options.K;

    /// <summary>Whether training items are excluded.</summary>
    public bool ExcludeSeen => _options.ExcludeSeen;

    /// <summary>Builds the recommend graph for the model and returns its ONNX transformer.</summary>
    /// <exception cref="InvalidOperationException">No model: this step does not follow a trainer and none was given; or exclude-seen with a model
    /// loaded from a file saved without its training items (<see cref="FittedRecommender.KnowsSeenItems"/>).</exception>
    /// <exception cref="NotSupportedException">The model's index leaves items out (a search Filter or AllowList, or fewer items
    /// than the model has), which the graph, ranking every item, cannot do.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The user id column is missing or mistyped, or K exceeds the catalogue.</exception>
    public ITransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var fitted = _model ?? _state.ForData(input)
            ?? throw new InvalidOperationException("Recommend() has no model: append it after ml.TwoTower().Trainers.TwoTower(...) or .MatrixFactorization(...) in the same pipeline, " +
                  "a trainer of the same MLContext (each context's ml.TwoTower() keeps its own fitted models), or pass a FittedRecommender.");
        var model = fitted.Model;
        // The graph ranks every item: an index that leaves items out would hold in process only, while the saved model recommends them.
        if (RestrictionOf(fitted) is { } restriction)
            throw new NotSupportedException(
                $"The item index '{fitted.IndexDescription}' {restriction}, and the saved model's ONNX graph ranks every item of the model: " +
                "serve in process with ml.TwoTower().FindModel(model).Recommend(userId, k, excludeSeen), or leave the restriction out of the index.");
        if (fitted.Index is { IsExact: false })
        {
            // The pipeline of DESIGN §4 (Index(HNSW) then Recommend) must fit, save and load: exact ranking answers at least as well.
            using var channel = ((Microsoft.ML.Runtime.IHostEnvironment)_ml).Start("Recommend");
            channel.Warning(Microsoft.ML.Runtime.MessageSensitivity.None,
                $"The item index '{fitted.IndexDescription}' is approximate, and ONNX runs exact TopK only: the saved model ranks every item exactly. " +
                "The index serves in process: ml.TwoTower().FindModel(model).Recommend(userId, k, excludeSeen).");
        }
        if (_options.ExcludeSeen) fitted.CheckKnowsSeenItems();
        if (_options.K > model.Items.Count)
            throw new ArgumentOutOfRangeException(nameof(RecommendOptions.K), _options.K, $"K is {_options.K} but the model has only {model.Items.Count} items.");

        var steps = new List<ITransformer>();
        var data = input;
        var col = IdColumn.Check(input.Schema, UserColumn(fitted, input.Schema.GetColumnOrNull(fitted.UserTextColumn)?.Type is TextDataViewType), "user id", nameof(RecommendOptions.UserIdColumn));
        var (conv, userText) = IdColumn.ToText(_ml, col);
        if (conv is not null)
        {
            var t = conv.Fit(input);
            steps.Add(t);
            data = t.Transform(input);
        }

        foreach (var (output, option) in new[] { (_options.ItemIdsColumn, nameof(RecommendOptions.ItemIdsColumn)), (_options.ScoresColumn, nameof(RecommendOptions.ScoresColumn)) })
            if (string.Equals(output, userText, StringComparison.Ordinal))
                throw new ArgumentOutOfRangeException(option, output, $"{option} '{output}' is the user id column this step reads: give the output another name.");
        var spec = BuildSpec(fitted, userText);
        steps.Add(OnnxStep.Fit(_ml, OnnxRecommenderExporter.ToBytes(spec), [_options.ItemIdsColumn, _options.ScoresColumn], [userText], data,
            _options.Execution, _options.GpuDeviceId, _options.Log));
        return new OwningTransformer(steps.Count == 1 ? steps[0] : new TransformerChain<ITransformer>(steps.ToArray()), null, "The Recommend step's transformer", "its ONNX session");
    }

    /// <summary>Adds the item id and score columns after checking the user id column.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The user id column is missing or mistyped.</exception>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        // Only columns known before Fit are checked: the preceding trainer's text column exists only once it is fitted
        // (and the catalog's last model may belong to another pipeline).
        var column = _model is null ? _options.UserIdColumn
            : UserColumn(_model, SchemaShapes.Find(inputSchema, _model.UserTextColumn) is { Kind: SchemaShape.Column.VectorKind.Scalar, IsKey: false, ItemType: TextDataViewType });
        var added = new List<(string, DataViewType)>();
        if (column is not null)
        {
            IdColumn.Check(inputSchema, column, "user id", nameof(RecommendOptions.UserIdColumn));
            added.AddRange(IdColumn.TextColumnsOf(inputSchema, column));
        }
        added.Add((_options.ItemIdsColumn, new VectorDataViewType(TextDataViewType.Instance, _options.K)));
        added.Add((_options.ScoresColumn, new VectorDataViewType(NumberDataViewType.Single, _options.K)));
        return SchemaShapes.With(inputSchema, added);
    }

    // How the model's index leaves items out of its answers (a search filter or allow list, or only part of the catalogue), or null.
    private static string? RestrictionOf(FittedRecommender fitted) =>
        fitted.Index is not { } index ? null
        : fitted.SearchOptions?.Filter is not null ? "is searched with a Filter"
        : fitted.SearchOptions?.AllowList is not null ? "is searched with an AllowList"
        : index.Count < fitted.Model.Items.Count ? $"holds {index.Count} of the model's {fitted.Model.Items.Count} items"
        : null;

    // The option's column; else the model's raw-id text column when the input has it (after the model's trainer in a chain),
    // else the column the model was fitted on, of any id type (a given or loaded model over raw rows), converted like the trainer's.
    private string UserColumn(FittedRecommender fitted, bool inputHasUserText) =>
        _options.UserIdColumn ?? (inputHasUserText ? fitted.UserTextColumn : fitted.UserIdColumn);

    private OnnxRecommenderSpec BuildSpec(FittedRecommender fitted, string userInput)
    {
        var model = fitted.Model;
        var (vectors, cold) = RecommenderEstimator.UserVectors(model);
        int[]? ptr = null, seen = null;
        if (_options.ExcludeSeen) (ptr, seen) = SeenItems(fitted.Training, model.Users.Count, model.Items.Count);
        return new OnnxRecommenderSpec
        {
            UserIds = model.Users.RawIds,
            UserVectors = vectors,
            ColdUserVector = cold,
            ItemIds = model.Items.RawIds,
            ItemVectors = model.ItemVectors.ToArray(),
            Dimension = model.Dimension,
            K = _options.K,
            SeenPointers = ptr,
            SeenItems = seen,
            UserIdInputName = userInput,
            ItemIdsOutputName = _options.ItemIdsColumn,
            ScoresOutputName = _options.ScoresColumn,
        };
    }

    /// <summary>Distinct training items per user key as CSR (sorted within a user).</summary>
    internal static (int[] Pointers, int[] Items) SeenItems(Data.Interactions training, int users, int items)
    {
        var lists = new List<int>[users];
        for (var u = 0; u < users; u++) lists[u] = [];
        for (var r = 0; r < training.Count; r++)
        {
            var u = training.UserKeys[r];
            var i = training.ItemKeys[r];
            if ((uint)u < (uint)users && (uint)i < (uint)items) lists[u].Add(i);
        }
        var ptr = new int[users + 1];
        var all = new List<int>(training.Count);
        for (var u = 0; u < users; u++)
        {
            lists[u].Sort();
            for (var j = 0; j < lists[u].Count; j++)
                if (j == 0 || lists[u][j] != lists[u][j - 1]) all.Add(lists[u][j]);
            ptr[u + 1] = all.Count;
        }
        return (ptr, all.ToArray());
    }
}
