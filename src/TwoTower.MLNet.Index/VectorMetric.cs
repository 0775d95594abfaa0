namespace TwoTower.MLNet.Index;

/// <summary>How an index compares vectors. Scores are always "higher is better".</summary>
public enum VectorMetric
{
    /// <summary>Inner product; score = dot(q, x).</summary>
    InnerProduct,
    /// <summary>Cosine similarity; vectors are L2-normalised on add and queries on search.</summary>
    Cosine,
    /// <summary>Euclidean distance; score = -‖q − x‖².</summary>
    L2,
}
