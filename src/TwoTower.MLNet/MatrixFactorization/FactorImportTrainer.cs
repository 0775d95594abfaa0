using TwoTower.MLNet.Models;
using TwoTower.MLNet.Training;

namespace TwoTower.MLNet.MatrixFactorization;

/// <summary>
/// A "trainer" that fits nothing: it reads user and item factors trained elsewhere (CSV, or .npy with id lists) and places
/// them on the training data's id maps, so imported factors evaluate, serve and warm-start like any trained model.
/// </summary>
/// <param name="userFactorsPath">CSV (raw id, factors…) or .npy matrix of user factors.</param>
/// <param name="itemFactorsPath">CSV or .npy matrix of item factors.</param>
/// <param name="userIdsPath">For .npy: text file with one raw user id per row of the matrix.</param>
/// <param name="itemIdsPath">For .npy: text file with one raw item id per row of the matrix.</param>
public sealed class FactorImportTrainer(string userFactorsPath, string itemFactorsPath, string? userIdsPath = null, string? itemIdsPath = null) : IRecommenderTrainer
{
    /// <inheritdoc />
    public string ModelType => MatrixFactorizationModel.ExplicitModelType;

    /// <inheritdoc />
    public IRecommender Fit(TrainingData data, IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(data);
        var npyUsers = userFactorsPath.EndsWith(".npy", StringComparison.OrdinalIgnoreCase);
        var npyItems = itemFactorsPath.EndsWith(".npy", StringComparison.OrdinalIgnoreCase);
        if (npyUsers != npyItems)
            throw new ArgumentException($"User factors '{userFactorsPath}' and item factors '{itemFactorsPath}' must have the same format (both .npy or both CSV).");
        if (!npyUsers) return FactorImporter.FromCsv(userFactorsPath, itemFactorsPath, data.Users, data.Items);
        // A .npy matrix has no ids: the row order comes from a separate id list.
        if (userIdsPath is null || itemIdsPath is null)
            throw new ArgumentException($"Importing .npy factors needs the id lists too (one raw id per line, in row order): user ids {(userIdsPath ?? "missing")}, item ids {(itemIdsPath ?? "missing")}.");
        return FactorImporter.FromNpy(userFactorsPath, userIdsPath, itemFactorsPath, itemIdsPath, data.Users, data.Items);
    }
}
