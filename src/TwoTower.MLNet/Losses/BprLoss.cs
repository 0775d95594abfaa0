namespace TwoTower.MLNet.Losses;

/// <summary>
/// Bayesian personalised ranking (Rendle et al.): per example, the mean over negative columns of
/// −log σ((s⁺ − s⁻)/T); negatives are the batch's item columns that are not positives of the same user.
/// </summary>
public sealed class BprLoss : IRetrievalLoss
{
    private readonly PositiveMask _mask = new();

    /// <summary>Creates the loss with temperature <paramref name="temperature"/> (&gt; 0).</summary>
    public BprLoss(float temperature = 1f)
    {
        LossInputs.CheckPositive(temperature, nameof(temperature));
        Temperature = temperature;
    }

    /// <summary>Score differences are divided by this.</summary>
    public float Temperature { get; }

    /// <inheritdoc />
    public string Name => "bpr";

    /// <inheritdoc />
    public float Compute(ReadOnlySpan<float> scores, int rows, int columns, ReadOnlySpan<int> exampleRows, ReadOnlySpan<int> exampleColumns, ReadOnlySpan<float> columnLogQ, Span<float> gradScores) =>
        PairwiseLoss.Compute(new Term(1.0 / Temperature), _mask, scores, rows, columns, exampleRows, exampleColumns, columnLogQ, ReadOnlySpan<float>.Empty, ReadOnlySpan<int>.Empty, gradScores);

    /// <inheritdoc />
    public float Compute(ReadOnlySpan<float> scores, int rows, int columns, ReadOnlySpan<int> exampleRows, ReadOnlySpan<int> exampleColumns, ReadOnlySpan<float> columnLogQ, ReadOnlySpan<float> exampleWeights, Span<float> gradScores) =>
        PairwiseLoss.Compute(new Term(1.0 / Temperature), _mask, scores, rows, columns, exampleRows, exampleColumns, columnLogQ, exampleWeights, ReadOnlySpan<int>.Empty, gradScores);

    /// <inheritdoc />
    public float Compute(ReadOnlySpan<float> scores, int rows, int columns, ReadOnlySpan<int> exampleRows, ReadOnlySpan<int> exampleColumns, ReadOnlySpan<float> columnLogQ, ReadOnlySpan<float> exampleWeights, ReadOnlySpan<int> rowUsers, Span<float> gradScores) =>
        PairwiseLoss.Compute(new Term(1.0 / Temperature), _mask, scores, rows, columns, exampleRows, exampleColumns, columnLogQ, exampleWeights, rowUsers, gradScores);

    private readonly struct Term(double invT) : PairwiseLoss.ITerm
    {
        public bool Pair(float positive, float negative, double weight, out double loss, out double gradNegative)
        {
            var x = (positive - negative) * invT;
            loss = weight * LossInputs.Softplus(-x);
            gradNegative = weight * LossInputs.Sigmoid(-x) * invT;
            return true;
        }
    }
}
