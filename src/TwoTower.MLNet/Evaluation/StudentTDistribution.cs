namespace TwoTower.MLNet.Evaluation;

/// <summary>Student's t distribution's tail, for the paired p-values of <see cref="EvaluationComparison"/>.</summary>
internal static class StudentTDistribution
{
    /// <summary>
    /// Two-sided p-value of a t statistic with <paramref name="degreesOfFreedom"/> degrees of freedom:
    /// P(|T| ≥ |t|) = I_x(ν/2, 1/2) with x = ν/(ν + t²), the regularised incomplete beta function.
    /// </summary>
    public static double TwoSidedP(double t, double degreesOfFreedom)
    {
        if (double.IsNaN(t) || !(degreesOfFreedom > 0)) return double.NaN;
        if (double.IsInfinity(t)) return 0;
        // ν/(ν + t²) loses every digit when t² ≪ ν: 1 − x = t²/(ν + t²) is exact, so pass both.
        var t2 = t * t;
        var x = degreesOfFreedom / (degreesOfFreedom + t2);
        var oneMinusX = t2 / (degreesOfFreedom + t2);
        return RegularizedIncompleteBeta(x, oneMinusX, degreesOfFreedom / 2, 0.5);
    }

    /// <summary>
    /// I_x(a, b) for x in [0, 1] (with 1 − x given exactly): the continued fraction of DLMF 8.17.22 evaluated by
    /// the modified Lentz method, on the side of the symmetry I_x(a, b) = 1 − I_{1−x}(b, a) where it converges fast.
    /// </summary>
    internal static double RegularizedIncompleteBeta(double x, double oneMinusX, double a, double b)
    {
        if (x <= 0) return 0;
        if (oneMinusX <= 0) return 1;
        // x^a (1−x)^b / B(a, b), in logarithms so that large a and b do not overflow; ln x near 1 through ln(1 − (1−x)).
        var lnX = x > 0.5 ? LogOnePlus(-oneMinusX) : Math.Log(x);
        var lnOneMinusX = oneMinusX > 0.5 ? LogOnePlus(-x) : Math.Log(oneMinusX);
        var front = Math.Exp(LogGammaRatio(Math.Max(a, b), Math.Min(a, b)) - LogGamma(Math.Min(a, b)) + a * lnX + b * lnOneMinusX);
        return x < (a + 1) / (a + b + 2)
            ? front * ContinuedFraction(x, a, b) / a
            : 1 - front * ContinuedFraction(oneMinusX, b, a) / b;
    }

    // 1/(1 + d1/(1 + d2/(1 + …))) with d_{2m+1} = −(a+m)(a+b+m)x / ((a+2m)(a+2m+1)), d_{2m} = m(b−m)x / ((a+2m−1)(a+2m)).
    private static double ContinuedFraction(double x, double a, double b)
    {
        const double Tiny = 1e-300;
        double c = 1, d = 1 - (a + b) * x / (a + 1);
        if (Math.Abs(d) < Tiny) d = Tiny;
        d = 1 / d;
        var f = d;
        // Converges in O(√max(a, b)) steps at worst: enough for a billion users.
        for (var m = 1; m <= 100_000; m++)
        {
            var even = m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m));
            d = 1 + even * d; if (Math.Abs(d) < Tiny) d = Tiny;
            c = 1 + even / c; if (Math.Abs(c) < Tiny) c = Tiny;
            d = 1 / d;
            f *= d * c;
            var odd = -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1));
            d = 1 + odd * d; if (Math.Abs(d) < Tiny) d = Tiny;
            c = 1 + odd / c; if (Math.Abs(c) < Tiny) c = Tiny;
            d = 1 / d;
            var step = d * c;
            f *= step;
            if (Math.Abs(step - 1) < 1e-15) return f;
        }
        return f;
    }

    /// <summary>ln Γ(z) for z &gt; 0: raised to z ≥ 10 by Γ(z) = Γ(z+1)/z, then Stirling's series (error below 1e-13 there).</summary>
    internal static double LogGamma(double z)
    {
        double shift = 0;
        while (z < 10)
        {
            shift -= Math.Log(z);
            z += 1;
        }
        return shift + (z - 0.5) * Math.Log(z) - z + 0.5 * Math.Log(2 * Math.PI) + StirlingSeries(z);
    }

    /// <summary>
    /// ln Γ(a + b) − ln Γ(a) for b ≤ a. For large a the two logarithms are huge and nearly equal, so the difference of
    /// their Stirling forms is taken term by term: (a − ½)·ln(1 + b/a) + b·ln(a + b) − b + the series' difference.
    /// </summary>
    internal static double LogGammaRatio(double a, double b)
    {
        if (a < 10) return LogGamma(a + b) - LogGamma(a);
        return (a - 0.5) * LogOnePlus(b / a) + b * Math.Log(a + b) - b + StirlingSeries(a + b) - StirlingSeries(a);
    }

    // 1/(12z) − 1/(360z³) + 1/(1260z⁵) − 1/(1680z⁷) + 1/(1188z⁹).
    private static double StirlingSeries(double z)
    {
        var r = 1 / z;
        var r2 = r * r;
        return r * (1.0 / 12 - r2 * (1.0 / 360 - r2 * (1.0 / 1260 - r2 * (1.0 / 1680 - r2 / 1188))));
    }

    /// <summary>ln(1 + y), accurate for tiny y: u = 1 + y rounds, and ln(u)·y/(u − 1) undoes the rounding.</summary>
    internal static double LogOnePlus(double y)
    {
        var u = 1 + y;
        return u == 1 ? y : Math.Log(u) * y / (u - 1);
    }
}
