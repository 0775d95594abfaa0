using Microsoft.ML;
using TwoTower.MLNet.MatrixFactorization;
using TwoTower.MLNet.Models;
using TwoTower.MLNet.Training;
using TwoTower.MLNet.TwoTowerModel;

namespace TwoTower.MLNet;

/// <summary>Trainers of <c>ml.TwoTower().Trainers</c>: each returns a <see cref="RecommenderEstimator"/>.</summary>
public sealed class TwoTowerTrainersCatalog
{
    private readonly MLContext _ml;
    private readonly CatalogState _state;

    internal TwoTowerTrainersCatalog(MLContext ml, CatalogState state)
    {
        _ml = ml;
        _state = state;
    }

    /// <summary>A two-tower model (in-batch softmax with logQ correction by default; see <see cref="TwoTowerOptions"/>).</summary>
    /// <param name="options">Columns and engine options; copied, so later changes do not affect the estimator.</param>
    /// <exception cref="ArgumentOutOfRangeException">An option is invalid (the message names it).</exception>
    public RecommenderEstimator TwoTower(TwoTowerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var copy = options.Clone();
        copy.Validate();
        var engine = copy.Engine;
        // A warm start sets the initial embeddings on a copy, so one fit's factors never reach the next fit.
        TwoTowerTrainer Trainer(TrainingData data, MatrixFactorizationModel? warm)
        {
            if (warm is null) return new TwoTowerTrainer(engine);
            var started = engine.Clone();
            WarmStart.UseFactors(started, warm, data, items: engine.UseItemIdEmbedding == true);
            return new TwoTowerTrainer(started);
        }
        return new RecommenderEstimator(_ml, _state, TwoTowerRecommender.TypeName, copy.UserIdColumn, copy.ItemIdColumn, null,
            (data, warm, progress, ct) => Trainer(data, warm).Train(data, progress, ct))
        {
            WarmStartFromChain = copy.WarmStartFromChain,
            TimestampColumn = copy.TimestampColumn,
            UserVectorColumn = copy.UserVectorColumn,
            ItemVectorColumn = copy.ItemVectorColumn,
            Execution = copy.Execution,
            ItemFeatures = copy.Items,
            UserFeatures = copy.Users,
            UserFeatureColumns = [.. copy.UserFeatureColumns],
            ItemFeatureColumns = [.. copy.ItemFeatureColumns],
            TrainWithFeatures = (data, users, items, warm, progress, ct) =>
            {
                var trainer = Trainer(data, warm);
                var (u, i) = trainer.BuildFeatures(data, users, items);
                return trainer.Train(data, u, i, progress, ct);
            },
        };
    }

    /// <summary>A two-tower model with the common parameters (everything else at the <see cref="TwoTowerOptions"/> defaults).</summary>
    /// <param name="userIdColumn">User id column (text, key with values, or number).</param>
    /// <param name="itemIdColumn">Item id column (text, key with values, or number).</param>
    /// <param name="epochs">Training epochs (default 14, as <see cref="TwoTowerOptions.Epochs"/>).</param>
    /// <param name="embeddingDimension">Output dimension of both towers.</param>
    public RecommenderEstimator TwoTower(string userIdColumn = "UserId", string itemIdColumn = "ItemId", int epochs = 14, int embeddingDimension = 64) =>
        TwoTower(new TwoTowerOptions { UserIdColumn = userIdColumn, ItemIdColumn = itemIdColumn, Epochs = epochs, EmbeddingDimension = embeddingDimension });

    /// <summary>Matrix factorization: implicit (iALS) or explicit (rating) feedback, see <see cref="MatrixFactorizationOptions"/>.</summary>
    /// <param name="options">Columns and engine options, copied: changing them afterwards does not change this estimator.</param>
    /// <exception cref="ArgumentOutOfRangeException">An option is invalid (the message names it).</exception>
    public RecommenderEstimator MatrixFactorization(MatrixFactorizationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (options.Feedback == MatrixFactorizationFeedback.Explicit)
        {
            var mf = options.Explicit.Clone();
            return new RecommenderEstimator(_ml, _state, MatrixFactorizationModel.ExplicitModelType, options.UserIdColumn, options.ItemIdColumn, options.RatingColumn,
                (data, _, progress, ct) => new ExplicitMatrixFactorizationTrainer(mf).Fit(data, progress, ct)) { TimestampColumn = options.TimestampColumn };
        }
        var als = options.Als.Clone();
        // No rating column: iALS counts rows, and Validate refuses one for implicit feedback.
        return new RecommenderEstimator(_ml, _state, MatrixFactorizationModel.ImplicitModelType, options.UserIdColumn, options.ItemIdColumn, ratingColumn: null,
            (data, _, progress, ct) => new ImplicitAlsTrainer(als).Fit(data, progress, ct)) { TimestampColumn = options.TimestampColumn };
    }

    /// <summary>Implicit-feedback matrix factorization with the common parameters (everything else at the <see cref="ImplicitAlsOptions"/> defaults).</summary>
    /// <param name="userIdColumn">User id column (text, key with values, or number).</param>
    /// <param name="itemIdColumn">Item id column (text, key with values, or number).</param>
    /// <param name="factors">Latent factors (default 128, as <see cref="ImplicitAlsOptions.Factors"/>).</param>
    /// <param name="iterations">ALS iterations (default 15, as <see cref="ImplicitAlsOptions.Iterations"/>).</param>
    public RecommenderEstimator MatrixFactorization(string userIdColumn = "UserId", string itemIdColumn = "ItemId", int factors = 128, int iterations = 15) =>
        MatrixFactorization(new MatrixFactorizationOptions
        {
            UserIdColumn = userIdColumn,
            ItemIdColumn = itemIdColumn,
            Als = new ImplicitAlsOptions { Factors = factors, Iterations = iterations },
        });

    /// <summary>
    /// Any trainer whose models are <see cref="IEmbeddingRecommender"/>s (inner-product scores), e.g. a custom
    /// one: the same columns, vectors and Recommend step as the built-in trainers.
    /// </summary>
    /// <param name="trainer">The trainer.</param>
    /// <param name="userIdColumn">User id column (text, key with values, or number).</param>
    /// <param name="itemIdColumn">Item id column (text, key with values, or number).</param>
    /// <param name="ratingColumn">A numeric interaction strength or rating column, or null (every interaction counts 1).</param>
    /// <param name="timestampColumn">A time column (number or DateTime) handed to the trainer as the interactions' timestamps, or null.</param>
    /// <exception cref="ArgumentOutOfRangeException">Two of the columns are the same (the rating or time column is an id column).</exception>
    /// <exception cref="InvalidOperationException">At fit time, when the trainer's model is not an <see cref="IEmbeddingRecommender"/>.</exception>
    public RecommenderEstimator Custom(IRecommenderTrainer trainer, string userIdColumn = "UserId", string itemIdColumn = "ItemId", string? ratingColumn = null, string? timestampColumn = null)
    {
        ArgumentNullException.ThrowIfNull(trainer);
        ColumnRoles.RefuseShared((userIdColumn, nameof(userIdColumn)), (itemIdColumn, nameof(itemIdColumn)), (ratingColumn, nameof(ratingColumn)), (timestampColumn, nameof(timestampColumn)));
        return new RecommenderEstimator(_ml, _state, trainer.ModelType, userIdColumn, itemIdColumn, ratingColumn, (data, _, progress, ct) =>
            trainer.Fit(data, progress, ct) as IEmbeddingRecommender
            ?? throw new InvalidOperationException($"The '{trainer.ModelType}' trainer's model does not implement IEmbeddingRecommender (user and item vectors), so it cannot be served by the ONNX recommend graph."))
        {
            TimestampColumn = timestampColumn,
        };
    }
}
