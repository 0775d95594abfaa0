using Microsoft.ML;

namespace TwoTower.MLNet;

/// <summary>Transforms of <c>ml.TwoTower().Transforms</c>: featurization, item index and top-K recommendation.</summary>
public sealed class TwoTowerTransformsCatalog
{
    private readonly MLContext _ml;
    private readonly CatalogState _state;

    internal TwoTowerTransformsCatalog(MLContext ml, CatalogState state)
    {
        _ml = ml;
        _state = state;
    }

    /// <summary>
    /// Featurization from ML.NET's own transforms: id and categorical columns → keys (MapValueToKey),
    /// multi-valued and text columns → bags of token keys (TokenizeIntoWords + MapValueToKey), numeric columns
    /// → standardised (NormalizeMeanVariance). Each output is a new column named after its input plus a suffix.
    /// </summary>
    /// <remarks>
    /// The fitted transform reads every column named here whenever it runs, serving included: a <c>PredictionEngine</c> whose
    /// input type lacks one (e.g. <c>ItemId</c> in a request that carries only the user) fails with an
    /// <see cref="ArgumentOutOfRangeException"/> naming the column and its option (a model loaded by <c>ml.Model.Load</c> holds
    /// ML.NET's transforms only, and fails with ML.NET's "Could not find input column 'ItemId'"). For a pipeline that answers
    /// user requests, set <see cref="FeaturizerOptions.ItemIdColumn"/> to null (the trainers map raw ids themselves), name only
    /// user columns, give them to the request type, and give item features through <see cref="TwoTowerOptions.Items"/>.
    /// </remarks>
    /// <param name="options">The columns and separators; read here, so later changes do not affect the estimator.</param>
    /// <exception cref="ArgumentException">No column named, a column named twice, or bag columns without separators.</exception>
    public IEstimator<ITransformer> Featurize(FeaturizerOptions options) => FeaturizeEstimator.Create(_ml, options);

    /// <summary>Featurization of the id columns only (each gets a "&lt;name&gt;Key" column).</summary>
    public IEstimator<ITransformer> Featurize(string userIdColumn = "UserId", string itemIdColumn = "ItemId") =>
        FeaturizeEstimator.Create(_ml, new FeaturizerOptions { UserIdColumn = userIdColumn, ItemIdColumn = itemIdColumn });

    /// <summary>
    /// The item index of the preceding trainer's model (any <see cref="Index.IVectorIndex"/>): "Flat" is saved as exact
    /// top-K inside ONNX by a following Recommend step; approximate indexes serve in process (<see cref="FittedRecommender.Recommend"/>).
    /// </summary>
    public IndexEstimator Index(IndexOptions? options = null) => new(_state, options ?? new IndexOptions());

    /// <summary>An HNSW item index (approximate: serves in process through <see cref="FittedRecommender.Recommend"/>).</summary>
    /// <param name="options">Graph options (M, efConstruction, efSearch, seed, build threads).</param>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range (the message names it).</exception>
    public IndexEstimator Index(MLNet.Index.Hnsw.HnswOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        // Checked here, not when the Index step builds the graph after the trainer before it has trained.
        options.Validate();
        return new(_state, new IndexOptions { Description = $"HNSW{options.M},efC{options.EfConstruction}", Create = d => new MLNet.Index.Hnsw.HnswIndex(d, MLNet.Index.VectorMetric.InnerProduct, options) });
    }

    /// <summary>The item index from a description: "Flat", "HNSW16", "IVF64,Flat" ... (see <see cref="Index.IndexFactory.ValidForms"/>).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The description is not a valid form or has a number out of range.</exception>
    public IndexEstimator Index(string description) => new(_state, new IndexOptions { Description = description });

    /// <summary>
    /// Top-<paramref name="k"/> items per input row for the model fitted by the preceding trainer: adds
    /// "ItemIds" (string[k], best first) and "Scores" (float[k]). Unknown users get the model's cold-start answer.
    /// </summary>
    /// <param name="k">Items per user.</param>
    /// <param name="excludeSeen">Leave out each user's training items.</param>
    public RecommendEstimator Recommend(int k = 10, bool excludeSeen = false) =>
        new(_ml, _state, new RecommendOptions { K = k, ExcludeSeen = excludeSeen }, null);

    /// <summary>Top-K recommendation with all options (columns, execution provider).</summary>
    public RecommendEstimator Recommend(RecommendOptions options) => new(_ml, _state, options, null);

    /// <summary>
    /// Top-K recommendation with a given model (e.g. any <see cref="Models.IEmbeddingRecommender"/> wrapped by
    /// <see cref="FittedRecommender.Create"/>), independent of any trainer in the chain.
    /// </summary>
    public RecommendEstimator Recommend(FittedRecommender model, RecommendOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        return new(_ml, _state, options ?? new RecommendOptions(), model);
    }
}
