using Microsoft.ML;
using Microsoft.ML.Data;

namespace TwoTower.MLNet;

/// <summary>
/// Chooses the item index of the following <c>Recommend</c> step (exact "Flat" now). It adds no column:
/// Fit checks that a trained model precedes it and returns an empty (savable) transformer chain.
/// </summary>
public sealed class IndexEstimator : IEstimator<ITransformer>
{
    private readonly CatalogState _state;

    internal IndexEstimator(CatalogState state, IndexOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _state = state;
        Options = new IndexOptions { Description = options.Description };
    }

    /// <summary>The index options.</summary>
    public IndexOptions Options { get; }

    /// <summary>Checks that a model was fitted before this step and returns an identity transformer.</summary>
    /// <exception cref="InvalidOperationException">No trainer precedes this step.</exception>
    public ITransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (_state.Last is null)
            throw new InvalidOperationException("Index() has no item vectors: append it after ml.TwoTower().Trainers.TwoTower(...) or .MatrixFactorization(...).");
        return new TransformerChain<ITransformer>();
    }

    /// <summary>The input schema, unchanged.</summary>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema) => inputSchema;
}
