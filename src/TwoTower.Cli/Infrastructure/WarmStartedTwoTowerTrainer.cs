using TwoTower.MLNet.MatrixFactorization;
using TwoTower.MLNet.Models;
using TwoTower.MLNet.Persistence;
using TwoTower.MLNet.Training;
using TwoTower.MLNet.TwoTowerModel;

namespace TwoTower.Cli.Infrastructure;

/// <summary>`train --model twotower --warm-start mf.zip`: the id embeddings start from a saved ials/mf/factors model.</summary>
internal sealed class WarmStartedTwoTowerTrainer(TwoTowerTrainerOptions options, string factorModelPath, Action<string>? log) : IRecommenderTrainer
{
    // Loaded and checked here, before any data is read: inside Fit a missing or wrong file failed after the data, naming no flag.
    private readonly MatrixFactorizationModel _factors = LoadFactors(factorModelPath);

    public string ModelType => TwoTowerRecommender.TypeName;

    /// <summary>The two-tower options the fit starts from (checkpoint folder, initial model, …), before the factors are added.</summary>
    public TwoTowerTrainerOptions Options => options;

    public IRecommender Fit(TrainingData data, IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        // The factors are re-keyed onto this training data's id maps.
        var o = options.Clone();
        var (users, items) = WarmStart.UseFactors(o, _factors, data);
        log?.Invoke($"warm start from {factorModelPath}: {users}/{data.Users.Count} users and {items}/{data.Items.Count} items got factors ({_factors.Factors} factors).");
        return new TwoTowerTrainer(o).Fit(data, progress, cancellationToken);
    }

    private static MatrixFactorizationModel LoadFactors(string path)
    {
        var loaded = ModelArgument.Load(path, "--warm-start");
        return loaded.Model as MatrixFactorizationModel
            ?? throw new UserInputException($"--warm-start '{path}' is a '{loaded.Model.ModelType}' model; it needs factors (train it with --model ials, mf or factors).");
    }
}
