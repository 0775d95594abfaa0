using System.Runtime.CompilerServices;
using Microsoft.ML;

namespace TwoTower.MLNet;

/// <summary>
/// What the steps of one <see cref="TwoTowerCatalog"/> share: the model fitted last (Recommend and Index
/// consume the trainer that precedes them in a chain, which ML.NET fits just before them) and the
/// transformer → model map behind <see cref="TwoTowerCatalog.FindModel"/>.
/// </summary>
internal sealed class CatalogState
{
    private readonly ConditionalWeakTable<ITransformer, FittedRecommender> _byTransformer = new();
    private volatile FittedRecommender? _last;

    /// <summary>The model fitted most recently by a trainer of this catalog.</summary>
    public FittedRecommender? Last => _last;

    /// <summary>Records a fitted model under the transformer that serves it.</summary>
    public void Register(ITransformer transformer, FittedRecommender fitted)
    {
        _byTransformer.AddOrUpdate(transformer, fitted);
        _last = fitted;
    }

    /// <summary>The last model registered inside <paramref name="model"/> (searching transformer chains), or null.</summary>
    public FittedRecommender? Find(ITransformer model)
    {
        if (_byTransformer.TryGetValue(model, out var f)) return f;
        FittedRecommender? found = null;
        if (model is IEnumerable<ITransformer> chain)
            foreach (var t in chain)
                found = Find(t) ?? found;
        return found;
    }
}
