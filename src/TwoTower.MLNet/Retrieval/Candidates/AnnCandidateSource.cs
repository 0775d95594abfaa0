using TwoTower.MLNet.Index;
using TwoTower.MLNet.Models;
using TwoTower.MLNet.Retrieval.Catalog;

namespace TwoTower.MLNet.Retrieval.Candidates;

/// <summary>
/// Candidates from a vector index over a model's item vectors (two-tower or MF): the user's vector searched with the
/// query's filter pushed into the index (filtered HNSW), so rules and exclude-seen cost no extra recall.
/// A user unknown to the model but with history gets the mean of its items' vectors (fold-in); with neither, the model's cold-start vector.
/// </summary>
public sealed class AnnCandidateSource : ICandidateSource
{
    [ThreadStatic] private static float[]? t_vector;

    private readonly IEmbeddingRecommender _model;
    private readonly IVectorIndex _index;
    private readonly ItemCatalog _catalog;
    private readonly SearchOptions _options;

    /// <summary>Creates the source; the index holds the catalogue's vectors under their item keys.</summary>
    public AnnCandidateSource(string name, IEmbeddingRecommender model, IVectorIndex index, ItemCatalog catalog, SearchOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        _model = model ?? throw new ArgumentNullException(nameof(model));
        _index = index ?? throw new ArgumentNullException(nameof(index));
        _catalog = catalog ?? throw new ArgumentNullException(nameof(catalog));
        if (index.Dimension != model.Dimension)
            throw new ArgumentException($"index dimension {index.Dimension} differs from the model's {model.Dimension}.", nameof(index));
        Name = name;
        _options = options ?? SearchOptions.Default;
    }

    /// <inheritdoc/>
    public string Name { get; }

    /// <summary>Writes the query's user vector into <paramref name="vector"/> (length = model dimension).</summary>
    public void UserVector(CandidateQuery query, Span<float> vector)
    {
        var d = _model.Dimension;
        if (vector.Length != d) throw new ArgumentException($"vector has {vector.Length} values, expected {d}.", nameof(vector));
        if (query.UserKey >= 0 || query.History.Length == 0)
        {
            _model.EmbedUsers(new[] { query.UserKey }, vector);
            return;
        }
        vector.Clear();
        var used = 0;
        foreach (var key in query.History)
            if (_catalog.Get(key)?.Vector is { } v)
            {
                System.Numerics.Tensors.TensorPrimitives.Add(vector, v, vector);
                used++;
            }
        if (used == 0) _model.EmbedUsers(new[] { -1 }, vector);
        else System.Numerics.Tensors.TensorPrimitives.Multiply(vector, 1f / used, vector);
    }

    /// <inheritdoc/>
    public void Generate(CandidateQuery query, int quota, List<Candidate> output)
    {
        ArgumentNullException.ThrowIfNull(query);
        if (quota < 1) throw new ArgumentOutOfRangeException(nameof(quota), quota, "quota must be ≥ 1.");
        var v = t_vector is { } tv && tv.Length == _model.Dimension ? tv : t_vector = new float[_model.Dimension];
        UserVector(query, v);
        var options = _options with { Filter = id => id <= int.MaxValue && query.Allows((int)id) };
        var hits = _index.Search(v, quota, options);
        var ids = hits.IdsOf(0);
        var scores = hits.ScoresOf(0);
        for (var i = 0; i < ids.Length; i++)
            if (ids[i] >= 0) output.Add(new Candidate((int)ids[i], scores[i]));
    }
}
