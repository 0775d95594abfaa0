namespace TwoTower.MLNet.Optimizers;

/// <summary>
/// Global-norm gradient clipping: when the joint L2 norm of the gradients exceeds the limit, all are scaled down to it. Frozen
/// parameters take no step, so their gradients are neither part of the norm nor scaled.
/// </summary>
public static class GradientClipping
{
    /// <summary>Clips in place and returns the norm before clipping; <paramref name="maxNorm"/> ≤ 0 only measures.</summary>
    public static double ClipByGlobalNorm(IReadOnlyList<Parameter> parameters, float maxNorm)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        double sq = 0;
        // A frozen table (warm start) still receives gradients: counting them would shrink the steps of the others.
        foreach (var p in parameters) if (!p.Frozen) sq += p.GradientSquaredNorm();
        var norm = Math.Sqrt(sq);
        if (maxNorm > 0 && norm > maxNorm)
        {
            var f = (float)(maxNorm / norm);
            foreach (var p in parameters) if (!p.Frozen) p.ScaleGradient(f);
        }
        return norm;
    }
}
