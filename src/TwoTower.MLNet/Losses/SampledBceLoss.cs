namespace TwoTower.MLNet.Losses;

/// <summary>
/// Binary cross-entropy with sampled negatives: −log σ(s⁺/T) for the positive plus the mean of
/// −log(1 − σ(s⁻/T)) over the batch's item columns that are not positives of the same user.
/// </summary>
public sealed class SampledBceLoss : IRetrievalLoss
{
    private readonly PositiveMask _mask = new();

    /// <summary>Creates the loss with temperature <paramref name="temperature"/> (&gt; 0).</summary>
    public SampledBceLoss(float temperature = 1f)
    {
        LossInputs.CheckPositive(temperature, nameof(temperature));
        Temperature = temperature;
    }

    /// <summary>Logits are scores divided by this.</summary>
    public float Temperature { get; }

    /// <inheritdoc />
    public string Name => "bce";

    /// <inheritdoc />
    public float Compute(ReadOnlySpan<float> scores, int rows, int columns, ReadOnlySpan<int> exampleRows, ReadOnlySpan<int> exampleColumns, ReadOnlySpan<float> columnLogQ, Span<float> gradScores)
    {
        LossInputs.Check(scores, rows, columns, exampleRows, exampleColumns, columnLogQ, gradScores);
        _mask.Build(rows, columns, exampleRows, exampleColumns);
        gradScores[..(rows * columns)].Clear();
        var n = exampleRows.Length;
        var invT = 1.0 / Temperature;
        var counts = new int[rows];
        foreach (var r in exampleRows) counts[r]++;
        double loss = 0;
        for (var r = 0; r < rows; r++)
        {
            var neg = _mask.NegativeCount(r);
            if (counts[r] == 0 || neg == 0) continue;
            // Every example of this row shares the same negative term.
            var w = (double)counts[r] / (n * neg);
            for (var c = 0; c < columns; c++)
            {
                if (_mask.IsPositive(r, c, columns)) continue;
                var z = scores[r * columns + c] * invT;
                loss += w * LossInputs.Softplus(z);
                gradScores[r * columns + c] += (float)(w * LossInputs.Sigmoid(z) * invT);
            }
        }
        for (var b = 0; b < n; b++)
        {
            var idx = exampleRows[b] * columns + exampleColumns[b];
            var z = scores[idx] * invT;
            loss += LossInputs.Softplus(-z) / n;
            gradScores[idx] += (float)(-LossInputs.Sigmoid(-z) * invT / n);
        }
        return (float)loss;
    }
}
