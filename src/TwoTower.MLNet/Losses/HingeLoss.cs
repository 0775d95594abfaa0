namespace TwoTower.MLNet.Losses;

/// <summary>
/// Hinge (triplet) loss with margin: per example, the mean over negative columns of
/// max(0, margin − s⁺ + s⁻); negatives are the batch's item columns that are not positives of the same user.
/// </summary>
public sealed class HingeLoss : IRetrievalLoss
{
    private readonly PositiveMask _mask = new();

    /// <summary>Creates the loss with margin <paramref name="margin"/> (&gt; 0).</summary>
    public HingeLoss(float margin = 0.5f)
    {
        LossInputs.CheckPositive(margin, nameof(margin));
        Margin = margin;
    }

    /// <summary>Required gap between positive and negative scores.</summary>
    public float Margin { get; }

    /// <inheritdoc />
    public string Name => "hinge";

    /// <inheritdoc />
    public float Compute(ReadOnlySpan<float> scores, int rows, int columns, ReadOnlySpan<int> exampleRows, ReadOnlySpan<int> exampleColumns, ReadOnlySpan<float> columnLogQ, Span<float> gradScores) =>
        PairwiseLoss.Compute(new Term(Margin), _mask, scores, rows, columns, exampleRows, exampleColumns, columnLogQ, ReadOnlySpan<float>.Empty, ReadOnlySpan<int>.Empty, gradScores);

    /// <inheritdoc />
    public float Compute(ReadOnlySpan<float> scores, int rows, int columns, ReadOnlySpan<int> exampleRows, ReadOnlySpan<int> exampleColumns, ReadOnlySpan<float> columnLogQ, ReadOnlySpan<float> exampleWeights, Span<float> gradScores) =>
        PairwiseLoss.Compute(new Term(Margin), _mask, scores, rows, columns, exampleRows, exampleColumns, columnLogQ, exampleWeights, ReadOnlySpan<int>.Empty, gradScores);

    /// <inheritdoc />
    public float Compute(ReadOnlySpan<float> scores, int rows, int columns, ReadOnlySpan<int> exampleRows, ReadOnlySpan<int> exampleColumns, ReadOnlySpan<float> columnLogQ, ReadOnlySpan<float> exampleWeights, ReadOnlySpan<int> rowUsers, Span<float> gradScores) =>
        PairwiseLoss.Compute(new Term(Margin), _mask, scores, rows, columns, exampleRows, exampleColumns, columnLogQ, exampleWeights, rowUsers, gradScores);

    private readonly struct Term(float margin) : PairwiseLoss.ITerm
    {
        public bool Pair(float positive, float negative, double weight, out double loss, out double gradNegative)
        {
            var h = margin - positive + negative;
            loss = weight * h;
            gradNegative = weight;
            return !(h <= 0); // as the loss always was: only a satisfied margin skips (NaN still propagates)
        }
    }
}
