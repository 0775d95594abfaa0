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
/// <param name="FinalFraction">Rate at the last step as a fraction of the base (finite, ≥ 0).</param>
public sealed record LearningRateSchedule(float BaseRate, int WarmupSteps, LearningRateDecay Decay, long TotalSteps, float FinalFraction = 0.1f)
{
    /// <summary>The learning rate of 1-based step <paramref name="step"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="step"/> is below 1, or a parameter of the schedule is outside its documented range.</exception>
    public float RateAt(long step)
    {
        if (step < 1) throw new ArgumentOutOfRangeException(nameof(step), step, "Steps are 1-based.");
        // Checked here, as a positional record has no constructor body: a few comparisons per step.
        if (!(BaseRate > 0) || !float.IsFinite(BaseRate)) throw new ArgumentOutOfRangeException(nameof(BaseRate), BaseRate, "The base rate must be a finite number > 0.");
        if (WarmupSteps < 0) throw new ArgumentOutOfRangeException(nameof(WarmupSteps), WarmupSteps, "Warm-up steps must be ≥ 0.");
        if (!Enum.IsDefined(Decay)) throw new ArgumentOutOfRangeException(nameof(Decay), Decay, $"Decay must be one of {string.Join(", ", Enum.GetNames<LearningRateDecay>())}.");
        if (!(FinalFraction >= 0) || !float.IsFinite(FinalFraction)) throw new ArgumentOutOfRangeException(nameof(FinalFraction), FinalFraction, "The final fraction must be a finite number ≥ 0.");
        if (WarmupSteps > 0 && step <= WarmupSteps) return BaseRate * step / WarmupSteps;
        if (Decay == LearningRateDecay.None || TotalSteps <= WarmupSteps) return BaseRate;
        var t = Math.Clamp((double)(step - WarmupSteps) / (TotalSteps - WarmupSteps), 0, 1);
        var f = Decay == LearningRateDecay.Linear ? 1 - t : 0.5 * (1 + Math.Cos(Math.PI * t));
        return (float)(BaseRate * (FinalFraction + (1 - FinalFraction) * f));
    }
}
