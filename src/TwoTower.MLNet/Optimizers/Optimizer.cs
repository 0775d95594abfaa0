namespace TwoTower.MLNet.Optimizers;

/// <summary>
/// Updates parameters from their gradients. Dense parameters are updated entirely; sparse ones only on
/// their touched rows (lazy). Step numbers start at 1.
/// </summary>
public abstract class Optimizer
{
    /// <summary>Creates an optimiser with decoupled weight decay <paramref name="weightDecay"/> (≥ 0).</summary>
    protected Optimizer(float weightDecay)
    {
        if (!(weightDecay >= 0) || !float.IsFinite(weightDecay))
            throw new ArgumentOutOfRangeException(nameof(weightDecay), weightDecay, "Weight decay must be a finite number ≥ 0.");
        WeightDecay = weightDecay;
    }

    /// <summary>Decoupled weight decay: each updated value shrinks by learningRate × WeightDecay × value.</summary>
    public float WeightDecay { get; }

    /// <summary>Applies one update with learning rate <paramref name="learningRate"/> (finite, ≥ 0) at step <paramref name="step"/> (1-based).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="step"/> is below 1, or <paramref name="learningRate"/> is negative or not finite.</exception>
    public void Step(Parameter parameter, float learningRate, long step)
    {
        ArgumentNullException.ThrowIfNull(parameter);
        // Adam's bias correction 1 − β^step is 0 at step 0: every value would become NaN.
        if (step < 1) throw new ArgumentOutOfRangeException(nameof(step), step, "Steps are 1-based.");
        if (!(learningRate >= 0) || !float.IsFinite(learningRate))
            throw new ArgumentOutOfRangeException(nameof(learningRate), learningRate, "The learning rate must be a finite number ≥ 0.");
        if (parameter.Frozen) return;
        if (!parameter.IsSparse)
        {
            UpdateRange(parameter, 0, parameter.Value.Length, learningRate, step);
            return;
        }
        foreach (var r in parameter.TouchedRows) UpdateRange(parameter, r * parameter.Columns, parameter.Columns, learningRate, step);
    }

    /// <summary>Updates values [start, start + length) of a parameter.</summary>
    protected abstract void UpdateRange(Parameter p, int start, int length, float learningRate, long step);

    /// <summary>Applies decoupled weight decay to a range.</summary>
    protected void Decay(Parameter p, Span<float> values, float learningRate)
    {
        if (WeightDecay > 0 && p.ApplyWeightDecay)
            System.Numerics.Tensors.TensorPrimitives.Multiply(values, 1f - learningRate * WeightDecay, values);
    }

    /// <summary>Returns the state slot, allocating it on first use.</summary>
    protected static float[] State(ref float[]? slot, int length, float initial = 0f)
    {
        if (slot is null)
        {
            slot = new float[length];
            if (initial != 0f) Array.Fill(slot, initial);
        }
        return slot;
    }
}
