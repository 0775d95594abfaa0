using TwoTower.MLNet.ColdStart;
using TwoTower.MLNet.Data;
using TwoTower.MLNet.Index;
using TwoTower.MLNet.Models;
using TwoTower.MLNet.Models.Baselines;
using TwoTower.MLNet.Persistence;
using TwoTower.MLNet.Retrieval.Candidates;
using TwoTower.MLNet.Retrieval.Catalog;
using TwoTower.MLNet.Retrieval.Updates;
using TwoTower.MLNet.Rules;
using TwoTower.MLNet.Training;

namespace TwoTower.MLNet.Retrieval.Engine;

/// <summary>
/// The recommender an application calls: a live catalogue and vector index built from a model file, multi-source
/// candidates, business rules, cold start for new users and items, and durable live updates. Reads are lock-free
/// and thread-safe; writes are serialised, logged and flushed before they return.
/// </summary>
public sealed class RetrievalEngine : IDisposable
{
    private readonly object _write = new();
    private readonly IVectorIndex? _index;
    private readonly AnnCandidateSource? _ann;
    private readonly UpdateLog? _log;
    private readonly HashSet<string> _changedItems = new(StringComparer.Ordinal);
    private readonly RetrievalEngineOptions _options;
    private readonly bool _blendsPopularity;
    private readonly float[]? _interactionCounts; // null when the model file kept no training history to count
    private int _snapshotDue; // log records after which MaybeSnapshot writes a snapshot
    private string _unembeddable = ""; // why NewItems is null, for PutItem's error
    private bool _disposed; // read and written under _write
    private bool _indexTombstoned; // an applied write left a tombstone in the index since the last check; under _write
    private Task? _compaction; // the background index compaction while one runs; set and cleared under _write
    private readonly CancellationTokenSource _stopCompaction = new();
    private int _indexCompactionFailures; // read through IndexCompactionFailures
    private readonly object _disposeGate = new(); // held for the whole of Dispose; never taken under _write

    private RetrievalEngine(IRecommender model, ItemCatalog catalog, UserHistoryStore histories, UserMetadata? users, IVectorIndex? index,
        AnnCandidateSource? ann, CandidateGenerator generator, PopularityTable popularity, float[]? interactionCounts, INewItemEmbedder? newItems, RetrievalEngineOptions options, UpdateLog? log)
    {
        Model = model;
        Catalog = catalog;
        Histories = histories;
        UserMetadata = users;
        _index = index;
        _ann = ann;
        Generator = generator;
        Popularity = popularity;
        NewItems = newItems;
        _options = options;
        _log = log;
        _blendsPopularity = generator.SourceNames.Contains(options.ColdStart.PopularitySource);
        _interactionCounts = interactionCounts;
        _snapshotDue = options.SnapshotEvery;
    }

    /// <summary>The model.</summary>
    public IRecommender Model { get; }

    /// <summary>The live catalogue.</summary>
    public ItemCatalog Catalog { get; }

    /// <summary>User histories (training + live).</summary>
    public UserHistoryStore Histories { get; }

    /// <summary>User features for cold start, when given.</summary>
    public UserMetadata? UserMetadata { get; }

    /// <summary>The candidate generator.</summary>
    public CandidateGenerator Generator { get; }

    /// <summary>Popularity overall and per user group.</summary>
    public PopularityTable Popularity { get; }

    /// <summary>
    /// Vectors for new items sent without one: the two-tower model's item tower when it has one with features, else a
    /// content projection fitted on the warm items' vectors (null without item metadata or an embedding model, or when no item
    /// has <see cref="RetrievalEngineOptions.ProjectionMinInteractions"/> training interactions).
    /// </summary>
    public INewItemEmbedder? NewItems { get; }

    /// <summary>How users unknown to the model get a vector for the ANN source (null for models without vectors).</summary>
    public INewUserEmbedder? NewUsers => _ann?.NewUsers;

    /// <summary>The vector index (null for models without item vectors).</summary>
    public IVectorIndex? Index => _index;

    /// <summary>The ANN source ("twotower" or "mf"), or null for models without item vectors.</summary>
    public AnnCandidateSource? AnnSource => _ann;

    /// <summary>The options the engine was built with.</summary>
    public RetrievalEngineOptions Options => _options;

    /// <summary>Records replayed from the update log at start-up.</summary>
    public int RecoveredUpdates { get; private set; }

    /// <summary>
    /// Index compactions that failed since the engine started (see <see cref="RetrievalEngineOptions.CompactIndexAtRemovedShare"/>).
    /// A failed compaction leaves the index as it was and the next write that leaves a tombstone tries again, so nothing else
    /// shows one that keeps failing; <see cref="LastIndexCompactionError"/> says why.
    /// </summary>
    public int IndexCompactionFailures => Volatile.Read(ref _indexCompactionFailures);

    /// <summary>The error of the latest failed index compaction, or null when none failed.</summary>
    public Exception? LastIndexCompactionError { get; private set; }

    /// <summary>
    /// Builds the engine from a loaded model file. <paramref name="itemNeighbours"/> overrides the "because you watched"
    /// neighbour lists (else the model's own for item-item models, else trained from the model file's seen items).
    /// With a state folder, acknowledged live updates are replayed.
    /// </summary>
    public static RetrievalEngine Create(LoadedModel loaded, ItemMetadata? items = null, UserMetadata? users = null, RetrievalEngineOptions? options = null, SparseMatrix? itemNeighbours = null)
    {
        ArgumentNullException.ThrowIfNull(loaded);
        options ??= new RetrievalEngineOptions();
        options.Validate();
        var model = loaded.Model;
        var embedding = model as IEmbeddingRecommender;
        var dim = embedding?.Dimension ?? 0;
        var catalog = ItemCatalog.FromModel(model.Items, items, dim, embedding is null ? ReadOnlySpan<float>.Empty : embedding.ItemVectors.Span);
        var histories = new UserHistoryStore(model.Users, loaded.Seen);

        // Popularity: from the training history when saved, else the popularity model's own counts.
        PopularityTable popularity;
        var counted = loaded.Seen is not null || model is PopularityRecommender;
        if (loaded.Seen is { } seen)
        {
            var userKeys = new int[seen.NonZeros];
            for (var u = 0; u < seen.Rows; u++) userKeys.AsSpan(seen.RowPointers[u], seen.RowLength(u)).Fill(u);
            popularity = PopularityTable.Build(model.Items.Count, userKeys, seen.ColumnIndices, model.Users, users, users is null ? UserGrouping.None : options.Grouping);
        }
        else
        {
            popularity = PopularityTable.FromCounts(model is PopularityRecommender p ? p.Counts.ToArray() : new float[model.Items.Count]);
        }

        var sources = new List<ICandidateSource> { new PopularityCandidateSource(popularity, itemCount: () => catalog.KeyCount) };
        var neighbours = itemNeighbours ?? (model as ItemItemRecommender)?.Neighbours ?? TrainNeighbours(model, loaded.Seen, options.ItemNeighbors);
        if (neighbours is not null) sources.Add(new ItemItemCandidateSource(neighbours));

        IVectorIndex? index = null;
        AnnCandidateSource? ann = null;
        INewItemEmbedder? newItems = null;
        var unembeddable = "no item tower and no item metadata were given";
        UpdateLog? log = null;
        // Whatever fails from here on, the index (e.g. a PostgreSQL connection) and the state folder's lock are let go:
        // a caller that fixes the cause and retries in the same process finds the folder free.
        try
        {
            if (embedding is not null)
            {
                index = options.CreateIndex?.Invoke(dim) ?? IndexFactory.Create(options.IndexSpec, dim, VectorMetric.InnerProduct, options.DeterministicIndex ? 1 : 0);
                if (index.Dimension != dim || index.Metric != VectorMetric.InnerProduct || index.Count != 0)
                {
                    var (d, metric, count) = (index.Dimension, index.Metric, index.Count);
                    throw new ArgumentException($"The item index from CreateIndex has dimension {d}, metric {metric} and {count} vectors; " +
                        $"the engine needs an empty inner-product index of dimension {dim} (it adds the model's item vectors itself).", nameof(options));
                }
                var vectors = embedding.ItemVectors.Span;
                if (!index.IsTrained) index.Train(vectors);
                var ids = new long[model.Items.Count];
                for (var i = 0; i < ids.Length; i++) ids[i] = i;
                index.Add(ids, vectors);
                var name = model.ModelType == TwoTowerModel.TwoTowerRecommender.TypeName ? "twotower" : "mf";
                ann = new AnnCandidateSource(name, embedding, index, catalog, new SearchOptions { EfSearch = options.EfSearch }, NewUserEmbedders.Create(embedding, catalog, options.NewUserFoldIn, options.SoftmaxFoldIn));
                sources.Add(ann);
                if (model is TwoTowerModel.TwoTowerRecommender tt && ItemTowerEmbedder.CanEmbed(tt))
                    newItems = new ItemTowerEmbedder(tt);
                else if (items is not null)
                {
                    var records = Enumerable.Range(0, model.Items.Count).Select(k => catalog.Get(k)!.Record).ToArray();
                    var counts = popularity.Overall.Counts;
                    var min = loaded.Seen is null ? 0 : options.ProjectionMinInteractions;
                    // No item with enough interactions leaves the engine without a content projection, not without a start.
                    if (counts.Any(c => c >= min)) newItems = ContentItemProjector.Fit(records, vectors, dim, catalog.Genres, k => counts[k] >= min);
                    else unembeddable = $"no item has RetrievalEngineOptions.ProjectionMinInteractions = {min} training interactions to fit the content projection on";
                }
            }

            // A misspelt name would turn the cold-start blend off without a word: new users would get no popularity fallback.
            var popularitySource = options.ColdStart.PopularitySource;
            if (!sources.Any(s => s.Name == popularitySource))
                throw new ArgumentException($"ColdStartOptions.PopularitySource '{popularitySource}' is not a candidate source of this engine; expected one of: " +
                    $"{string.Join(", ", sources.Select(s => s.Name).Order(StringComparer.Ordinal))}.", nameof(options));
            // Without counts every item's popularity is 0 and the ranking is the key order: by default it proposes nothing then,
            // unless no source of the model's vectors can serve a user without history (the cold-start vector does).
            var planned = sources.Where(s => counted || ann is null || s is not PopularityCandidateSource).Select(s => s.Name);
            var generatorOptions = options.Generator ?? DefaultGeneratorOptions(planned);
            var generator = new CandidateGenerator(sources, generatorOptions);
            IReadOnlyList<UpdateRecord> recovered = Array.Empty<UpdateRecord>();
            if (options.StateDirectory is { } dir) log = UpdateLog.Open(dir, out recovered);
            var engine = new RetrievalEngine(model, catalog, histories, users, index, ann, generator, popularity,
                counted ? popularity.Overall.Counts : null, newItems, options, log) { _unembeddable = unembeddable };
            try
            {
                foreach (var r in recovered)
                {
                    engine.Apply(r);
                    // In line during the replay: nobody is served yet, and a long log of replaces must not grow the index unbounded.
                    if (engine.TakeCompactionDue()) engine.TryCompactIndex(CancellationToken.None);
                }
            }
            catch (ArgumentException ex)
            {
                throw new InvalidDataException($"State folder '{options.StateDirectory}' does not fit this model: {ex.MessageWithoutParameter()} " +
                    "Its updates were written for another model (another vector dimension or catalogue); give each model its own state folder.", ex);
            }
            // The genre vocabulary opening a snapshot is no update of its own.
            engine.RecoveredUpdates = recovered.Count(r => r.Op != UpdateRecord.GenreVocabulary);
            return engine;
        }
        catch
        {
            log?.Dispose();
            index?.Dispose();
            throw;
        }
    }

    /// <summary>The largest item vector norm <see cref="PutItem(ItemRecord, float[])"/> accepts: scores stay far from float overflow.</summary>
    public const double MaxItemVectorNorm = 1e6;

    /// <summary>The default plan over the available sources: ANN 100, itemknn 50, popularity 20 at weight 0.3, MinMax.</summary>
    public static CandidateGeneratorOptions DefaultGeneratorOptions(IEnumerable<string> available)
    {
        var names = available.ToHashSet(StringComparer.Ordinal);
        var plan = new List<SourceQuota>();
        foreach (var ann in new[] { "twotower", "mf" })
            if (names.Contains(ann)) plan.Add(new SourceQuota(ann, 100));
        if (names.Contains("itemknn")) plan.Add(new SourceQuota("itemknn", 50));
        if (names.Contains("popularity")) plan.Add(new SourceQuota("popularity", 20, 0.3f));
        return new CandidateGeneratorOptions { Sources = plan };
    }

    /// <summary>Recommends items; an unknown user gets the cold-start answer.</summary>
    /// <exception cref="ArgumentOutOfRangeException">k is below 1.</exception>
    /// <exception cref="InvalidRetrievalRequestException">A value of the request is refused: an unknown genre or history item, a filter that cannot hold, a negative age.</exception>
    /// <exception cref="RetrievalConflictException">The request needs what this engine lacks: a minInteractions filter without the training history's counts.</exception>
    public RecommendResult Recommend(RecommendRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.K < 1) throw new ArgumentOutOfRangeException(nameof(request), request.K, "k must be ≥ 1.");
        var userId = request.UserId;
        var userKey = userId is null ? -1 : Histories.UserKey(userId);
        var history = userId is null ? Array.Empty<int>() : Histories.History(userId);
        if (request.History is { Count: > 0 } extra)
        {
            history = history.Concat(CatalogKeys(extra, "history", nameof(request))).Distinct().Order().ToArray();
        }
        if (request.Features is { Age: < 0 } bad)
            throw new InvalidRetrievalRequestException($"features.age = {bad.Age} must be ≥ 0.", nameof(request));
        var features = request.Features ?? (userId is not null && UserMetadata is not null && UserMetadata.TryGet(userId, out var rec) ? rec : null);
        var rules = request.Filters?.Build(Catalog, _interactionCounts) ?? RuleSet.Empty;
        // A user the model knows but never trained on (e.g. listed only in user metadata) has an untrained vector: fold in instead.
        var modelKey = userKey >= 0 && Histories.TrainedInteractions(userKey) == 0 ? -1 : userKey;
        var query = new CandidateQuery(modelKey, history, rules.KeyFilter(Catalog), request.ExcludeSeen, features);
        // A trained user whose training history the model file did not keep counts as trained, not as a user without items.
        var interactions = modelKey >= 0 ? Math.Max(history.Length, Histories.TrainedInteractions(modelKey)) : history.Length;
        var blend = _blendsPopularity
            ? _options.ColdStart.BlendFor(interactions, Generator.Options.Sources)
            : null;
        // No answer holds more than the live catalogue: asking the sources for more would only allocate.
        var k = Math.Min(request.K, Math.Max(1, Catalog.LiveCount));
        // First the sources' configured quotas: each list is normalised over its own length, so lists stretched to k would
        // rescale every score and a larger k would reorder the first items (page 1 of k = 10 ≠ the top 10 of k = 50).
        var merged = Generator.Generate(query, blend);
        var final = rules.Finish(merged, Catalog, k);
        // A k beyond what the per-genre cap can hold does not send every request through the whole catalogue.
        var fillable = rules.Fillable(k, Catalog);
        // Too few: every source is asked for at least k, so that one alone (popularity for a new user) can fill the answer.
        var asked = k;
        if (final.Count < fillable && Generator.Options.Sources.Any(s => s.Quota < k))
        {
            merged = Generator.Generate(query, blend, asked);
            final = rules.Finish(merged, Catalog, k);
        }
        // The per-genre cap skips candidates: ask the sources for more until k fit or they have nothing more to give.
        while (rules.MaxPerGenre is not null && final.Count < fillable && asked < Catalog.LiveCount)
        {
            asked = (int)Math.Min(4L * asked, Catalog.LiveCount);
            var more = Generator.Generate(query, blend, asked);
            if (more.Count <= merged.Count) break;
            merged = more;
            final = rules.Finish(merged, Catalog, k);
        }
        var items = final.Select(c => new RecommendedItem(Catalog.Get(c.ItemKey)!, c.Score, c.Sources)).ToArray();
        return new RecommendResult(items, userKey >= 0, blend is not null, history.Length);
    }

    /// <summary>
    /// Items whose vectors are closest to the item's (inner product), live and allowed by <paramref name="rules"/>. Boosts
    /// and a per-genre cap act as in <see cref="Recommend"/>: on the nearest neighbours (at least 4·k of them, more while
    /// the cap leaves fewer than k), re-ranked by score plus boosts.
    /// </summary>
    /// <param name="itemId">Raw id of a live item.</param>
    /// <param name="k">Items wanted (≥ 1); fewer come back when the rules or the catalogue leave fewer.</param>
    /// <param name="rules">Filters, boosts and a per-genre cap, or null for none.</param>
    /// <exception cref="ArgumentOutOfRangeException">k is below 1.</exception>
    /// <exception cref="UnknownItemException">No live item has this id (a <see cref="KeyNotFoundException"/>).</exception>
    /// <exception cref="RetrievalConflictException">The model has no item vectors.</exception>
    public IReadOnlyList<RecommendedItem> Similar(string itemId, int k, RuleSet? rules = null)
    {
        ArgumentNullException.ThrowIfNull(itemId);
        if (k < 1) throw new ArgumentOutOfRangeException(nameof(k), k, "k must be ≥ 1.");
        if (_index is null) throw new RetrievalConflictException($"Model type '{Model.ModelType}' has no item vectors, so similar items cannot be searched.");
        var item = Catalog.GetLive(itemId) ?? throw new UnknownItemException($"Unknown item id '{itemId}'.");
        rules ??= RuleSet.Empty;
        var self = item.Key;
        var search = new SearchOptions { EfSearch = _options.EfSearch, Filter = id => id != self && rules.Allows(Catalog.Get((int)id)) };
        string[] sources = ["similar"];
        var reranked = rules.Boosts.Count > 0 || rules.MaxPerGenre is not null;
        // No answer holds more than the live catalogue (as in Recommend): a larger k only made the search allocate, and 4·k wrapped around int.
        k = Math.Min(k, Math.Max(1, Catalog.LiveCount));
        var fillable = rules.Fillable(k, Catalog);
        // A boost can lift a farther neighbour past nearer ones, and a cap skips some: both choose from a wider pool.
        for (var pool = reranked ? (int)Math.Min(4L * k, int.MaxValue) : k; ; pool = (int)Math.Min(2L * pool, int.MaxValue))
        {
            var hits = _index.Search(item.Vector!, pool, search);
            var ids = hits.IdsOf(0);
            var scores = hits.ScoresOf(0);
            var found = new List<MergedCandidate>(ids.Length);
            for (var i = 0; i < ids.Length; i++)
                if (ids[i] >= 0 && Catalog.Get((int)ids[i]) is { Live: true }) found.Add(new MergedCandidate((int)ids[i], scores[i], sources));
            var final = reranked ? rules.Finish(found, Catalog, k) : found;
            // Done when k are chosen (or all the cap can hold, as in Recommend) or the search has nothing more to give.
            if (final.Count >= fillable || found.Count < pool || pool >= Catalog.LiveCount)
                return final.Select(c => new RecommendedItem(Catalog.Get(c.ItemKey)!, c.Score, c.Sources)).ToArray();
        }
    }

    /// <summary>
    /// Adds or replaces an item. Without a vector, an embedding model's item gets one from its content (<see cref="NewItems"/>).
    /// Returns the stored item once the change is durable and visible.
    /// </summary>
    /// <exception cref="InvalidRetrievalRequestException">The vector does not fit the model (a model without vectors, another length, a value that is not finite, a norm past <see cref="MaxItemVectorNorm"/>) or the item brings more genres than the catalogue holds.</exception>
    /// <exception cref="RetrievalConflictException">No vector was given and the engine cannot embed the item from its content.</exception>
    public CatalogItem PutItem(ItemRecord record, float[]? vector = null) => PutItem(record, vector, out _);

    /// <summary>
    /// <see cref="PutItem(ItemRecord, float[])"/>, also telling whether this call created the item (no live item had its id),
    /// decided under the write lock: of two concurrent puts of a new id exactly one creates it.
    /// </summary>
    public CatalogItem PutItem(ItemRecord record, float[]? vector, out bool created)
    {
        ArgumentNullException.ThrowIfNull(record);
        ArgumentException.ThrowIfNullOrWhiteSpace(record.Id, nameof(record));
        // A blank name would enter the genre vocabulary, which a snapshot writes and a restart refuses to read back.
        if (record.Genres.Any(string.IsNullOrWhiteSpace))
            throw new InvalidRetrievalRequestException($"Item '{record.Id}' has a blank genre name; name every genre or leave the blank one out.", nameof(record));
        LoggedText.ThrowIfUnpairedSurrogate(record.Id, "item id", nameof(record));
        LoggedText.ThrowIfUnpairedSurrogate(record.Title, $"Item '{record.Id}': title", nameof(record));
        foreach (var g in record.Genres) LoggedText.ThrowIfUnpairedSurrogate(g, $"Item '{record.Id}': genre", nameof(record));
        if (_index is null && vector is not null)
            throw new InvalidRetrievalRequestException($"Model type '{Model.ModelType}' has no item vectors; leave the vector out.", nameof(vector));
        if (_index is not null)
        {
            if (vector is null)
                vector = NewItems?.Embed(record) ?? throw new RetrievalConflictException($"This engine cannot embed new items from content ({_unembeddable}): send the item's vector.");
            else if (vector.Length != _index.Dimension)
                throw new InvalidRetrievalRequestException($"vector has {vector.Length} values; the model's dimension is {_index.Dimension}.", nameof(vector));
            double squares = 0;
            for (var j = 0; j < vector.Length; j++)
            {
                if (!float.IsFinite(vector[j])) throw new InvalidRetrievalRequestException($"vector[{j}] = {vector[j]} is not finite.", nameof(vector));
                squares += (double)vector[j] * vector[j];
            }
            // A vector far beyond any learned one would overflow the scores (dot products) of every user that meets it.
            if (Math.Sqrt(squares) > MaxItemVectorNorm)
                throw new InvalidRetrievalRequestException($"vector has norm {Math.Sqrt(squares):G3}; at most {MaxItemVectorNorm:G0} is accepted (learned item vectors have norms of order 1 to 100).", nameof(vector));
        }
        var update = new UpdateRecord { Op = UpdateRecord.PutItem, ItemId = record.Id, Title = record.Title, Genres = record.Genres.ToArray(), ReleaseDate = record.ReleaseDate, Vector = vector };
        CatalogItem item;
        lock (_write)
        {
            ThrowIfDisposed();
            CheckGenreRoom(record);
            (item, created) = ApplyItemUpdate(update, () => (ApplyPut(update, out var existed), !existed));
        }
        StartIndexCompactionIfDue();
        return item;
    }

    /// <summary>Removes an item; returns false when it is unknown or already removed.</summary>
    public bool RemoveItem(string itemId)
    {
        ArgumentNullException.ThrowIfNull(itemId);
        lock (_write)
        {
            ThrowIfDisposed();
            if (Catalog.GetLive(itemId) is null) return false;
            ApplyItemUpdate(new UpdateRecord { Op = UpdateRecord.RemoveItem, ItemId = itemId }, () =>
            {
                ApplyRemove(itemId);
                return true;
            });
        }
        StartIndexCompactionIfDue();
        return true;
    }

    /// <summary>
    /// The catalogue keys of a request's raw item ids. A null entry is named by its position in <paramref name="field"/> (as
    /// "history item ''" it read like an empty id the catalogue lacks).
    /// </summary>
    /// <exception cref="InvalidRetrievalRequestException">An id is null or not in the catalogue (parameter <paramref name="parameter"/>).</exception>
    private int[] CatalogKeys(IReadOnlyList<string> ids, string field, string parameter)
    {
        var keys = new int[ids.Count];
        for (var i = 0; i < ids.Count; i++)
        {
            if (ids[i] is not { } id) throw new InvalidRetrievalRequestException($"{field}[{i}] is null; expected item ids.", parameter);
            if (!Catalog.TryGetKey(id, out keys[i])) throw new InvalidRetrievalRequestException($"history item '{id}' is not in the catalogue.", parameter);
        }
        return keys;
    }

    /// <summary>Adds items (raw ids, which must be in the catalogue) to a user's history; returns the new history length.</summary>
    /// <exception cref="InvalidRetrievalRequestException">No items, or an id that is null or not in the catalogue.</exception>
    public int AppendHistory(string userId, IReadOnlyList<string> itemIds)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(userId);
        ArgumentNullException.ThrowIfNull(itemIds);
        if (itemIds.Count == 0) throw new InvalidRetrievalRequestException("items is empty; send at least one item id.", nameof(itemIds));
        LoggedText.ThrowIfUnpairedSurrogate(userId, "user id", nameof(userId));
        CatalogKeys(itemIds, "items", nameof(itemIds));
        lock (_write)
        {
            ThrowIfDisposed();
            _log?.Append(new UpdateRecord { Op = UpdateRecord.AppendHistory, UserId = userId, Items = itemIds.ToArray() });
            var n = ApplyHistory(userId, itemIds);
            MaybeSnapshot();
            return n;
        }
    }

    /// <summary>Writes a snapshot now (no-op without a state folder).</summary>
    public void Snapshot()
    {
        lock (_write)
        {
            ThrowIfDisposed();
            _log?.WriteSnapshot(NetState());
        }
    }

    /// <summary>
    /// Closes the update log and the index. A write in progress (e.g. a request that outlived a server's shutdown timeout)
    /// is finished first, logged and applied; later writes throw <see cref="ObjectDisposedException"/> and change nothing.
    /// A background index compaction is cancelled and waited for; a second call returns once the first has closed everything.
    /// </summary>
    public void Dispose()
    {
        // A second call waits for the first to finish closing: the host's stop hook and its service container both dispose.
        lock (_disposeGate)
        {
            Task? compaction;
            lock (_write)
            {
                if (_disposed) return;
                _disposed = true;
                compaction = _compaction;
            }
            _stopCompaction.Cancel();
            // Outside _write, which the compaction takes to end: the index is disposed only once the rebuild let go of it.
            compaction?.Wait();
            try
            {
                _log?.Dispose();
            }
            finally
            {
                // Closed even when closing the log fails: a memory-mapped index keeps its file mapped otherwise.
                _index?.Dispose();
                _stopCompaction.Dispose();
            }
        }
    }

    /// <summary>
    /// Returns once no background index compaction runs (see <see cref="RetrievalEngineOptions.CompactIndexAtRemovedShare"/>):
    /// e.g. before reading the index's tombstone count or timing searches after a bulk of removals.
    /// </summary>
    public void WaitForIndexCompaction()
    {
        while (true)
        {
            Task? compaction;
            lock (_write) compaction = _compaction;
            if (compaction is null) return;
            compaction.Wait();
        }
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_disposed, this);

    // An item and the catalogue's genre count as an update found them, for TakeBackFailedUpdate.
    private readonly record struct ItemBeforeUpdate(string ItemId, CatalogItem? Item, int Genres);

    // Under _write. Logged first, so that a crash between logging and applying replays the update; an apply that fails is
    // taken back out of the log (TakeBackFailedUpdate), so a restart does not bring back an update its caller was told failed.
    private T ApplyItemUpdate<T>(UpdateRecord update, Func<T> apply)
    {
        var id = update.ItemId!;
        var before = new ItemBeforeUpdate(id, Catalog.TryGetKey(id, out var key) ? Catalog.Get(key) : null, Catalog.Genres.Count);
        _log?.Append(update);
        T result;
        try
        {
            result = apply();
        }
        catch
        {
            TakeBackFailedUpdate(before);
            throw;
        }
        MaybeSnapshot();
        return result;
    }

    /// <summary>
    /// After a logged update failed to apply (the caller is told it failed), makes the log recover the item as the failure
    /// left it: the record is taken back when the catalogue is as before; when the failure left traces a replay must give
    /// alike (a new item keeps the key and genres it was given, dead), the item's present state is logged after it.
    /// </summary>
    private void TakeBackFailedUpdate(ItemBeforeUpdate before)
    {
        if (_log is null) return;
        var now = Catalog.TryGetKey(before.ItemId, out var key) ? Catalog.Get(key) : null;
        var unchanged = ReferenceEquals(before.Item, now) && Catalog.Genres.Count == before.Genres;
        try
        {
            if (unchanged) _log.RetractLast();
            else _log.Append(now is { Live: true } ? PutRecordOf(now) : new UpdateRecord { Op = UpdateRecord.RemoveItem, ItemId = before.ItemId });
        }
        catch (IOException)
        {
            // The disk failed as well; the caller gets the apply's failure. The failed update is still the last record (a
            // failed append is cut off): taking it back at least keeps it from returning, and should this cut fail too, the
            // log makes it before its next append or when it is disposed (a crash before either replays the failed update).
            if (!unchanged)
                try { _log.RetractLast(); } catch (IOException) { }
        }
    }

    private static UpdateRecord PutRecordOf(CatalogItem item) => new()
    {
        Op = UpdateRecord.PutItem, ItemId = item.Record.Id, Title = item.Record.Title, Genres = item.Record.Genres.ToArray(), ReleaseDate = item.Record.ReleaseDate, Vector = item.Vector,
    };

    private void CheckGenreRoom(ItemRecord record)
    {
        var known = Catalog.Genres;
        var added = record.Genres.Distinct(StringComparer.Ordinal).Count(g => !known.Contains(g));
        if (known.Count + added > ItemCatalog.MaxGenres)
            throw new InvalidRetrievalRequestException($"Item '{record.Id}' brings {added} new genres; the catalogue holds at most {ItemCatalog.MaxGenres} (has {known.Count}).", nameof(record));
    }

    private void Apply(UpdateRecord r)
    {
        switch (r.Op)
        {
            case UpdateRecord.PutItem when r.ItemId is not null: ApplyPut(r, out _); break;
            case UpdateRecord.RemoveItem when r.ItemId is not null: ApplyRemove(r.ItemId); break;
            case UpdateRecord.AppendHistory when r.UserId is not null && r.Items is not null: ApplyHistory(r.UserId, r.Items); break;
            case UpdateRecord.GenreVocabulary when r.Genres is not null: Catalog.AddGenres(r.Genres); break;
            default: throw new InvalidDataException($"Update record with op '{r.Op}' is incomplete or unknown (item '{r.ItemId}', user '{r.UserId}').");
        }
    }

    // existed: a live item had the id before this put (PutItem answers "created" from it).
    private CatalogItem ApplyPut(UpdateRecord r, out bool existed)
    {
        var record = new ItemRecord(r.ItemId!, r.Title, r.Genres ?? Array.Empty<string>(), r.ReleaseDate);
        var before = Catalog.TryGetKey(record.Id, out var oldKey) ? Catalog.Get(oldKey) : null;
        existed = before is { Live: true };
        // An unchanged vector (a catalogue re-sent, a title fixed) stays in the index: removing and re-adding it would leave
        // a tombstone each time and hide the item from searches running between the two steps.
        var sameVector = existed && before!.Vector is { } old && r.Vector is { } now && old.AsSpan().SequenceEqual(now);
        // The index before the catalogue: when its write fails (a shared index out of reach), the catalogue keeps the old
        // vector, so a retry of the put finds the vector changed and writes the index again instead of skipping it.
        if (_index is not null && existed && !sameVector)
        {
            // A new vector replaces the old one in one step: a Remove then an Add hid the item from searches between the two.
            try
            {
                _index.Replace(oldKey, r.Vector);
            }
            catch (KeyNotFoundException)
            {
                // A shared index (a pgvector table) lost the row outside this engine: the put stores it again, as Remove then Add did.
                _index.Add(new long[] { oldKey }, r.Vector);
            }
            _indexTombstoned = true;
        }
        var key = Catalog.Put(record, _index is null ? null : r.Vector);
        _changedItems.Add(record.Id);
        if (_index is not null && !existed)
        {
            try
            {
                _index.Add(new long[] { key }, r.Vector);
            }
            catch
            {
                // Not searchable, so not live: a retry of the put then adds it (it found the item live and left the index alone).
                Catalog.Remove(record.Id);
                throw;
            }
        }
        return Catalog.Get(key)!;
    }

    private void ApplyRemove(string id)
    {
        _changedItems.Add(id);
        if (!Catalog.TryGetKey(id, out var key) || !Catalog.IsLive(key)) return;
        // The index before the catalogue: when its Remove fails (a shared index out of reach), the item stays live and
        // indexed, and a retry finds it live and removes both. The other order left a row no search would serve, and no retry remove.
        var removedRow = _index is not null && _index.Remove(key);
        Catalog.Remove(id);
        if (removedRow) _indexTombstoned = true;
    }

    // Amortised: a rebuild after Θ(live) removals costs O(1) rebuilt vectors per update.
    private bool IndexCompactionDue()
    {
        var share = _options.CompactIndexAtRemovedShare;
        return _index is not null && share > 0 && _index.RemovedCount > share * _index.Count;
    }

    // Under _write (or before the engine is shared): whether a write left a tombstone and the index should compact now.
    private bool TakeCompactionDue()
    {
        if (!_indexTombstoned) return false;
        _indexTombstoned = false;
        return IndexCompactionDue();
    }

    /// <summary>
    /// After a write let go of _write: starts the background compaction when the write's tombstone passed the share and none
    /// runs. The write does not wait for the rebuild (seconds at 100k items), nor do other writes; searches read the old index
    /// meanwhile. Nothing of it is logged: the state folder holds items and vectors, which a restart indexes anew.
    /// </summary>
    private void StartIndexCompactionIfDue()
    {
        lock (_write)
        {
            // A running compaction checks the share again when it ends, under this lock: it takes in this write's tombstone.
            if (_disposed || _compaction is not null || !TakeCompactionDue()) return;
            _compaction = Task.Run(CompactIndexWhileDue);
        }
    }

    private void CompactIndexWhileDue()
    {
        while (true)
        {
            lock (_write)
            {
                // Ends under _write: a write either sees _compaction cleared and starts one, or its tombstone is checked here.
                _indexTombstoned = false;
                if (_disposed || !IndexCompactionDue())
                {
                    _compaction = null;
                    return;
                }
            }
            if (!TryCompactIndex(_stopCompaction.Token))
            {
                lock (_write) _compaction = null;
                return;
            }
        }
    }

    // A failed or cancelled compaction leaves the index as it was, and it serves as before; no request waits to be told, and
    // the next write that leaves a tombstone tries again (at start-up, a failure must not keep the server from starting).
    private bool TryCompactIndex(CancellationToken cancellationToken)
    {
        try
        {
            _index!.Compact(cancellationToken);
            return true;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return false;
        }
        catch (Exception ex)
        {
            // Counted and kept for operators (the service's /metrics): nothing else would show a compaction that keeps failing.
            LastIndexCompactionError = ex;
            Interlocked.Increment(ref _indexCompactionFailures);
            return false;
        }
    }

    private int ApplyHistory(string userId, IReadOnlyList<string> itemIds)
    {
        var keys = itemIds.Select(id => Catalog.TryGetKey(id, out var k) ? k : -1).Where(k => k >= 0);
        return Histories.Append(userId, keys).Length;
    }

    private void MaybeSnapshot()
    {
        if (_log is null || _log.RecordsSinceSnapshot < _snapshotDue) return;
        try
        {
            _log.WriteSnapshot(NetState());
            _snapshotDue = _options.SnapshotEvery;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // The update is logged and applied; a snapshot only shortens the log. Failing the request would tell the
            // client a done write failed, so a failed snapshot (a full disk) is retried after SnapshotEvery more records.
            _snapshotDue = _log.RecordsSinceSnapshot + _options.SnapshotEvery;
        }
    }

    private IEnumerable<UpdateRecord> NetState()
    {
        // Genre bits and item keys are given out in order of arrival: the snapshot replays that order, so a restart
        // serves the same genres (also those no item carries any more) and keys the new items alike (ties, index ids).
        var state = new List<UpdateRecord> { new() { Op = UpdateRecord.GenreVocabulary, Genres = Catalog.Genres } };
        var changed = _changedItems.Select(id => Catalog.TryGetKey(id, out var key) ? key : -1).Where(key => key >= 0).Order();
        foreach (var key in changed)
        {
            var item = Catalog.Get(key)!;
            var id = item.Record.Id;
            // An item added at run time and removed since must still exist on replay: histories may name it.
            if (item.Live || key >= Model.Items.Count)
                state.Add(PutRecordOf(item));
            if (!item.Live) state.Add(new UpdateRecord { Op = UpdateRecord.RemoveItem, ItemId = id });
        }
        foreach (var (user, keys) in Histories.LiveHistories.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            state.Add(new UpdateRecord { Op = UpdateRecord.AppendHistory, UserId = user, Items = keys.Select(k => Catalog.Get(k)!.Record.Id).ToArray() });
        return state;
    }

    private static SparseMatrix? TrainNeighbours(IRecommender model, SparseMatrix? seen, int neighbours)
    {
        if (seen is null || seen.NonZeros == 0) return null;
        var userKeys = new int[seen.NonZeros];
        for (var u = 0; u < seen.Rows; u++) userKeys.AsSpan(seen.RowPointers[u], seen.RowLength(u)).Fill(u);
        var interactions = new Interactions(model.Users, model.Items, userKeys, (int[])seen.ColumnIndices.Clone(), new float[userKeys.Length], new long[userKeys.Length]);
        var fitted = (ItemItemRecommender)new ItemItemTrainer(new ItemItemOptions { Neighbors = neighbours }).Fit(TrainingData.FromEncoded(interactions));
        return fitted.Neighbours;
    }
}
