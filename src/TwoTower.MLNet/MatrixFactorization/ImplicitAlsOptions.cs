namespace TwoTower.MLNet.MatrixFactorization;

/// <summary>
/// Hyper-parameters of <see cref="ImplicitAlsTrainer"/> (implicit-feedback ALS, Hu, Koren, Volinsky 2008).
/// </summary>
/// <remarks>
/// Defaults were chosen on the ML-100K p2-tune split only (fit on train.csv, NDCG@10 on valid.csv ranking all items
/// except the user's train items; never on p2 test) with bench/MfBench, 64 factors, 15 iterations:
/// <list type="number">
/// <item>Constant λ (`tune-ials`, `tune-ials-fine`): λ ∈ {0.05 … 100} × alpha ∈ {0.5 … 40} × {Linear, Log} peaks on a flat
/// plateau at λ 10–20, alpha 1–2 (best λ 15, alpha 1.5: .0667), far above the numpy peer's λ ≤ 0.1, alpha 10–40 (.053–.057).</item>
/// <item>Frequency-scaled λ n^ν (`tune-ials-nu`, `tune-ials-nu-fine`): ν = 1 tops at .0665; ν = 0.5 gives the best plateau,
/// λ = 1 with alpha 0.3 / 0.5 / 1 at .0703 / .0695 / .0696 (λ 0.5 and 1.5 at alpha 1: .0677, .0671).</item>
/// </list>
/// That stage chose the centre of the plateau, ν = 0.5, λ = 1, alpha = 1, Linear (alpha refined below). Strong, count-scaled L2 with mild
/// confidence shrinks rarely-seen items and heavy users, which full-ranking metrics on MovieLens reward. Log scaling only
/// differs from Linear when pairs repeat (ML-100K has no repeats).
/// <para>Factors (`tune-folds`, `tune-folds-wide`): one 943-row validation set is noisy (SE ≈ .007), so factors were chosen on
/// three nested leave-last-out folds of the tune data (each user's last, second-last and third-last item held out in turn,
/// p2 test never touched). Mean NDCG@10 at ν 0.5, λ 1, alpha 1: 64 factors .0794, 128 .0835, 192 .0836; the plateau
/// starts at 128, so the default is 128 (λ 1, alpha 1 stay the best there too).</para>
/// <para>Recency (`tune-recency`, 128 factors, λ 1): weighting each user's later interactions more (<see cref="RecencyBoost"/>)
/// lifts the fold mean from .0835 (β 0, alpha 1) to .0861 at β 3, alpha 0.5 (β 1: .0853, β 10: .0858), so those are the defaults.</para>
/// </remarks>
public sealed class ImplicitAlsOptions
{
    /// <summary>Number of latent factors k. Default 128 (tuned on the tune folds, see the remarks). Must be ≥ 1.</summary>
    public int Factors { get; set; } = 128;

    /// <summary>
    /// L2 weight λ on every user and item factor (times n^ν, see <see cref="RegularizationExponent"/>). Default 1, tuned on
    /// p2-tune together with ν = 0.5 and <see cref="Alpha"/> = 1 (see the remarks). Must be a finite number &gt; 0 (at 0 the
    /// least-squares system of a row with fewer interactions than factors is singular).
    /// </summary>
    public float Regularization { get; set; } = 1f;

    /// <summary>
    /// Exponent ν of frequency-scaled regularisation (Rendle et al. 2021, "Revisiting the performance of iALS"): a row with n
    /// interactions gets λ · n^ν. Default 0.5 (tuned on p2-tune, see the remarks); 0 is the classic constant λ of
    /// Hu, Koren, Volinsky and of the numpy peer. Must be in [0, 1].
    /// </summary>
    public float RegularizationExponent { get; set; } = 0.5f;

    /// <summary>Confidence slope alpha: c = 1 + alpha · r (or the log form). Default 0.5 (tuned with the recency boost on the tune folds, see the remarks). Must be ≥ 0.</summary>
    public float Alpha { get; set; } = 0.5f;

    /// <summary>Epsilon of the log scaling c = 1 + alpha · log(1 + r / epsilon). Default 1. Must be &gt; 0.</summary>
    public float Epsilon { get; set; } = 1f;

    /// <summary>
    /// Recency boost β: an interaction at relative position q ∈ [0, 1] of its user's history (ordered by timestamp, 0 = oldest,
    /// 1 = newest) counts 1 + β·q times, so recent taste weighs more. Default 3 (tuned on the tune folds, see the remarks);
    /// 0 is plain iALS. Must be a finite number ≥ 0.
    /// </summary>
    public float RecencyBoost { get; set; } = 3f;

    /// <summary>Number of alternating iterations (one user step and one item step each). Default 15. Must be ≥ 1.</summary>
    public int Iterations { get; set; } = 15;

    /// <summary>How an interaction count r becomes a confidence. Default <see cref="ConfidenceScaling.Linear"/>.</summary>
    public ConfidenceScaling ConfidenceScaling { get; set; } = ConfidenceScaling.Linear;

    /// <summary>
    /// Per-row solver. Default <see cref="AlsSolver.ConjugateGradient"/> (3 steps, warm-started): with the other defaults it
    /// fits ML-100K 4.4× faster than the exact <see cref="AlsSolver.Cholesky"/> solve (0.36 s against 1.59 s, 128 factors,
    /// 2 threads) at the same quality (NDCG@10 .0867 against .0862, 3 nested folds of p2-tune × 3 seeds; p2 test .0494
    /// against .0499, seed 42), and 4× faster at 60k users × 20k items (11.6 s against 47 s).
    /// </summary>
    public AlsSolver Solver { get; set; } = AlsSolver.ConjugateGradient;

    /// <summary>Conjugate-gradient steps per row and half-iteration (only for <see cref="AlsSolver.ConjugateGradient"/>). Default 3. Must be ≥ 1.</summary>
    public int ConjugateGradientSteps { get; set; } = 3;

    /// <summary>Seed of the N(0, 0.01²) initialisation. The same seed gives the same factors at any thread count.</summary>
    public int Seed { get; set; } = 1;

    /// <summary>Worker threads; 0 = all processors. Must be ≥ 0.</summary>
    public int Threads { get; set; }

    /// <summary>Whether to compute the training objective after each iteration (costs about one extra pass over the data).</summary>
    public bool ComputeLoss { get; set; } = true;

    /// <summary>
    /// Whether <see cref="ImplicitAlsTrainer.Fit(Training.TrainingData, IProgress{Training.TrainingProgress}?, CancellationToken)"/>
    /// evaluates the validation interactions (full ranking, train items excluded) after every iteration and puts the metrics
    /// ("NDCG@10", "Recall@100", ...) into the progress reports. Default false (about 0.05 s per iteration on ML-100K).
    /// </summary>
    public bool ValidateEachIteration { get; set; }

    /// <summary>What the model answers for unknown users. Default <see cref="ColdUserStrategy.MeanUser"/>.</summary>
    public ColdUserStrategy ColdUser { get; set; } = ColdUserStrategy.MeanUser;

    /// <summary>A copy (every option is a value), so an estimator keeps the settings it was made with.</summary>
    internal ImplicitAlsOptions Clone() => (ImplicitAlsOptions)MemberwiseClone();

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the first invalid option and its value.</summary>
    public void Validate()
    {
        if (Factors < 1) throw new ArgumentOutOfRangeException(nameof(Factors), Factors, "Factors must be ≥ 1.");
        // Without a ridge a user (or item) with fewer interactions than factors has a singular system: the conjugate-gradient
        // solver then returns huge or NaN factors instead of failing.
        if (!(Regularization > 0f) || !float.IsFinite(Regularization))
            throw new ArgumentOutOfRangeException(nameof(Regularization), Regularization, "Regularization must be a finite number > 0 (without it the least-squares systems can be singular).");
        if (!(RegularizationExponent >= 0f && RegularizationExponent <= 1f))
            throw new ArgumentOutOfRangeException(nameof(RegularizationExponent), RegularizationExponent, "RegularizationExponent must be in [0, 1].");
        if (!(Alpha >= 0f) || !float.IsFinite(Alpha))
            throw new ArgumentOutOfRangeException(nameof(Alpha), Alpha, "Alpha must be a finite number ≥ 0.");
        if (!(Epsilon > 0f) || !float.IsFinite(Epsilon))
            throw new ArgumentOutOfRangeException(nameof(Epsilon), Epsilon, "Epsilon must be a finite number > 0.");
        if (!float.IsFinite(RecencyBoost) || RecencyBoost < 0)
            throw new ArgumentOutOfRangeException(nameof(RecencyBoost), RecencyBoost, "RecencyBoost must be a finite number ≥ 0.");
        if (Iterations < 1) throw new ArgumentOutOfRangeException(nameof(Iterations), Iterations, "Iterations must be ≥ 1.");
        if (ConjugateGradientSteps < 1)
            throw new ArgumentOutOfRangeException(nameof(ConjugateGradientSteps), ConjugateGradientSteps, "ConjugateGradientSteps must be ≥ 1.");
        if (Threads < 0) throw new ArgumentOutOfRangeException(nameof(Threads), Threads, "Threads must be ≥ 0 (0 = all processors).");
        if (!Enum.IsDefined(ConfidenceScaling)) throw new ArgumentOutOfRangeException(nameof(ConfidenceScaling), ConfidenceScaling, "Unknown confidence scaling.");
        if (!Enum.IsDefined(Solver)) throw new ArgumentOutOfRangeException(nameof(Solver), Solver, "Unknown solver.");
        if (!Enum.IsDefined(ColdUser)) throw new ArgumentOutOfRangeException(nameof(ColdUser), ColdUser, "Unknown cold-user strategy.");
    }
}
