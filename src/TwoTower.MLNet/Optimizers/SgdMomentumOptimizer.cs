namespace TwoTower.MLNet.Optimizers;

/// <summary>Stochastic gradient descent with (heavy-ball) momentum: v ← μv + g; w ← w − lr·v.</summary>
public sealed class SgdMomentumOptimizer : Optimizer
{
    /// <summary>Creates the optimiser; momentum 0 is plain SGD.</summary>
    public SgdMomentumOptimizer(float momentum = 0.9f, float weightDecay = 0f) : base(weightDecay)
    {
        if (!(momentum >= 0 && momentum < 1)) throw new ArgumentOutOfRangeException(nameof(momentum), momentum, "Must be in [0, 1).");
        Momentum = momentum;
    }

    /// <summary>Momentum coefficient μ.</summary>
    public float Momentum { get; }

    /// <inheritdoc />
    protected override void UpdateRange(Parameter p, int start, int length, float learningRate, long step)
    {
        var w = p.Value.AsSpan(start, length);
        var g = p.Gradient.AsSpan(start, length);
        Decay(p, w, learningRate);
        if (Momentum == 0f)
        {
            System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(g, -learningRate, w, w);
            return;
        }
        var vAll = p.State1;
        var v = State(ref vAll, p.Value.Length).AsSpan(start, length);
        p.State1 = vAll;
        for (var i = 0; i < w.Length; i++)
        {
            var vi = Momentum * v[i] + g[i];
            v[i] = vi;
            w[i] -= learningRate * vi;
        }
    }
}
