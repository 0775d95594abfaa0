using TwoTower.MLNet.Index;

namespace TwoTower.MLNet;

/// <summary>
/// Options of <see cref="TwoTowerTransformsCatalog.Index(IndexOptions?)"/>: the item index built from the item
/// vectors of the preceding trainer. An exact index ("Flat") is what the saved ML.NET model runs (exact top-K inside
/// ONNX); an approximate one (HNSW, IVF) serves in process through <see cref="FittedRecommender.Recommend"/>.
/// </summary>
public sealed class IndexOptions
{
    /// <summary>
    /// Index description for <see cref="IndexFactory"/>: "Flat" (default, exact), "HNSW16", "HNSW32,efC200",
    /// "IVF64,Flat", "IVF64,PQ8" ... Ignored when <see cref="Create"/> is set.
    /// </summary>
    public string Description { get; set; } = "Flat";

    /// <summary>
    /// Any <see cref="IVectorIndex"/>: called with the vector dimension, returns an empty index (inner-product metric expected) that
    /// the step then owns: it is disposed with the step's transformer (or at once when Fit refuses it). Default null: use <see cref="Description"/>.
    /// </summary>
    public Func<int, IVectorIndex>? Create { get; set; }

    /// <summary>
    /// Per-search options of the index (efSearch, nProbe, threads). Default: the index's defaults. A Filter or AllowList
    /// applies in process only (<see cref="FittedRecommender.Recommend"/>): a following Recommend step refuses it, as its graph ranks every item.
    /// </summary>
    public SearchOptions? Search { get; set; }

    /// <summary>
    /// Throws <see cref="ArgumentOutOfRangeException"/> when no index is described, or the description is not a valid form or
    /// has a number out of range (checks that need the model's dimension, as PQ's m dividing it, wait for Fit).
    /// </summary>
    public void Validate()
    {
        if (Create is not null) return;
        if (string.IsNullOrWhiteSpace(Description))
            throw new ArgumentOutOfRangeException(nameof(Description), Description, $"Describe the index ({IndexFactory.ValidForms}) or set Create.");
        // Checked here, so a pipeline does not train its model for nothing before its Index step reads the description.
        try { IndexFactory.Check(Description); }
        catch (ArgumentException ex)
        {
            var reason = ex.MessageWithoutParameter();
            // The factory's own messages mostly quote the spec already ("Unknown index spec 'HNSW'"); an option's range does not.
            throw new ArgumentOutOfRangeException(nameof(Description), Description, reason.Contains($"'{Description}'", StringComparison.Ordinal) ? reason : $"Index description '{Description}': {reason}");
        }
    }

    /// <summary>Builds the empty index for vectors of <paramref name="dimension"/>.</summary>
    internal IVectorIndex Build(int dimension) =>
        Create?.Invoke(dimension) ?? IndexFactory.Create(Description, dimension, VectorMetric.InnerProduct);

    internal IndexOptions Clone() => (IndexOptions)MemberwiseClone();
}
