namespace TwoTower.MLNet.MatrixFactorization;

/// <summary>
/// Hyper-parameters of <see cref="ExplicitMatrixFactorizationTrainer"/> (rating prediction, the task of ML.NET's
/// MatrixFactorizationTrainer).
/// </summary>
public sealed class ExplicitMatrixFactorizationOptions
{
    /// <summary>
    /// Number of latent factors k. Default 32: on the ML-100K p1-tune split (validation RMSE, bench/MfBench `explicit`)
    /// 16 / 32 / 64 factors at their best λ give .9267 / .9259 / .9256, so 32 is within noise of 64 at half the cost. Must be ≥ 1.
    /// </summary>
    public int Factors { get; set; } = 32;

    /// <summary>
    /// L2 weight λ, scaled per row by its number of ratings (ALS-WR, Zhou et al. 2008) and applied to factors and biases.
    /// Default 0.15: best p1-tune validation RMSE at 32 factors over λ ∈ {0.05, 0.1, 0.15, 0.2} (.9810, .9289, .9259, .9360).
    /// Must be ≥ 0.
    /// </summary>
    public float Regularization { get; set; } = 0.15f;

    /// <summary>Number of alternating iterations. Default 15. Must be ≥ 1.</summary>
    public int Iterations { get; set; } = 15;

    /// <summary>Whether to learn user and item biases and a global mean (r̂ = μ + b_u + b_i + x_u·y_i). Default true.</summary>
    public bool UseBiases { get; set; } = true;

    /// <summary>Seed of the N(0, 0.1²) initialisation. The same seed gives the same model at any thread count.</summary>
    public int Seed { get; set; } = 1;

    /// <summary>Worker threads; 0 = all processors. Must be ≥ 0.</summary>
    public int Threads { get; set; }

    /// <summary>A copy (every option is a value), so an estimator keeps the settings it was made with.</summary>
    internal ExplicitMatrixFactorizationOptions Clone() => (ExplicitMatrixFactorizationOptions)MemberwiseClone();

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the first invalid option and its value.</summary>
    public void Validate()
    {
        if (Factors < 1) throw new ArgumentOutOfRangeException(nameof(Factors), Factors, "Factors must be ≥ 1.");
        if (!(Regularization >= 0f) || !float.IsFinite(Regularization))
            throw new ArgumentOutOfRangeException(nameof(Regularization), Regularization, "Regularization must be a finite number ≥ 0.");
        if (Iterations < 1) throw new ArgumentOutOfRangeException(nameof(Iterations), Iterations, "Iterations must be ≥ 1.");
        if (Threads < 0) throw new ArgumentOutOfRangeException(nameof(Threads), Threads, "Threads must be ≥ 0 (0 = all processors).");
    }
}
