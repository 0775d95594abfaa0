using Microsoft.ML;
using Microsoft.ML.Data;
using TwoTower.MLNet.Index;

namespace TwoTower.MLNet;

/// <summary>
/// Builds the item index of the model fitted by the preceding trainer: at Fit every item vector is added (id = item
/// key) to the <see cref="IVectorIndex"/> of <see cref="Options"/>, which is attached to that
/// <see cref="FittedRecommender"/> (<see cref="FittedRecommender.Index"/>). The following <c>Recommend</c> step
/// saves an exact index as ONNX TopK; approximate indexes serve in process (<see cref="FittedRecommender.Recommend"/>).
/// It adds no column: its transformer is an empty (savable) ML.NET chain.
/// </summary>
public sealed class IndexEstimator : IEstimator<ITransformer>
{
    private readonly CatalogState _state;
    private readonly IndexOptions _options;

    internal IndexEstimator(CatalogState state, IndexOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _state = state;
        _options = options.Clone();
    }

    /// <summary>A copy of the index options.</summary>
    public IndexOptions Options => _options.Clone();

    /// <summary>The index built by the most recent <see cref="Fit"/>, or null before the first.</summary>
    public IVectorIndex? LastIndex { get; private set; }

    /// <summary>Builds the index from the preceding trainer's item vectors and returns an identity transformer.</summary>
    /// <exception cref="InvalidOperationException">No trainer precedes this step, or the index does not take the vectors.</exception>
    public ITransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var fitted = _state.ForData(input)
            ?? throw new InvalidOperationException("Index() has no item vectors: append it after ml.TwoTower().Trainers.TwoTower(...) or .MatrixFactorization(...).");
        var model = fitted.Model;
        var index = _options.Build(model.Dimension);
        if (index.Dimension != model.Dimension)
            throw new InvalidOperationException($"The index has dimension {index.Dimension}; the model's vectors have {model.Dimension}.");
        if (index.Metric == VectorMetric.L2)
            throw new InvalidOperationException("The index uses the L2 metric; the models score by inner product: use an InnerProduct (or Cosine, for normalised vectors) index.");
        var vectors = model.ItemVectors.Span;
        // Cosine ranks a query's items like the inner product only when every item vector has the same length.
        if (index.Metric == VectorMetric.Cosine && !VectorNorms.AreUnitLength(vectors, model.Dimension))
            throw new InvalidOperationException($"The index uses the Cosine metric, but the model's item vectors are not unit length (norms {Norms(vectors, model.Dimension)}): " +
                "cosine would rank items differently from the model's inner product (and from a saved model's exact TopK). Use an InnerProduct index.");
        if (!index.IsTrained) index.Train(vectors);
        var ids = new long[model.Items.Count];
        for (var i = 0; i < ids.Length; i++) ids[i] = i;
        index.Add(ids, vectors);
        fitted.AttachIndex(index, _options.Search, _options.Create is null || _options.Description != "Flat" ? _options.Description : index.GetType().Name);
        LastIndex = index;
        return new TransformerChain<ITransformer>();
    }

    /// <summary>The input schema, unchanged.</summary>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        return inputSchema;
    }

    private static string Norms(ReadOnlySpan<float> vectors, int dimension)
    {
        var (min, max) = VectorNorms.Range(vectors, dimension);
        return $"{min:G3} to {max:G3}";
    }
}
