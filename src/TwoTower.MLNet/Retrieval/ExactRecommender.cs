using TwoTower.MLNet.ColdStart;
using TwoTower.MLNet.Data;
using TwoTower.MLNet.Evaluation;
using TwoTower.MLNet.Models;
using TwoTower.MLNet.Persistence;

namespace TwoTower.MLNet.Retrieval;

/// <summary>Top-k recommendations by scoring the whole catalogue exactly (the reference path; the index-backed path comes on top).</summary>
/// <remarks>Thread-safe: one instance serves concurrent calls (the models' <see cref="IRecommender.Score"/> is).</remarks>
public sealed class ExactRecommender
{
    private readonly IRecommender _model;
    private readonly SparseMatrix? _seen;
    private INewUserEmbedder? _newUsers; // built on first use: it copies the catalogue's vectors

    /// <summary>Creates the recommender; <paramref name="seen"/> (users × items) enables exclude-seen.</summary>
    public ExactRecommender(IRecommender model, SparseMatrix? seen = null)
    {
        _model = model ?? throw new ArgumentNullException(nameof(model));
        if (seen is not null && (seen.Rows != model.Users.Count || seen.Columns != model.Items.Count))
            throw new ArgumentException($"seen is {seen.Rows}×{seen.Columns}; the model has {model.Users.Count} users × {model.Items.Count} items (build it from the training data the model was fitted on).", nameof(seen));
        _seen = seen;
    }

    /// <summary>Creates the recommender of a loaded model file: its model and, when the file kept them, its seen items (for exclude-seen).</summary>
    public ExactRecommender(LoadedModel loaded)
        : this((loaded ?? throw new ArgumentNullException(nameof(loaded))).Model, loaded.Seen)
    {
    }

    /// <summary>Whether seen items are known.</summary>
    public bool KnowsSeenItems => _seen is not null;

    /// <summary>
    /// Recommends up to <paramref name="k"/> items for a raw user id. An unknown user gets the model's
    /// cold-start answer. With <paramref name="excludeSeen"/>, the user's training items are left out.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="k"/> is below 1 (a k past the catalogue lists every item).</exception>
    /// <exception cref="InvalidOperationException"><paramref name="excludeSeen"/> without a seen matrix (<see cref="KnowsSeenItems"/> is false).</exception>
    public IReadOnlyList<Recommendation> Recommend(string userId, int k, bool excludeSeen)
    {
        ArgumentNullException.ThrowIfNull(userId);
        if (k < 1) throw new ArgumentOutOfRangeException(nameof(k), k, "k must be ≥ 1.");
        if (excludeSeen && _seen is null)
            throw new InvalidOperationException(ModelFile.MissingSeenMessage);
        var key = _model.Users.TryGetKey(userId, out var u) ? u : -1;
        var scores = new float[_model.Items.Count];
        _model.Score(new[] { key }, scores);
        if (excludeSeen && key >= 0)
            foreach (var i in _seen!.RowIndices(key)) scores[i] = float.NegativeInfinity;
        return Top(scores, k);
    }

    /// <summary>
    /// Recommends up to <paramref name="k"/> items for a user the model never saw, from the items they interacted with:
    /// the user is folded in (<see cref="NewUserEmbedders"/>: the softmax fold-in for two-tower models, else the mean of
    /// the items' vectors) and every item is scored against that vector. With <paramref name="excludeHistory"/> the
    /// history items are left out.
    /// </summary>
    /// <exception cref="InvalidOperationException">The model has no user and item vectors.</exception>
    /// <exception cref="ArgumentException">A history item is not in the model's catalogue (the message names it).</exception>
    public IReadOnlyList<Recommendation> RecommendForHistory(IReadOnlyList<string> history, int k, bool excludeHistory = true, UserRecord? features = null)
    {
        ArgumentNullException.ThrowIfNull(history);
        if (k < 1) throw new ArgumentOutOfRangeException(nameof(k), k, "k must be ≥ 1.");
        if (_model is not IEmbeddingRecommender embedding)
            throw new InvalidOperationException($"A '{_model.ModelType}' model has no user and item vectors, so a new user cannot be folded in from a history.");
        var keys = new SortedSet<int>();
        foreach (var id in history)
            keys.Add(id is not null && _model.Items.TryGetKey(id, out var key) ? key : throw new ArgumentException($"history item '{id}' is not in the model's catalogue.", nameof(history)));
        var d = embedding.Dimension;
        var newUsers = LazyInitializer.EnsureInitialized(ref _newUsers, () => NewUserEmbedders.Create(embedding, Catalog.ItemCatalog.FromModel(_model.Items, null, d, embedding.ItemVectors.Span)));
        var user = new float[d];
        newUsers.Embed(keys.ToArray(), features, user);
        var scores = new float[_model.Items.Count];
        Index.Kernels.Gemm.MultiplyTransposedB(user, embedding.ItemVectors.Span, scores, 1, scores.Length, d);
        if (excludeHistory)
            foreach (var key in keys) scores[key] = float.NegativeInfinity;
        return Top(scores, k);
    }

    private IReadOnlyList<Recommendation> Top(float[] scores, int k)
    {
        var top = new int[Math.Min(k, scores.Length)];
        if (top.Length == 0) return Array.Empty<Recommendation>();
        var n = ScoreRanking.TopK(scores, top.Length, top);
        return top.Take(n).Select(i => new Recommendation(i, _model.Items.GetRawId(i), scores[i])).ToArray();
    }
}
