namespace TwoTower.MLNet.MatrixFactorization;

/// <summary>What a matrix-factorization model answers for a user it does not know (user key -1).</summary>
public enum ColdUserStrategy
{
    /// <summary>The mean of the known user factors: scores follow the "average taste", close to popularity.</summary>
    MeanUser,
    /// <summary>A zero vector: every item scores the same (plus item biases for explicit models).</summary>
    Zero,
}
