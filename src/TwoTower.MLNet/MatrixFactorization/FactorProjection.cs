namespace TwoTower.MLNet.MatrixFactorization;

/// <summary>How <see cref="MatrixFactorizationModel.ProjectFactors"/> changes the factor dimension.</summary>
public enum FactorProjection
{
    /// <summary>Pad with zeros when growing (inner products stay exact), Gaussian projection when shrinking.</summary>
    Auto,
    /// <summary>Keep the first targetDim factors, or pad with zeros.</summary>
    TruncateOrPad,
    /// <summary>
    /// Multiply by a seeded Gaussian matrix R (k × targetDim, entries N(0, 1/targetDim)), so inner products
    /// are preserved in expectation (Johnson-Lindenstrauss).
    /// </summary>
    Gaussian,
}
