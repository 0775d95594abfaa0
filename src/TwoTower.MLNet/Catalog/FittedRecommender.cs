using TwoTower.MLNet.Data;
using TwoTower.MLNet.Index;
using TwoTower.MLNet.Models;
using TwoTower.MLNet.Persistence;
using TwoTower.MLNet.Retrieval;

namespace TwoTower.MLNet;

/// <summary>
/// A model fitted by a <see cref="RecommenderEstimator"/>: the trained recommender, the training
/// interactions (used to exclude seen items), the columns it was fitted on and, after an <c>Index</c> step,
/// its item index.
/// </summary>
/// <remarks>Recommend is thread-safe (the indexes' searches are).</remarks>
public sealed class FittedRecommender
{
    internal FittedRecommender(IEmbeddingRecommender model, Interactions training, string userIdColumn, string itemIdColumn, string userTextColumn, double fitSeconds)
    {
        Model = model;
        Training = training;
        UserIdColumn = userIdColumn;
        ItemIdColumn = itemIdColumn;
        UserTextColumn = userTextColumn;
        FitSeconds = fitSeconds;
    }

    /// <summary>
    /// Wraps any <see cref="IEmbeddingRecommender"/> (e.g. one loaded from a model file) for
    /// <see cref="TwoTowerTransformsCatalog.Recommend(FittedRecommender, RecommendOptions?)"/>.
    /// <paramref name="training"/> (encoded with the model's maps) lists the items to exclude per user; null = none.
    /// </summary>
    public static FittedRecommender Create(IEmbeddingRecommender model, Interactions? training = null, string userIdColumn = "UserId", string itemIdColumn = "ItemId") =>
        Checked(model, training, userIdColumn, itemIdColumn, knowsSeenItems: true);

    private static FittedRecommender Checked(IEmbeddingRecommender model, Interactions? training, string userIdColumn, string itemIdColumn, bool knowsSeenItems)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentException.ThrowIfNullOrWhiteSpace(userIdColumn);
        ArgumentException.ThrowIfNullOrWhiteSpace(itemIdColumn);
        if (training is not null && (training.Users.Count > model.Users.Count || training.Items.Count > model.Items.Count))
            throw new ArgumentException($"training has {training.Users.Count} users and {training.Items.Count} items; the model knows {model.Users.Count} and {model.Items.Count}: encode it with the model's maps.", nameof(training));
        training ??= new Interactions(model.Users, model.Items, [], [], [], []);
        return new FittedRecommender(model, training, userIdColumn, itemIdColumn, userIdColumn, 0) { KnowsSeenItems = knowsSeenItems };
    }

    /// <summary>The trained model (its parameters: vectors, id maps, hyper-parameters).</summary>
    public IEmbeddingRecommender Model { get; }

    /// <summary>The training interactions, encoded with the model's id maps.</summary>
    public Interactions Training { get; }

    /// <summary>The user id column the model was fitted on.</summary>
    public string UserIdColumn { get; }

    /// <summary>The item id column the model was fitted on.</summary>
    public string ItemIdColumn { get; }

    /// <summary>The text column holding raw user ids inside the pipeline (the user id column itself when it is text).</summary>
    public string UserTextColumn { get; }

    /// <summary>Wall time of the engine's fit, in seconds.</summary>
    public double FitSeconds { get; }

    /// <summary>The model type of the matrix-factorization step that warm-started this model in its chain, or null.</summary>
    public string? WarmStartedFrom { get; init; }

    /// <summary>
    /// Whether <see cref="Training"/> holds the users' training items, so that exclude-seen can leave them out. False only
    /// for a model <see cref="Load"/>ed from a file saved without them (<c>ModelFile.Save</c> without <c>seen</c>): exclude-seen
    /// then throws instead of excluding nothing.
    /// </summary>
    public bool KnowsSeenItems { get; private init; } = true;

    // A reference, so a thread that reads it while another sets it sees all of it or nothing (a nullable tuple can tear).
    private Tuple<int[], int[]>? _seen;
    private ExactRecommender? _exact;

    /// <summary>The column of user vectors the trainer's transformer writes (how a later step recognises this model's output).</summary>
    internal string UserVectorColumn { get; init; } = "UserVector";

    /// <summary>The item index built by an <c>Index</c> step (ids = item keys), or null: exact scoring over all items.</summary>
    public IVectorIndex? Index { get; private init; }

    /// <summary>What <see cref="Index"/> is ("Flat", "HNSW16", ... or the custom index's type), or null.</summary>
    public string? IndexDescription { get; private init; }

    /// <summary>Search options passed to <see cref="Index"/>, or null for its defaults.</summary>
    public SearchOptions? SearchOptions { get; private init; }

    /// <summary>
    /// This model served through a vector index you built: a new <see cref="FittedRecommender"/> with the same model and
    /// training interactions whose <see cref="Recommend"/> searches <paramref name="index"/> (this one is unchanged).
    /// The index must hold item vectors under their item keys (ids 0..Items.Count − 1), e.g. a saved index loaded with
    /// the index library, or one over a subset of the catalogue (only its items are recommended, in process: a
    /// <c>Transforms.Recommend</c> step given this model refuses a subset or a search filter, as its graph ranks every item).
    /// </summary>
    /// <param name="index">An inner-product index (cosine when the item vectors are unit length) of the model's dimension.</param>
    /// <param name="options">Search options (ef, nprobe, a filter), or null for the index's defaults.</param>
    /// <param name="description">What the index is, for <see cref="IndexDescription"/>; null = its type name.</param>
    /// <exception cref="ArgumentException">The index has another dimension, the L2 metric, or the Cosine metric over item vectors of unequal length.</exception>
    public FittedRecommender WithIndex(IVectorIndex index, SearchOptions? options = null, string? description = null)
    {
        ArgumentNullException.ThrowIfNull(index);
        if (IndexCompatibility.Problem(Model, index) is { } problem) throw new ArgumentException(problem, nameof(index));
        return Served(index, options, description ?? index.GetType().Name, ownedByIndexStep: false);
    }

    // A copy, never this instance: a FittedRecommender someone already holds keeps the index it had.
    internal FittedRecommender Served(IVectorIndex index, SearchOptions? options, string description, bool ownedByIndexStep) =>
        new(Model, Training, UserIdColumn, ItemIdColumn, UserTextColumn, FitSeconds)
        {
            UserVectorColumn = UserVectorColumn, WarmStartedFrom = WarmStartedFrom, KnowsSeenItems = KnowsSeenItems,
            Index = index, SearchOptions = options, IndexDescription = description, IndexOwnedByStep = ownedByIndexStep,
        };

    // Whether an Index step's transformer owns (and disposes) Index, or the caller gave it through WithIndex.
    private bool IndexOwnedByStep { get; init; }

    /// <summary>
    /// Top-<paramref name="k"/> items for a raw user id in process: through <see cref="Index"/> when an Index step
    /// built one (approximate indexes included), else exact scoring. Unknown users get the cold-start vector.
    /// </summary>
    /// <param name="userId">Raw user id.</param>
    /// <param name="k">Items wanted, at least 1; fewer come back when the catalogue or exclusion leaves fewer (a k past the catalogue lists every item).</param>
    /// <param name="excludeSeen">Leave out the user's training items.</param>
    /// <exception cref="ArgumentOutOfRangeException">k is below 1.</exception>
    /// <exception cref="InvalidOperationException"><paramref name="excludeSeen"/> for a model whose training items are unknown (<see cref="KnowsSeenItems"/>).</exception>
    /// <exception cref="ObjectDisposedException"><see cref="Index"/> was disposed (an Index step's index goes with the step's transformer; one given to <see cref="WithIndex"/>, with its owner's Dispose).</exception>
    public IReadOnlyList<Recommendation> Recommend(string userId, int k, bool excludeSeen = false)
    {
        ArgumentNullException.ThrowIfNull(userId);
        if (k < 1) throw new ArgumentOutOfRangeException(nameof(k), k, "k must be ≥ 1.");
        if (excludeSeen) CheckKnowsSeenItems();
        if (Index is null)
        {
            // Built once: the seen matrix costs a pass over the training data.
            var exact = _exact ??= new ExactRecommender(Model, Training.ToUserItemMatrix());
            return exact.Recommend(userId, k, excludeSeen);
        }
        // The index holds item keys only, so no more than the catalogue can come back; a larger k would only size its result arrays.
        k = Math.Min(k, Model.Items.Count);
        if (k == 0) return [];
        var key = Model.Users.TryGetKey(userId, out var known) ? known : -1;
        var query = new float[Model.Dimension];
        Model.EmbedUsers([key], query);
        var options = SearchOptions ?? TwoTower.MLNet.Index.SearchOptions.Default;
        if (excludeSeen && key >= 0)
        {
            var (ptr, items) = _seen ??= RecommendEstimator.SeenItems(Training, Model.Users.Count, Model.Items.Count).ToTuple();
            var seen = new ArraySegment<int>(items, ptr[key], ptr[key + 1] - ptr[key]);
            var outer = options.Filter;
            options = options with { Filter = id => seen.AsSpan().BinarySearch((int)id) < 0 && (outer is null || outer(id)) };
        }
        SearchResults results;
        try
        {
            results = Index.Search(query, k, options);
        }
        catch (ObjectDisposedException ex)
        {
            // The index's own message names only its type; say whose index it is and what disposes it.
            throw new ObjectDisposedException(IndexOwnedByStep
                ? $"The item index '{IndexDescription}' of this model was disposed: an Index step's index is disposed with the step's " +
                  "transformer (disposing the fitted pipeline, or a PredictionEngine that owned it, does so). Fit the pipeline again, or serve through " +
                  "WithIndex(index) with an index you keep open."
                : $"The item index '{IndexDescription}' given to WithIndex was disposed: keep it open while this model serves through it, or serve " +
                  "through WithIndex with another index.", ex);
        }
        var ids = results.IdsOf(0);
        var scores = results.ScoresOf(0);
        var list = new List<Recommendation>(k);
        for (var j = 0; j < ids.Length; j++)
        {
            if (ids[j] < 0) break;
            // An index of other ids (rows of a file, another model's keys) would name the wrong items.
            if (ids[j] >= Model.Items.Count)
                throw new InvalidOperationException($"The index returned id {ids[j]}, which is not an item key of the model (0..{Model.Items.Count - 1}): build it with the item keys as ids.");
            var item = (int)ids[j];
            list.Add(new Recommendation(item, Model.Items.GetRawId(item), scores[j]));
        }
        return list;
    }

    /// <summary>
    /// Saves the model with its training interactions (for exclude-seen) in the toolkit's versioned container, the file
    /// the CLI reads (<c>twotower recommend/evaluate/export --model</c>). The item index is not saved: rebuild it with
    /// an Index step or the index library.
    /// </summary>
    /// <param name="path">Target file; written atomically.</param>
    public void Save(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ModelFile.Save(path, Model, Training.ToUserItemMatrix(), new Dictionary<string, object?>
        {
            ["source"] = "ml.TwoTower()", ["user_id_column"] = UserIdColumn, ["item_id_column"] = ItemIdColumn, ["fit_seconds"] = FitSeconds,
        });
    }

    // Without the training items, exclude-seen would silently return the items the user has already seen.
    internal void CheckKnowsSeenItems()
    {
        if (!KnowsSeenItems)
            throw new InvalidOperationException("exclude-seen needs the users' training items, and this model file was saved without them " +
                "(ModelFile.Save without seen): save it with seen: training.Train.ToUserItemMatrix(), or recommend with excludeSeen: false.");
    }

    /// <summary>
    /// Loads a model saved by <see cref="Save"/> or <c>twotower train</c> (a vector model), with its seen items when stored
    /// (<see cref="KnowsSeenItems"/> is false when they are not).
    /// </summary>
    /// <param name="path">Model file.</param>
    /// <param name="userIdColumn">User id column name to record (used by a following Recommend step's defaults).</param>
    /// <param name="itemIdColumn">Item id column name to record.</param>
    /// <exception cref="InvalidDataException">The file holds a model without user and item vectors.</exception>
    public static FittedRecommender Load(string path, string userIdColumn = "UserId", string itemIdColumn = "ItemId")
    {
        var loaded = ModelFile.Load(path);
        if (loaded.Model is not IEmbeddingRecommender model)
            throw new InvalidDataException($"'{path}' holds a '{loaded.Model.ModelType}' model, which has no user and item vectors; expected twotower, ials or mf.");
        Interactions? training = null;
        if (loaded.Seen is { } seen)
        {
            var users = new int[seen.NonZeros];
            for (var u = 0; u < seen.Rows; u++)
                users.AsSpan(seen.RowPointers[u], seen.RowLength(u)).Fill(u);
            training = new Interactions(model.Users, model.Items, users, seen.ColumnIndices.ToArray(), seen.Values.ToArray(), new long[seen.NonZeros]);
        }
        return Checked(model, training, userIdColumn, itemIdColumn, knowsSeenItems: loaded.Seen is not null);
    }
}
