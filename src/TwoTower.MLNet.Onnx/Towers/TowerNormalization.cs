namespace TwoTower.MLNet.Onnx.Towers;

/// <summary>Normalisation applied to a tower's output.</summary>
public enum TowerNormalization
{
    /// <summary>The output is the last layer's (or the concatenated inputs') value.</summary>
    None = 0,

    /// <summary>
    /// L2: <c>x / max(‖x‖₂, eps)</c> — the managed formula — built as ReduceL2 → Max(eps) → Div
    /// (not LpNormalization, whose zero-norm handling differs).
    /// </summary>
    L2 = 1,
}
