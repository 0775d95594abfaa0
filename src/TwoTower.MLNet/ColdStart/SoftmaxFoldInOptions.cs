namespace TwoTower.MLNet.ColdStart;

/// <summary>Settings of <see cref="SoftmaxFoldInUserEmbedder"/>.</summary>
public sealed record SoftmaxFoldInOptions
{
    /// <summary>
    /// Weight of the prior (the user tower's vector from features, else the cold-start vector), counted in history items:
    /// with 1, the prior weighs like one interaction. Default 1 (chosen on the tuning seed of bench/RetrievalBench).
    /// </summary>
    public float PriorWeight { get; init; } = 1f;

    /// <summary>
    /// Gradient steps at most; each costs about one objective evaluation (two passes over the softmax's items). Default 10:
    /// 0.13–0.16 ms per user for ML-100K's 1,682 items at d 64, about 0.45 ms at the 8,192-item cap (bench/RESULTS.md); on the
    /// tuning seeds of bench/RetrievalBench, 10 and 30 steps recommend the same within one hit.
    /// </summary>
    public int MaxIterations { get; init; } = 10;

    /// <summary>Stop when the tangent gradient per item (plus prior) falls below this. Default 1e-3.</summary>
    public float Tolerance { get; init; } = 1e-3f;

    /// <summary>Catalogue items in the softmax's denominator at most (an even stride of the catalogue beyond). Default 8192.</summary>
    public int MaxPartitionItems { get; init; } = 8192;

    /// <summary>Checks the settings; throws naming the bad one.</summary>
    public void Validate()
    {
        if (!(PriorWeight >= 0) || float.IsInfinity(PriorWeight)) throw new ArgumentOutOfRangeException(nameof(PriorWeight), PriorWeight, "SoftmaxFoldInOptions.PriorWeight must be a finite number ≥ 0.");
        if (MaxIterations < 0) throw new ArgumentOutOfRangeException(nameof(MaxIterations), MaxIterations, "SoftmaxFoldInOptions.MaxIterations must be ≥ 0.");
        if (!(Tolerance > 0) || float.IsInfinity(Tolerance)) throw new ArgumentOutOfRangeException(nameof(Tolerance), Tolerance, "SoftmaxFoldInOptions.Tolerance must be a finite number > 0.");
        if (MaxPartitionItems < 1) throw new ArgumentOutOfRangeException(nameof(MaxPartitionItems), MaxPartitionItems, "SoftmaxFoldInOptions.MaxPartitionItems must be ≥ 1.");
    }
}
