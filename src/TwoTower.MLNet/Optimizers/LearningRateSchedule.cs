namespace TwoTower.MLNet.Optimizers;

/// <summary>How the learning rate decays after warm-up.</summary>
public enum LearningRateDecay
{
    /// <summary>Constant after warm-up.</summary>
    None,
    /// <summary>Linear to <see cref="LearningRateSchedule.FinalFraction"/> × base at the last step.</summary>
    Linear,
    /// <summary>Half cosine to <see cref="LearningRateSchedule.FinalFraction"/> × base at the last step.</summary>
    Cosine,
}

/// <summary>Learning rate per step: linear warm-up from 0 over <see cref="WarmupSteps"/>, then the chosen decay.</summary>
/// <param name="BaseRate">Peak learning rate (&gt; 0).</param>
/// <param name="WarmupSteps">Warm-up steps (≥ 0).</param>
/// <param name="Decay">Decay after warm-up.</param>
/// <param name="TotalSteps">Planned steps (for the decay).</param>
/// <param name="FinalFraction">Rate at the last step as a fraction of the base.</param>
public sealed record LearningRateSchedule(float BaseRate, int WarmupSteps, LearningRateDecay Decay, long TotalSteps, float FinalFraction = 0.1f)
{
    /// <summary>The learning rate of 1-based step <paramref name="step"/>.</summary>
    public float RateAt(long step)
    {
        if (step < 1) throw new ArgumentOutOfRangeException(nameof(step), step, "Steps are 1-based.");
        if (WarmupSteps > 0 && step <= WarmupSteps) return BaseRate * step / WarmupSteps;
        if (Decay == LearningRateDecay.None || TotalSteps <= WarmupSteps) return BaseRate;
        var t = Math.Clamp((double)(step - WarmupSteps) / (TotalSteps - WarmupSteps), 0, 1);
        var f = Decay == LearningRateDecay.Linear ? 1 - t : 0.5 * (1 + Math.Cos(Math.PI * t));
        return (float)(BaseRate * (FinalFraction + (1 - FinalFraction) * f));
    }
}
