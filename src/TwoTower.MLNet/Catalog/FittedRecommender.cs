using TwoTower.MLNet.Data;
using TwoTower.MLNet.Models;

namespace TwoTower.MLNet;

/// <summary>
/// A model fitted by a <see cref="RecommenderEstimator"/>: the trained recommender, the training
/// interactions (used to exclude seen items) and the columns it was fitted on.
/// </summary>
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
    public static FittedRecommender Create(IEmbeddingRecommender model, Interactions? training = null, string userIdColumn = "UserId", string itemIdColumn = "ItemId")
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentException.ThrowIfNullOrWhiteSpace(userIdColumn);
        ArgumentException.ThrowIfNullOrWhiteSpace(itemIdColumn);
        if (training is not null && (training.Users.Count > model.Users.Count || training.Items.Count > model.Items.Count))
            throw new ArgumentException($"training has {training.Users.Count} users and {training.Items.Count} items; the model knows {model.Users.Count} and {model.Items.Count}: encode it with the model's maps.", nameof(training));
        training ??= new Interactions(model.Users, model.Items, [], [], [], []);
        return new FittedRecommender(model, training, userIdColumn, itemIdColumn, userIdColumn, 0);
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
}
