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
        var softmax = model is TwoTowerRecommender tt && SoftmaxFoldInUserEmbedder.CanFoldIn(tt) ? tt : null;
        return mode switch
        {
            NewUserFoldIn.MeanOfItems => new MeanOfItemsUserEmbedder(model, catalog),
            NewUserFoldIn.Softmax when softmax is null => throw new ArgumentException(
                $"NewUserFoldIn.Softmax needs a two-tower model with normalised vectors and a recorded temperature; this model is '{model.ModelType}'. Use Auto or MeanOfItems.", nameof(mode)),
            NewUserFoldIn.Auto or NewUserFoldIn.Softmax when softmax is not null => new SoftmaxFoldInUserEmbedder(softmax, catalog, options),
            NewUserFoldIn.Auto => new MeanOfItemsUserEmbedder(model, catalog),
            _ => throw new ArgumentOutOfRangeException(nameof(mode), mode, "Expected Auto, MeanOfItems or Softmax."),
        };
    }
}
