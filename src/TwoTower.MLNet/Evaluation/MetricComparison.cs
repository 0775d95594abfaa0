namespace TwoTower.MLNet.Evaluation;

/// <summary>
/// One metric of two models evaluated on the same test set, compared user by user (<see cref="EvaluationComparison"/>).
/// </summary>
/// <param name="Metric">Metric name (DESIGN §6).</param>
/// <param name="Value">The model's value.</param>
/// <param name="BaselineValue">The baseline's value.</param>
/// <param name="Difference">Value − BaselineValue.</param>
/// <param name="StandardError">Standard error of the difference, paired over users (each user's own difference is one unit); NaN with one user.</param>
/// <param name="PValue">Two-sided p-value of "no difference": Student's t with Users − 1 degrees of freedom on <see cref="Z"/>; NaN with one user.</param>
/// <param name="Users">Users the comparison is over.</param>
public sealed record MetricComparison(string Metric, double Value, double BaselineValue, double Difference, double StandardError, double PValue, int Users)
{
    /// <summary>Difference / StandardError (±∞ when the error is 0 and the difference is not; NaN when both are 0 or the error is undefined).</summary>
    public double Z => double.IsNaN(StandardError) ? double.NaN : StandardError > 0 ? Difference / StandardError : Difference == 0 ? double.NaN : Math.Sign(Difference) * double.PositiveInfinity;
}
