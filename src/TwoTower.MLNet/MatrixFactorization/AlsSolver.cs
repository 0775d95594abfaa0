namespace TwoTower.MLNet.MatrixFactorization;

/// <summary>How implicit ALS solves each row's k × k normal equations.</summary>
public enum AlsSolver
{
    /// <summary>Exact solve: build the normal matrix and factor it (O(n_u k² + k³) per row).</summary>
    Cholesky,
    /// <summary>
    /// A few conjugate-gradient steps warm-started from the previous factors (Takács, Pilászy, Tikk 2011):
    /// O(n_u k + k²) per step and no k × k matrix per row; pays off for large factor counts.
    /// </summary>
    ConjugateGradient,
}
