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
    public float Compute(ReadOnlySpan<float> scores, int rows, int columns, ReadOnlySpan<int> exampleRows, ReadOnlySpan<int> exampleColumns, ReadOnlySpan<float> columnLogQ, Span<float> gradScores)
    {
        LossInputs.Check(scores, rows, columns, exampleRows, exampleColumns, columnLogQ, gradScores);
        _mask.Build(rows, columns, exampleRows, exampleColumns);
        gradScores[..(rows * columns)].Clear();
        var n = exampleRows.Length;
        double loss = 0;
        for (var b = 0; b < n; b++)
        {
            int r = exampleRows[b], pc = exampleColumns[b];
            var neg = _mask.NegativeCount(r);
            if (neg == 0) continue;
            var w = 1.0 / (n * neg);
            var sp = scores[r * columns + pc];
            double gPos = 0;
            for (var c = 0; c < columns; c++)
            {
                if (_mask.IsPositive(r, c, columns)) continue;
                var h = Margin - sp + scores[r * columns + c];
                if (h <= 0) continue;
                loss += w * h;
                gPos -= w;
                gradScores[r * columns + c] += (float)w;
            }
            gradScores[r * columns + pc] += (float)gPos;
        }
        return (float)loss;
    }
}
