namespace TwoTower.MLNet;

/// <summary>
/// Options of <see cref="TwoTowerTransformsCatalog.Index(IndexOptions?)"/>: which item index the following
/// <c>Recommend</c> step searches. Inside a saved ML.NET model the search runs in ONNX, which is exact.
/// </summary>
public sealed class IndexOptions
{
    /// <summary>
    /// Index description as in the index factory ("Flat" = exact). Default "Flat". Approximate indexes
    /// (e.g. "HNSW16") cannot live inside an ONNX graph and are rejected here with a message.
    /// </summary>
    public string Description { get; set; } = "Flat";

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> when <see cref="Description"/> is not an exact index.</summary>
    public void Validate()
    {
        if (!string.Equals(Description?.Trim(), "Flat", StringComparison.OrdinalIgnoreCase))
            throw new ArgumentOutOfRangeException(nameof(Description), Description,
                "Only \"Flat\" (exact top-K inside the ONNX recommend graph) can be saved in an ML.NET model; use the index library directly for approximate search.");
    }
}
