using TwoTower.MLNet.ColdStart;
using TwoTower.MLNet.Index;
using TwoTower.MLNet.Models;
using TwoTower.MLNet.Retrieval.Catalog;

namespace TwoTower.MLNet.Retrieval.Candidates;

/// <summary>
/// Candidates from a vector index over a model's item vectors (two-tower or MF): the user's vector searched with the
/// query's filter pushed into the index (filtered HNSW), so rules and exclude-seen cost no extra recall.
/// A user unknown to the model is folded in by <see cref="NewUsers"/> from the query's history and features.
/// </summary>
public sealed class AnnCandidateSource : ICandidateSource
{
    [ThreadStatic] private static float[]? t_vector;

    private readonly IEmbeddingRecommender _model;
    private readonly IVectorIndex _index;
    private readonly SearchOptions _options;
    private readonly ItemCatalog _catalog;

    /// <summary>Creates the source; the index holds the catalogue's vectors under their item keys.</summary>
    /// <param name="name">Source name in merged candidates.</param>
    /// <param name="model">The model whose user vectors query the index.</param>
    /// <param name="index">The item vectors, under catalogue keys.</param>
    /// <param name="catalog">The catalogue (live items and their vectors).</param>
    /// <param name="options">Search options (efSearch, nProbe); the filter is the query's.</param>
    /// <param name="newUsers">Fold-in of users unknown to the model; default the mean of their items' vectors.</param>
    public AnnCandidateSource(string name, IEmbeddingRecommender model, IVectorIndex index, ItemCatalog catalog, SearchOptions? options = null, INewUserEmbedder? newUsers = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        _model = model ?? throw new ArgumentNullException(nameof(model));
        _index = index ?? throw new ArgumentNullException(nameof(index));
        _catalog = catalog ?? throw new ArgumentNullException(nameof(catalog));
        if (index.Dimension != model.Dimension)
            throw new ArgumentException($"index dimension {index.Dimension} differs from the model's {model.Dimension}.", nameof(index));
        Name = name;
        _options = options ?? SearchOptions.Default;
        NewUsers = newUsers ?? new MeanOfItemsUserEmbedder(model, catalog);
        if (NewUsers.Dimension != model.Dimension)
            throw new ArgumentException($"newUsers embeds into {NewUsers.Dimension} dimensions; the model has {model.Dimension}.", nameof(newUsers));
    }

    /// <summary>How users unknown to the model get a vector.</summary>
    public INewUserEmbedder NewUsers { get; }

    /// <inheritdoc/>
    public string Name { get; }

    /// <summary>Writes the query's user vector into <paramref name="vector"/> (length = model dimension).</summary>
    public void UserVector(CandidateQuery query, Span<float> vector)
    {
        var d = _model.Dimension;
        if (vector.Length != d) throw new ArgumentException($"vector has {vector.Length} values, expected {d}.", nameof(vector));
        if (query.UserKey >= 0) _model.EmbedUsers([query.UserKey], vector);
        else NewUsers.Embed(query.History, query.UserFeatures, vector);
    }

    /// <inheritdoc/>
    public void Generate(CandidateQuery query, int quota, List<Candidate> output)
    {
        ArgumentNullException.ThrowIfNull(query);
        if (quota < 1) throw new ArgumentOutOfRangeException(nameof(quota), quota, "quota must be ≥ 1.");
        var v = t_vector is { } tv && tv.Length == _model.Dimension ? tv : t_vector = new float[_model.Dimension];
        UserVector(query, v);
        var options = _options with { Filter = id => id <= int.MaxValue && query.Allows((int)id) };
        // The index holds at most one vector per catalogue key: a larger quota ("as many as there are") must not size the search.
        var k = Math.Min(quota, _catalog.KeyCount);
        if (k == 0) return;
        var hits = _index.Search(v, k, options);
        var ids = hits.IdsOf(0);
        var scores = hits.ScoresOf(0);
        for (var i = 0; i < ids.Length; i++)
            if (ids[i] >= 0) output.Add(new Candidate((int)ids[i], scores[i]));
    }
}
