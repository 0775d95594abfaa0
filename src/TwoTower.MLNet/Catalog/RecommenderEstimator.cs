using System.Diagnostics;
using Microsoft.ML;
using Microsoft.ML.Data;
using TwoTower.MLNet.Data;
using TwoTower.MLNet.MatrixFactorization;
using TwoTower.MLNet.Features;
using TwoTower.MLNet.Models;
using TwoTower.MLNet.Onnx.Execution;
using TwoTower.MLNet.Onnx.Recommending;
using TwoTower.MLNet.Training;

namespace TwoTower.MLNet;

/// <summary>
/// A recommender trainer as an ML.NET estimator: reads the user and item id columns (text, key with
/// values, or number), builds <see cref="TrainingData"/>, fits the engine and returns a transformer that runs and
/// saves as ML.NET's own transforms only (id conversion + <c>ApplyOnnxModel</c>), which adds the
/// <see cref="UserVectorColumn"/> column (the model's user vector; unknown users get its cold-start vector)
/// and, with <see cref="WithItemVector"/>, an item vector column. Append
/// <c>ml.TwoTower().Transforms.Recommend(...)</c> to get top-K items.
/// </summary>
/// <remarks>
/// The fitted model is available as <see cref="LastFitted"/> and through
/// <see cref="TwoTowerCatalog.FindModel(ITransformer)"/>; state lives in the ONNX graphs, so
/// <c>ml.Model.Save</c>/<c>Load</c> round-trip the transformer.
/// </remarks>
public sealed class RecommenderEstimator : IEstimator<ITransformer>
{
    private readonly MLContext _ml;
    private readonly CatalogState _state;
    private readonly TrainFunction _train;

    // Trains on the data (with the warm-start model of the step before, if any), reporting to progress and stopping on the token.
    internal delegate IEmbeddingRecommender TrainFunction(TrainingData data, MatrixFactorizationModel? warm, IProgress<TrainingProgress>? progress, CancellationToken cancellationToken);

    // The same with feature tables read from columns.
    internal delegate IEmbeddingRecommender TrainWithFeaturesFunction(TrainingData data, FeatureTable? users, FeatureTable? items, MatrixFactorizationModel? warm,
        IProgress<TrainingProgress>? progress, CancellationToken cancellationToken);

    internal RecommenderEstimator(MLContext ml, CatalogState state, string name, string userIdColumn, string itemIdColumn, string? ratingColumn, TrainFunction train)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(userIdColumn);
        ArgumentException.ThrowIfNullOrWhiteSpace(itemIdColumn);
        if (string.Equals(userIdColumn, itemIdColumn, StringComparison.Ordinal))
            throw new ArgumentException($"The user and item id columns are both '{userIdColumn}'; expected two different columns.", nameof(itemIdColumn));
        _ml = ml;
        _state = state;
        _train = train;
        Name = name;
        UserIdColumn = userIdColumn;
        ItemIdColumn = itemIdColumn;
        RatingColumn = ratingColumn;
    }

    /// <summary>What is trained ("twotower", "ials", ...), for messages.</summary>
    public string Name { get; }

    /// <summary>The user id column read at fit time.</summary>
    public string UserIdColumn { get; }

    /// <summary>The item id column read at fit time.</summary>
    public string ItemIdColumn { get; }

    /// <summary>The rating column (null = every interaction counts 1).</summary>
    public string? RatingColumn { get; }

    /// <summary>
    /// The timestamp column (a scalar number or DateTime), or null (default): without it the rows have no time order, so
    /// the trainers' recency weights (iALS <c>RecencyBoost</c>, two-tower <c>RecencyWeight</c>) are off.
    /// </summary>
    public string? TimestampColumn { get; internal init; }

    /// <summary>The output column of user vectors (float[d]). Default "UserVector".</summary>
    public string UserVectorColumn { get; internal init; } = "UserVector";

    /// <summary>The output column of item vectors (float[d]), or null (default) for none: it needs the item id column at transform time.</summary>
    public string? ItemVectorColumn { get; internal set; }

    /// <summary>Item side features passed to the trainer, or null.</summary>
    public ItemMetadata? ItemFeatures { get; internal init; }

    /// <summary>User side features passed to the trainer, or null.</summary>
    public UserMetadata? UserFeatures { get; internal init; }

    /// <summary>Where ONNX Runtime runs the vector lookups. Default <see cref="OnnxExecution.Cpu"/>.</summary>
    public OnnxExecution Execution { get; internal set; } = OnnxExecution.Cpu;

    /// <summary>Columns of the input rows holding user features (e.g. Featurize outputs) for the user tower; empty = none.</summary>
    public IReadOnlyList<string> UserFeatureColumns { get; internal init; } = [];

    /// <summary>Columns of the input rows holding item features for the item tower; empty = none.</summary>
    public IReadOnlyList<string> ItemFeatureColumns { get; internal init; } = [];

    // Trains with feature tables read from columns (null = the trainer takes no feature tables).
    internal TrainWithFeaturesFunction? TrainWithFeatures { get; init; }

    // Whether a matrix-factorization model whose step wrote the input is handed to the trainer as a warm start.
    internal bool WarmStartFromChain { get; init; }

    /// <summary>
    /// Where <see cref="Fit"/> reports the trainer's progress (each epoch or iteration: loss, validation metrics,
    /// examples/s), or null (default). The same reports also go to <c>MLContext.Log</c> as Info messages of the
    /// source named like the trainer, as ML.NET's own trainers do.
    /// </summary>
    public IProgress<TrainingProgress>? Progress { get; private set; }

    /// <summary>Stops <see cref="Fit"/> with an <see cref="OperationCanceledException"/> between training steps. Default none.</summary>
    public CancellationToken CancellationToken { get; private set; }

    /// <summary>The model of the most recent <see cref="Fit"/>, or null before the first.</summary>
    public FittedRecommender? LastFitted { get; private set; }

    /// <summary>A copy that also outputs item vectors in <paramref name="column"/> (the item id column must then be present at transform time).</summary>
    public RecommenderEstimator WithItemVector(string column = "ItemVector")
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(column);
        foreach (var (input, option) in new[] { (UserIdColumn, nameof(UserIdColumn)), (ItemIdColumn, nameof(ItemIdColumn)), (RatingColumn, nameof(RatingColumn)), (TimestampColumn, nameof(TimestampColumn)), (UserVectorColumn, nameof(UserVectorColumn)) }
            .Concat(UserFeatureColumns.Select(c => ((string?)c, nameof(UserFeatureColumns)))).Concat(ItemFeatureColumns.Select(c => ((string?)c, nameof(ItemFeatureColumns)))))
            if (string.Equals(column, input, StringComparison.Ordinal))
                throw new ArgumentOutOfRangeException(nameof(column), column, $"The item vector column '{column}' is already a column of this step ({option}): give the output another name.");
        var copy = Copy();
        copy.ItemVectorColumn = column;
        return copy;
    }

    /// <summary>A copy whose vector lookups run on <paramref name="execution"/> (GPU needs the -p:OnnxRuntimeGpu=true build).</summary>
    public RecommenderEstimator WithExecution(OnnxExecution execution)
    {
        if (!Enum.IsDefined(execution)) throw new ArgumentOutOfRangeException(nameof(execution), execution, "Expected Cpu, Gpu or Auto.");
        var copy = Copy();
        copy.Execution = execution;
        return copy;
    }

    /// <summary>
    /// A copy that reports the trainer's progress to <paramref name="progress"/> during <see cref="Fit"/>, also inside a
    /// pipeline (<c>estimator.Append(...).Fit(data)</c>). <see cref="SynchronousProgress{T}"/> calls back on the training thread, in order.
    /// </summary>
    public RecommenderEstimator WithProgress(IProgress<TrainingProgress> progress)
    {
        ArgumentNullException.ThrowIfNull(progress);
        var copy = Copy();
        copy.Progress = progress;
        return copy;
    }

    /// <summary>
    /// A copy whose <see cref="Fit"/> stops with an <see cref="OperationCanceledException"/> when
    /// <paramref name="cancellationToken"/> is cancelled (checked before training and between its steps); nothing is registered then.
    /// </summary>
    public RecommenderEstimator WithCancellation(CancellationToken cancellationToken)
    {
        var copy = Copy();
        copy.CancellationToken = cancellationToken;
        return copy;
    }

    // Every setting carries over, so a property added later cannot be forgotten here; the copy has not been fitted.
    private RecommenderEstimator Copy()
    {
        var copy = (RecommenderEstimator)MemberwiseClone();
        copy.LastFitted = null;
        return copy;
    }

    /// <summary>Trains on <paramref name="input"/> and returns the vector-lookup transformer.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An id or rating column is missing or mistyped (the message names it).</exception>
    /// <exception cref="ArgumentException">The data has no usable rows.</exception>
    /// <exception cref="OperationCanceledException"><see cref="CancellationToken"/> was cancelled.</exception>
    public ITransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        CancellationToken.ThrowIfCancellationRequested();
        var userCol = IdColumn.Check(input.Schema, UserIdColumn, "user id", nameof(UserIdColumn));
        var itemCol = IdColumn.Check(input.Schema, ItemIdColumn, "item id", nameof(ItemIdColumn));
        FeatureColumns.Check(input.Schema, UserFeatureColumns, nameof(UserFeatureColumns));
        FeatureColumns.Check(input.Schema, ItemFeatureColumns, nameof(ItemFeatureColumns));
        var (userConv, userText) = IdColumn.ToText(_ml, userCol);
        var (itemConv, itemText) = IdColumn.ToText(_ml, itemCol);
        (IEstimator<ITransformer>? ratingConv, string? ratingFloat) = RatingColumn is null ? (null, null) : IdColumn.ToSingle(_ml, input.Schema, RatingColumn, nameof(RatingColumn));

        var userTransformer = userConv?.Fit(input);
        var withUser = userTransformer?.Transform(input) ?? input;
        var itemTransformer = itemConv?.Fit(withUser);
        var withItem = itemTransformer?.Transform(withUser) ?? withUser;
        var ratingTransformer = ratingConv?.Fit(withItem);
        var readable = ratingTransformer?.Transform(withItem) ?? withItem;

        // Only a step of this catalog that provably wrote this input (its user vectors are in it) warms the trainer.
        var warm = WarmStartFromChain ? _state.WrittenBy(input)?.Model as MatrixFactorizationModel : null;
        if (TimestampColumn is not null) TimeColumn.Check(input.Schema, TimestampColumn, nameof(TimestampColumn));
        var log = ReadLog(readable, userText, itemText, ratingFloat, timestamp: TimestampColumn);
        var data = TrainingData.Create(log, items: ItemFeatures, users: UserFeatures);
        CancellationToken.ThrowIfCancellationRequested();
        var sw = Stopwatch.StartNew();
        IEmbeddingRecommender model;
        using (var reports = new TrainingLogProgress(_ml, Name, Progress))
        {
            reports.Warn(data.Warnings);
            if (UserFeatureColumns.Count + ItemFeatureColumns.Count > 0)
            {
                var train = TrainWithFeatures ?? throw new InvalidOperationException($"The {Name} trainer does not read feature columns; leave UserFeatureColumns and ItemFeatureColumns empty.");
                var users = UserFeatureColumns.Count > 0 ? FeatureColumns.Read(readable, userText, data.Users, UserFeatureColumns, nameof(UserFeatureColumns)) : null;
                var items = ItemFeatureColumns.Count > 0 ? FeatureColumns.Read(readable, itemText, data.Items, ItemFeatureColumns, nameof(ItemFeatureColumns)) : null;
                model = train(data, users, items, warm, reports, CancellationToken);
            }
            else model = _train(data, warm, reports, CancellationToken);
            if (model is TwoTowerModel.TwoTowerRecommender { Report: { } report }) reports.Warn(report.Warnings);
        }
        var seconds = sw.Elapsed.TotalSeconds;
        CheckMaps(model, data);

        var steps = new List<ITransformer>();
        if (userTransformer is not null) steps.Add(userTransformer);
        var lookup = OnnxStep.Fit(_ml, OnnxRecommenderExporter.ToBytes(UserLookup(model, userText)), [UserVectorColumn], [userText], withUser, Execution, 0, null);
        steps.Add(lookup);
        if (ItemVectorColumn is not null)
        {
            try
            {
                var current = lookup.Transform(withUser);
                if (itemTransformer is not null)
                {
                    steps.Add(itemTransformer);
                    current = itemTransformer.Transform(current);
                }
                steps.Add(OnnxStep.Fit(_ml, OnnxRecommenderExporter.ToBytes(ItemLookup(model, itemText, ItemVectorColumn)), [ItemVectorColumn], [itemText], current, Execution, 0, null));
            }
            catch
            {
                // Nobody else holds the user lookup yet: close its session and delete its graph file.
                (lookup as IDisposable)?.Dispose();
                throw;
            }
        }
        var chain = new OwningTransformer(new TransformerChain<ITransformer>(steps.ToArray()), null, $"The {Name} trainer's transformer", "its ONNX sessions");
        var fitted = new FittedRecommender(model, data.Train, UserIdColumn, ItemIdColumn, userText, seconds) { UserVectorColumn = UserVectorColumn, WarmStartedFrom = warm?.ModelType };
        LastFitted = fitted;
        _state.Register(chain, fitted);
        return chain;
    }

    /// <summary>Adds the vector columns to <paramref name="inputSchema"/> after checking the id columns.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An id column is missing or mistyped (the message names it).</exception>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        IdColumn.Check(inputSchema, UserIdColumn, "user id", nameof(UserIdColumn));
        IdColumn.Check(inputSchema, ItemIdColumn, "item id", nameof(ItemIdColumn));
        if (RatingColumn is not null) IdColumn.CheckRating(inputSchema, RatingColumn, nameof(RatingColumn));
        if (TimestampColumn is not null) TimeColumn.Check(inputSchema, TimestampColumn, nameof(TimestampColumn));
        FeatureColumns.Check(inputSchema, UserFeatureColumns, nameof(UserFeatureColumns));
        FeatureColumns.Check(inputSchema, ItemFeatureColumns, nameof(ItemFeatureColumns));
        // The dimension is known only after Fit, but the columns are fixed-size vectors: a shape records the kind, not the size.
        var fixedSize = new VectorDataViewType(NumberDataViewType.Single, 1);
        // The id columns' text forms (e.g. UserIdText for numeric ids) stay in the output: the Recommend step reads them.
        var added = IdColumn.TextColumnsOf(inputSchema, UserIdColumn).ToList();
        added.Add((UserVectorColumn, fixedSize));
        if (ItemVectorColumn is not null)
        {
            added.AddRange(IdColumn.TextColumnsOf(inputSchema, ItemIdColumn));
            added.Add((ItemVectorColumn, fixedSize));
        }
        return SchemaShapes.With(inputSchema, added);
    }

    /// <summary>
    /// The interactions of <paramref name="data"/>; errors name the <paramref name="role"/> ("training", "test") and the row.
    /// With <paramref name="keyColumns"/> (for evaluation: the key columns the id texts come from), a missing key (0) is a value
    /// outside the key's vocabulary, so an id the model does not know: it becomes an id of its own row instead of an error.
    /// </summary>
    internal static InteractionLog ReadLog(IDataView data, string userText, string itemText, string? rating, string role = "training", string? timestamp = null,
        (string? User, string? Item) keyColumns = default)
    {
        var schema = data.Schema;
        var cols = new List<DataViewSchema.Column> { schema[userText], schema[itemText] };
        if (rating is not null) cols.Add(schema[rating]);
        if (timestamp is not null) cols.Add(schema[timestamp]);
        if (keyColumns.User is not null) cols.Add(schema[keyColumns.User]);
        if (keyColumns.Item is not null) cols.Add(schema[keyColumns.Item]);
        var log = new InteractionLog("IDataView") { HasRatings = rating is not null, HasTimestamps = timestamp is not null };
        using var cursor = data.GetRowCursor(cols);
        var getUser = cursor.GetGetter<ReadOnlyMemory<char>>(schema[userText]);
        var getItem = cursor.GetGetter<ReadOnlyMemory<char>>(schema[itemText]);
        var getRating = rating is null ? null : cursor.GetGetter<float>(schema[rating]);
        var getTime = timestamp is null ? null : TimeColumn.Getter(cursor, schema[timestamp]);
        var userMissing = keyColumns.User is null ? null : KeyColumn.IsMissing(cursor, schema[keyColumns.User]);
        var itemMissing = keyColumns.Item is null ? null : KeyColumn.IsMissing(cursor, schema[keyColumns.Item]);
        ReadOnlyMemory<char> u = default, i = default;
        float r = 1f;
        long row = 0;
        while (cursor.MoveNext())
        {
            getUser(ref u);
            getItem(ref i);
            getRating?.Invoke(ref r);
            // The key's value of a missing key is empty, NaN or 0, which may be a real id: these ids (with a NUL) never meet one.
            if (userMissing?.Invoke() == true) u = $"\0unknown user of {role} row {row}".AsMemory();
            if (itemMissing?.Invoke() == true) i = $"\0unknown item of {role} row {row}".AsMemory();
            if (u.Span.Trim().IsEmpty) throw new ArgumentException($"The {role} data, row {row}: the user id is empty; every row needs a user id.", nameof(data));
            if (i.Span.Trim().IsEmpty) throw new ArgumentException($"The {role} data, row {row}: the item id is empty; every row needs an item id.", nameof(data));
            // A float id column's missing value reads as the text "NaN": it is no id.
            if ((u.Span.SequenceEqual("NaN") ? "user" : i.Span.SequenceEqual("NaN") ? "item" : null) is { } missing)
                throw new ArgumentException($"The {role} data, row {row}: the {missing} id is NaN (a missing number); every row needs an id.", nameof(data));
            if (!float.IsFinite(r)) throw new ArgumentException($"The {role} data, row {row}: the rating is {r}; expected a finite number.", nameof(data));
            log.Add(u.ToString(), i.ToString(), r, getTime?.Invoke() ?? 0);
            row++;
        }
        if (log.Count == 0) throw new ArgumentException($"The {role} data has no rows.", nameof(data));
        return log;
    }

    private static void CheckMaps(IEmbeddingRecommender model, TrainingData data)
    {
        if (model.Users.Count != data.Users.Count || model.Items.Count != data.Items.Count)
            throw new InvalidOperationException($"The trained model has {model.Users.Count} users and {model.Items.Count} items; the data has {data.Users.Count} and {data.Items.Count}.");
    }

    internal static OnnxLookupSpec UserLookup(IEmbeddingRecommender model, string input, string output = "UserVector")
    {
        var (vectors, cold) = UserVectors(model);
        return new OnnxLookupSpec
        {
            Ids = model.Users.RawIds, Vectors = vectors, UnknownVector = cold, Dimension = model.Dimension,
            InputName = input, OutputName = output, Name = "user_vectors",
        };
    }

    private static OnnxLookupSpec ItemLookup(IEmbeddingRecommender model, string input, string output) => new()
    {
        Ids = model.Items.RawIds, Vectors = model.ItemVectors.ToArray(), UnknownVector = new float[model.Dimension],
        Dimension = model.Dimension, InputName = input, OutputName = output, Name = "item_vectors",
    };

    /// <summary>Every known user's vector (row = user key) and the cold-start vector (key −1).</summary>
    internal static (float[] Vectors, float[] Cold) UserVectors(IEmbeddingRecommender model)
    {
        var keys = Enumerable.Range(0, model.Users.Count).ToArray();
        var vectors = new float[keys.Length * model.Dimension];
        model.EmbedUsers(keys, vectors);
        var cold = new float[model.Dimension];
        model.EmbedUsers([-1], cold);
        return (vectors, cold);
    }
}
