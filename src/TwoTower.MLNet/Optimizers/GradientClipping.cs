namespace TwoTower.MLNet.Optimizers;

/// <summary>Global-norm gradient clipping: when the joint L2 norm of all gradients exceeds the limit, all are scaled down to it.</summary>
public static class GradientClipping
{
    /// <summary>Clips in place and returns the norm before clipping; <paramref name="maxNorm"/> ≤ 0 only measures.</summary>
    public static double ClipByGlobalNorm(IReadOnlyList<Parameter> parameters, float maxNorm)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        double sq = 0;
        foreach (var p in parameters) sq += p.GradientSquaredNorm();
        var norm = Math.Sqrt(sq);
        if (maxNorm > 0 && norm > maxNorm)
        {
            var f = (float)(maxNorm / norm);
            foreach (var p in parameters) p.ScaleGradient(f);
        }
        return norm;
    }
}
