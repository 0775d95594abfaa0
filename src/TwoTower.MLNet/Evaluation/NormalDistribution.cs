namespace TwoTower.MLNet.Evaluation;

/// <summary>The standard normal distribution's tail, for the p-values of <see cref="EvaluationComparison"/>.</summary>
internal static class NormalDistribution
{
    /// <summary>Two-sided p-value of a z statistic: P(|Z| ≥ |z|) = erfc(|z|/√2).</summary>
    public static double TwoSidedP(double z) => double.IsNaN(z) ? double.NaN : Erfc(Math.Abs(z) / Math.Sqrt(2));

    /// <summary>
    /// Complementary error function for x ≥ 0: the Maclaurin series of erf below 2 (terms stay below e^4: relative
    /// error under 1e-13), and from 2 on the continued fraction erfc(x) = e^(−x²)/√π · 1/(x + ½/(x + 1/(x + 3/2/(x + …)))),
    /// evaluated from its tail with 60 terms (relative error near 1e-16 there).
    /// </summary>
    public static double Erfc(double x)
    {
        if (x < 0) throw new ArgumentOutOfRangeException(nameof(x), x, "Erfc is implemented for x ≥ 0.");
        if (double.IsPositiveInfinity(x)) return 0;
        if (x < 2)
        {
            // erf(x) = 2/√π Σ_n (−1)^n x^(2n+1) / (n! (2n+1))
            double term = x, sum = x, x2 = x * x;
            for (var n = 1; n < 200 && Math.Abs(term) > 1e-17 * Math.Abs(sum); n++)
            {
                term *= -x2 / n;
                sum += term / (2 * n + 1);
            }
            return 1 - 2 / Math.Sqrt(Math.PI) * sum;
        }
        var f = x;
        for (var k = 60; k >= 1; k--) f = x + k / 2.0 / f;
        return Math.Exp(-x * x) / Math.Sqrt(Math.PI) / f;
    }
}
