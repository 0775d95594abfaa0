namespace TwoTower.MLNet.Optimizers;

/// <summary>Adagrad: per-value accumulated squared gradients scale the step (Keras defaults: initial accumulator 0.1, ε 1e-7).</summary>
public sealed class AdagradOptimizer : Optimizer
{
    /// <summary>Creates the optimiser.</summary>
    public AdagradOptimizer(float initialAccumulator = 0.1f, float epsilon = 1e-7f, float weightDecay = 0f) : base(weightDecay)
    {
        if (!(initialAccumulator >= 0)) throw new ArgumentOutOfRangeException(nameof(initialAccumulator), initialAccumulator, "Must be ≥ 0.");
        if (!(epsilon > 0)) throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, "Must be > 0.");
        InitialAccumulator = initialAccumulator;
        Epsilon = epsilon;
    }

    /// <summary>Starting value of the accumulator.</summary>
    public float InitialAccumulator { get; }

    /// <summary>Denominator guard.</summary>
    public float Epsilon { get; }

    /// <inheritdoc />
    protected override void UpdateRange(Parameter p, int start, int length, float learningRate, long step)
    {
        var accAll = p.State1;
        var acc = State(ref accAll, p.Value.Length, InitialAccumulator).AsSpan(start, length);
        p.State1 = accAll;
        var w = p.Value.AsSpan(start, length);
        var g = p.Gradient.AsSpan(start, length);
        Decay(p, w, learningRate);
        for (var i = 0; i < w.Length; i++)
        {
            var a = acc[i] + g[i] * g[i];
            acc[i] = a;
            w[i] -= learningRate * g[i] / (MathF.Sqrt(a) + Epsilon);
        }
    }
}
