namespace TwoTower.MLNet.Losses;

/// <summary>
/// Binary cross-entropy with sampled negatives: −log σ(s⁺/T) for the positive plus the mean of
/// −log(1 − σ(s⁻/T)) over the batch's item columns that are not positives of the same user (over all of the user's rows).
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
    public float Compute(ReadOnlySpan<float> scores, int rows, int columns, ReadOnlySpan<int> exampleRows, ReadOnlySpan<int> exampleColumns, ReadOnlySpan<float> columnLogQ, Span<float> gradScores) =>
        Compute(scores, rows, columns, exampleRows, exampleColumns, columnLogQ, ReadOnlySpan<float>.Empty, gradScores);

    /// <inheritdoc />
    public float Compute(ReadOnlySpan<float> scores, int rows, int columns, ReadOnlySpan<int> exampleRows, ReadOnlySpan<int> exampleColumns, ReadOnlySpan<float> columnLogQ, ReadOnlySpan<float> exampleWeights, Span<float> gradScores) =>
        Compute(scores, rows, columns, exampleRows, exampleColumns, columnLogQ, exampleWeights, ReadOnlySpan<int>.Empty, gradScores);

    /// <inheritdoc />
    public float Compute(ReadOnlySpan<float> scores, int rows, int columns, ReadOnlySpan<int> exampleRows, ReadOnlySpan<int> exampleColumns, ReadOnlySpan<float> columnLogQ, ReadOnlySpan<float> exampleWeights, ReadOnlySpan<int> rowUsers, Span<float> gradScores)
    {
        LossInputs.Check(scores, rows, columns, exampleRows, exampleColumns, columnLogQ, gradScores);
        var n = LossInputs.CheckWeights(exampleWeights, exampleRows.Length);
        LossInputs.CheckRowUsers(rowUsers, rows);
        _mask.Build(rows, columns, exampleRows, exampleColumns, rowUsers);
        gradScores[..(rows * columns)].Clear();
        var invT = 1.0 / Temperature;
        // Summed example weight per row (the example count when unweighted).
        var counts = new double[rows];
        for (var b = 0; b < exampleRows.Length; b++) counts[exampleRows[b]] += exampleWeights.IsEmpty ? 1.0 : exampleWeights[b];
        double loss = 0;
        for (var r = 0; r < rows; r++)
        {
            var neg = _mask.NegativeCount(r);
            if (counts[r] == 0 || neg == 0) continue;
            // Every example of this row shares the same negative term.
            var w = counts[r] / (n * neg);
            for (var c = 0; c < columns; c++)
            {
                if (_mask.IsPositive(r, c, columns)) continue;
                var z = scores[r * columns + c] * invT;
                loss += w * LossInputs.Softplus(z);
                gradScores[r * columns + c] += (float)(w * LossInputs.Sigmoid(z) * invT);
            }
        }
        for (var b = 0; b < exampleRows.Length; b++)
        {
            var idx = exampleRows[b] * columns + exampleColumns[b];
            var z = scores[idx] * invT;
            var wb = (exampleWeights.IsEmpty ? 1.0 : exampleWeights[b]) / n;
            loss += LossInputs.Softplus(-z) * wb;
            gradScores[idx] += (float)(-LossInputs.Sigmoid(-z) * invT * wb);
        }
        return (float)loss;
    }
}
