namespace TwoTower.MLNet.MatrixFactorization;

/// <summary>How implicit ALS turns an interaction count r into a confidence c (Hu, Koren, Volinsky 2008, §4).</summary>
public enum ConfidenceScaling
{
    /// <summary>c = 1 + alpha · r.</summary>
    Linear,
    /// <summary>c = 1 + alpha · log(1 + r / epsilon): damps heavy repeat counts.</summary>
    Log,
}
