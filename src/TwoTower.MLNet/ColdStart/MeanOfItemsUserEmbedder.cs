using System.Numerics.Tensors;
using TwoTower.MLNet.Data;
using TwoTower.MLNet.MatrixFactorization;
using TwoTower.MLNet.Models;
using TwoTower.MLNet.Retrieval.Catalog;

namespace TwoTower.MLNet.ColdStart;

/// <summary>
/// A new user as the mean of the vectors of the items they interacted with: the fold-in for models whose user and item
/// vectors live in one space without a scoring objective to re-solve (matrix factorization, unnormalised towers).
/// Features are not used. With no usable item, the model's cold-start vector. For a rating MF model with biases, only the
/// factors are averaged: the bias columns of the user vector are set as for any user whose own bias is unknown (1 for the
/// item bias, the global mean for the rest), so the score is ȳ·y_j + b_j + μ.
/// </summary>
public sealed class MeanOfItemsUserEmbedder : INewUserEmbedder
{
    private readonly IEmbeddingRecommender _model;
    private readonly ItemCatalog _catalog;

    /// <summary>Folds users into <paramref name="model"/>'s space with the item vectors of <paramref name="catalog"/> (which sees live updates).</summary>
    public MeanOfItemsUserEmbedder(IEmbeddingRecommender model, ItemCatalog catalog)
    {
        _model = model ?? throw new ArgumentNullException(nameof(model));
        _catalog = catalog ?? throw new ArgumentNullException(nameof(catalog));
    }

    /// <inheritdoc />
    public string Method => "mean_of_items";

    /// <inheritdoc />
    public int Dimension => _model.Dimension;

    /// <inheritdoc />
    public void Embed(ReadOnlySpan<int> history, UserRecord? features, Span<float> vector)
    {
        if (vector.Length != Dimension) throw new ArgumentException($"vector has {vector.Length} values, expected {Dimension}.", nameof(vector));
        var used = Sum(_catalog, history, vector);
        if (used == 0) _model.EmbedUsers([-1], vector);
        else
        {
            TensorPrimitives.Multiply(vector, 1f / used, vector);
            // Item vectors end in [b_i, 1], which pair with a user's [1, μ + b_u]: their mean would weigh every item's bias
            // by the history's mean bias (negative: the worst-rated items first) and replace μ by 1.
            if (_model is MatrixFactorizationModel { HasBiases: true } mf)
            {
                vector[mf.Factors] = 1f;
                vector[mf.Factors + 1] = mf.GlobalMean;
            }
        }
    }

    /// <summary>Writes the sum of the history items' vectors (skipping items without one) and returns how many there were.</summary>
    internal static int Sum(ItemCatalog catalog, ReadOnlySpan<int> history, Span<float> vector)
    {
        vector.Clear();
        var used = 0;
        foreach (var key in history)
            if (catalog.Get(key)?.Vector is { } v && v.Length == vector.Length)
            {
                TensorPrimitives.Add(vector, v, vector);
                used++;
            }
        return used;
    }
}
