using TwoTower.MLNet.Models;

namespace TwoTower.MLNet.Training;

/// <summary>Fits a recommender from <see cref="TrainingData"/>. Options live in the trainer instance.</summary>
public interface IRecommenderTrainer
{
    /// <summary>The model type this trainer produces (e.g. "popularity", "ials", "twotower").</summary>
    string ModelType { get; }

    /// <summary>Fits a model. Reports progress when <paramref name="progress"/> is given; honours cancellation.</summary>
    IRecommender Fit(TrainingData data, IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default);
}
