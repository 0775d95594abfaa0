using TwoTower.MLNet.MatrixFactorization;
using TwoTower.MLNet.Models;
using TwoTower.MLNet.Persistence;
using TwoTower.MLNet.Training;
using TwoTower.MLNet.TwoTowerModel;

namespace TwoTower.Cli.Infrastructure;

/// <summary>`train --model twotower --warm-start mf.zip`: the id embeddings start from a saved ials/mf/factors model.</summary>
internal sealed class WarmStartedTwoTowerTrainer(TwoTowerTrainerOptions options, string factorModelPath, Action<string>? log) : IRecommenderTrainer
{
    public string ModelType => TwoTowerRecommender.TypeName;

    /// <summary>The two-tower options the fit starts from (checkpoint folder, initial model, …), before the factors are added.</summary>
    public TwoTowerTrainerOptions Options => options;

    public IRecommender Fit(TrainingData data, IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        // Load inside Fit: the factors are re-keyed onto this training data's id maps.
        var loaded = ModelFile.Load(factorModelPath);
        if (loaded.Model is not MatrixFactorizationModel mf)
            throw new UserInputException($"--warm-start '{factorModelPath}' is a '{loaded.Model.ModelType}' model; it needs factors (train it with --model ials, mf or factors).");
        var o = options.Clone();
        var (users, items) = WarmStart.UseFactors(o, mf, data);
        log?.Invoke($"warm start from {factorModelPath}: {users}/{data.Users.Count} users and {items}/{data.Items.Count} items got factors ({mf.Factors} factors).");
        return new TwoTowerTrainer(o).Fit(data, progress, cancellationToken);
    }
}
