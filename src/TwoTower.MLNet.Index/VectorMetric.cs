namespace TwoTower.MLNet.Index;

/// <summary>How an index compares vectors. Scores are always "higher is better".</summary>
public enum VectorMetric
{
    /// <summary>Inner product; score = dot(q, x), in float: products past about 3e38 overflow to ±∞.</summary>
    InnerProduct,
    /// <summary>Cosine similarity; vectors are L2-normalised on add and queries on search.</summary>
    Cosine,
    /// <summary>
    /// Euclidean distance; score = -‖q − x‖², computed in float from the squared norms (‖x‖² + ‖q‖² − 2q·x), so vectors with
    /// components beyond about 1e19 (squared norms past the float range) give −∞ or NaN scores: scale such data down.
    /// </summary>
    L2,
}
