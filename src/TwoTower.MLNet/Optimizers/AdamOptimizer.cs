using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace TwoTower.MLNet.Optimizers;

/// <summary>
/// Adam (Kingma &amp; Ba) with decoupled weight decay (AdamW). On sparse parameters the moments of a row
/// move only when the row is touched (lazy Adam), with the global step in the bias correction.
/// </summary>
public sealed class AdamOptimizer : Optimizer
{
    /// <summary>Creates the optimiser; defaults are the usual β1 0.9, β2 0.999, ε 1e-8.</summary>
    public AdamOptimizer(float beta1 = 0.9f, float beta2 = 0.999f, float epsilon = 1e-8f, float weightDecay = 0f) : base(weightDecay)
    {
        if (!(beta1 >= 0 && beta1 < 1)) throw new ArgumentOutOfRangeException(nameof(beta1), beta1, "Must be in [0, 1).");
        if (!(beta2 >= 0 && beta2 < 1)) throw new ArgumentOutOfRangeException(nameof(beta2), beta2, "Must be in [0, 1).");
        if (!(epsilon > 0)) throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, "Must be > 0.");
        Beta1 = beta1;
        Beta2 = beta2;
        Epsilon = epsilon;
    }

    /// <summary>First-moment decay.</summary>
    public float Beta1 { get; }

    /// <summary>Second-moment decay.</summary>
    public float Beta2 { get; }

    /// <summary>Denominator guard.</summary>
    public float Epsilon { get; }

    private sealed record BiasCorrections(long Step, double C1, double C2);

    // Bias corrections 1 − β^step of the last step seen.
    private BiasCorrections? _corrections;

    /// <inheritdoc />
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    protected override void UpdateRange(Parameter p, int start, int length, float learningRate, long step)
    {
        var mAll = p.State1;
        var vAll = p.State2;
        var m = State(ref mAll, p.Value.Length).AsSpan(start, length);
        var v = State(ref vAll, p.Value.Length).AsSpan(start, length);
        p.State1 = mAll;
        p.State2 = vAll;
        var w = p.Value.AsSpan(start, length);
        var g = p.Gradient.AsSpan(start, length);
        Decay(p, w, learningRate);
        // Bias corrections depend on the step only: computed once per step, not once per embedding row.
        // One immutable object per step: towers updated on two threads read a consistent pair.
        var corr = _corrections;
        if (corr is null || corr.Step != step) _corrections = corr = new BiasCorrections(step, 1.0 - Math.Pow(Beta1, step), 1.0 - Math.Pow(Beta2, step));
        var stepSize = (float)(learningRate * Math.Sqrt(corr.C2) / corr.C1);
        // ε scaled so that the update equals lr·m̂/(√v̂+ε) exactly (the usual bias-corrected form).
        var eps = (float)(Epsilon * Math.Sqrt(corr.C2));
        float b1 = Beta1, b2 = Beta2, ob1 = 1 - Beta1, ob2 = 1 - Beta2;
        var i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            var vb1 = Vector512.Create(b1); var vb2 = Vector512.Create(b2); var vob1 = Vector512.Create(ob1); var vob2 = Vector512.Create(ob2);
            var vstep = Vector512.Create(stepSize); var veps = Vector512.Create(eps);
            ref var rw = ref MemoryMarshal.GetReference(w); ref var rg = ref MemoryMarshal.GetReference(g);
            ref var rm = ref MemoryMarshal.GetReference(m); ref var rv = ref MemoryMarshal.GetReference(v);
            for (; i <= w.Length - 16; i += 16)
            {
                var gi = Vector512.LoadUnsafe(ref rg, (nuint)i);
                var mi = Vector512.FusedMultiplyAdd(vb1, Vector512.LoadUnsafe(ref rm, (nuint)i), vob1 * gi);
                var vi = Vector512.FusedMultiplyAdd(vb2, Vector512.LoadUnsafe(ref rv, (nuint)i), vob2 * gi * gi);
                mi.StoreUnsafe(ref rm, (nuint)i);
                vi.StoreUnsafe(ref rv, (nuint)i);
                var wi = Vector512.LoadUnsafe(ref rw, (nuint)i) - vstep * mi / (Vector512.Sqrt(vi) + veps);
                wi.StoreUnsafe(ref rw, (nuint)i);
            }
        }
        for (; i < w.Length; i++)
        {
            var gi = g[i];
            var mi = b1 * m[i] + ob1 * gi;
            var vi = b2 * v[i] + ob2 * gi * gi;
            m[i] = mi;
            v[i] = vi;
            w[i] -= stepSize * mi / (MathF.Sqrt(vi) + eps);
        }
    }
}
