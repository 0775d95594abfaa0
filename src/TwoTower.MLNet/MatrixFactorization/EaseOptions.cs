namespace TwoTower.MLNet.MatrixFactorization;

/// <summary>Hyper-parameters of <see cref="EaseTrainer"/> (Steck 2019).</summary>
public sealed class EaseOptions
{
    /// <summary>
    /// Largest catalogue EASE accepts: the model is a dense items × items matrix (30,000 items = 3.6 GB), and the fit
    /// holds several such matrices at its peak (about 6× the model: 4,000 items peaked at 0.4 GB), so plan about 20 GB at 30,000.
    /// </summary>
    public const int MaxItems = 30_000;

    /// <summary>
    /// L2 weight λ added to the diagonal of XᵀX. Default 300: tuned on the ML-100K p2-tune split only (fit on train.csv,
    /// NDCG@10 on valid.csv, train items excluded; bench/MfBench `tune-ease`) over λ ∈ {50, 100, 200, 300, 500, 800, 1000,
    /// 1500, 2000, 3000}: validation NDCG@10 rises from .063 (λ 50) to .0677 at λ 300 and falls to .056 at λ 3000
    /// (λ 200: .0668, λ 500: .0668, the numpy peer's choice). Must be &gt; 0.
    /// </summary>
    public float Lambda { get; set; } = 300f;

    /// <summary>Worker threads; 0 = all processors. Must be ≥ 0.</summary>
    public int Threads { get; set; }

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the first invalid option and its value.</summary>
    public void Validate()
    {
        if (!(Lambda > 0f) || !float.IsFinite(Lambda))
            throw new ArgumentOutOfRangeException(nameof(Lambda), Lambda, "Lambda must be a finite number > 0.");
        if (Threads < 0) throw new ArgumentOutOfRangeException(nameof(Threads), Threads, "Threads must be ≥ 0 (0 = all processors).");
    }
}
