using TwoTower.MLNet.Models;
using TwoTower.MLNet.Retrieval.Catalog;
using TwoTower.MLNet.TwoTowerModel;

namespace TwoTower.MLNet.ColdStart;

/// <summary>Picks the fold-in of new users for a model.</summary>
public static class NewUserEmbedders
{
    /// <summary>
    /// The fold-in <paramref name="mode"/> asks for: <see cref="NewUserFoldIn.Auto"/> is the softmax fold-in for two-tower
    /// models that support it (<see cref="SoftmaxFoldInUserEmbedder.CanFoldIn"/>), else the mean of the items' vectors.
    /// </summary>
    /// <exception cref="ArgumentException"><see cref="NewUserFoldIn.Softmax"/> for a model that does not support it.</exception>
    public static INewUserEmbedder Create(IEmbeddingRecommender model, ItemCatalog catalog, NewUserFoldIn mode = NewUserFoldIn.Auto, SoftmaxFoldInOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(catalog);
        if (mode == NewUserFoldIn.MeanOfItems) return new MeanOfItemsUserEmbedder(model, catalog);
        if (mode is not (NewUserFoldIn.Auto or NewUserFoldIn.Softmax))
            throw new ArgumentOutOfRangeException(nameof(mode), mode, "Expected Auto, MeanOfItems or Softmax.");
        if (model is TwoTowerRecommender tt && SoftmaxFoldInUserEmbedder.TryCreate(tt, catalog, options) is { } softmax) return softmax;
        if (mode == NewUserFoldIn.Softmax)
            throw new ArgumentException(
                $"NewUserFoldIn.Softmax needs a two-tower model with normalised vectors and a recorded temperature; this model is '{model.ModelType}'. Use Auto or MeanOfItems.", nameof(mode));
        return new MeanOfItemsUserEmbedder(model, catalog);
    }
}
