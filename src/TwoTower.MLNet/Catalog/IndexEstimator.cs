using Microsoft.ML;
using Microsoft.ML.Data;
using TwoTower.MLNet.Index;

namespace TwoTower.MLNet;

/// <summary>
/// Builds the item index of the model fitted by the preceding trainer: at Fit every item vector is added (id = item
/// key) to the <see cref="IVectorIndex"/> of <see cref="Options"/>, and that model served through it (a new
/// <see cref="FittedRecommender"/> with <see cref="FittedRecommender.Index"/> set) is what <c>FindModel</c> finds in the
/// pipeline from this step on; the trainer's own is left unchanged. The following <c>Recommend</c> step
/// saves an exact index as ONNX TopK; approximate indexes serve in process (<see cref="FittedRecommender.Recommend"/>).
/// It adds no column: its transformer saves as an empty ML.NET chain, and owns the index: disposing it (or the fitted
/// pipeline, or a PredictionEngine that owned the pipeline) disposes the index, e.g. unmaps a memory-mapped one.
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

    /// <summary>The index built by the most recent <see cref="Fit"/>, or null before the first; disposed with the transformer that Fit returned.</summary>
    public IVectorIndex? LastIndex { get; private set; }

    /// <summary>Stops <see cref="Fit"/> with an <see cref="OperationCanceledException"/> while the index trains or adds the item vectors. Default none.</summary>
    public CancellationToken CancellationToken { get; private set; }

    /// <summary>
    /// A copy whose <see cref="Fit"/> stops with an <see cref="OperationCanceledException"/> when
    /// <paramref name="cancellationToken"/> is cancelled (checked before the build and by the index as it trains and adds);
    /// the partly built index is then disposed and nothing is registered.
    /// </summary>
    public IndexEstimator WithCancellation(CancellationToken cancellationToken) => new(_state, _options) { CancellationToken = cancellationToken };

    /// <summary>Builds the index from the preceding trainer's item vectors and returns an identity transformer that owns it.</summary>
    /// <exception cref="InvalidOperationException">No trainer precedes this step, or the index does not take the vectors.</exception>
    /// <exception cref="OperationCanceledException"><see cref="CancellationToken"/> was cancelled.</exception>
    public ITransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        CancellationToken.ThrowIfCancellationRequested();
        var fitted = _state.ForData(input)
            ?? throw new InvalidOperationException("Index() has no item vectors: append it after ml.TwoTower().Trainers.TwoTower(...) or .MatrixFactorization(...), " +
                  "a trainer of the same MLContext (each context's ml.TwoTower() keeps its own fitted models).");
        var model = fitted.Model;
        var index = _options.Build(model.Dimension);
        try
        {
            if (IndexCompatibility.Problem(model, index) is { } problem) throw new InvalidOperationException(problem);
            var vectors = model.ItemVectors.Span;
            if (!index.IsTrained) index.Train(vectors, CancellationToken);
            var ids = new long[model.Items.Count];
            for (var i = 0; i < ids.Length; i++) ids[i] = i;
            index.Add(ids, vectors, CancellationToken);
        }
        catch
        {
            // Nobody else holds the index yet: release what it holds (a mapped file, a connection) before refusing it.
            index.Dispose();
            throw;
        }
        // The model with its index is a new FittedRecommender, registered for this step's transformer: the trainer's own
        // (found through FindModel before, or indexed again by another Index step) stays as it was.
        var served = fitted.Served(index, _options.Search, _options.Create is null || _options.Description != "Flat" ? _options.Description : index.GetType().Name,
            ownedByIndexStep: true);
        var transformer = new OwningTransformer(new TransformerChain<ITransformer>(), index, $"The Index step's transformer ('{served.IndexDescription}')", "its item index");
        _state.Register(transformer, served);
        LastIndex = index;
        return transformer;
    }

    /// <summary>The input schema, unchanged.</summary>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        return inputSchema;
    }
}
