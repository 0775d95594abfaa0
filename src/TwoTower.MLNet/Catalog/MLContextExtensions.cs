using System.Runtime.CompilerServices;
using Microsoft.ML;

namespace TwoTower.MLNet;

/// <summary>The entry point of the toolkit inside ML.NET: <c>mlContext.TwoTower()</c>.</summary>
public static class MLContextExtensions
{
    // One catalog per context, so that trainers and the Recommend/Index steps of a pipeline share state.
    private static readonly ConditionalWeakTable<MLContext, TwoTowerCatalog> Catalogs = new();

    /// <summary>
    /// The two-tower catalog of <paramref name="ml"/>: <see cref="TwoTowerCatalog.Trainers"/>,
    /// <see cref="TwoTowerCatalog.Transforms"/> and <see cref="TwoTowerCatalog.Evaluate(ITransformer, IDataView, IDataView?, IReadOnlyList{int}?, string)"/>.
    /// Every call with the same context returns the same catalog.
    /// </summary>
    /// <example>
    /// <code>
    /// var pipeline = ml.TwoTower().Trainers.TwoTower(new TwoTowerOptions { Epochs = 5 })
    ///     .Append(ml.TwoTower().Transforms.Recommend(k: 10, excludeSeen: true));
    /// var model = pipeline.Fit(train);
    /// ml.Model.Save(model, train.Schema, "model.zip");
    /// </code>
    /// </example>
    public static TwoTowerCatalog TwoTower(this MLContext ml)
    {
        ArgumentNullException.ThrowIfNull(ml);
        return Catalogs.GetValue(ml, static c => new TwoTowerCatalog(c));
    }
}
