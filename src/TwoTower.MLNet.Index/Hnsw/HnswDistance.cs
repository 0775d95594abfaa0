namespace TwoTower.MLNet.Index.Hnsw;

/// <summary>
/// How a graph turns one dot product into a distance (lower is closer), using the per-node term in
/// <see cref="HnswGraph.Terms"/> and the query's own term.
/// </summary>
internal enum HnswDistance
{
    /// <summary>−q·x: inner-product and cosine search (terms unused).</summary>
    NegativeDot,

    /// <summary>‖q‖² + ‖x‖² − 2 q·x: terms are squared norms.</summary>
    L2,
}
