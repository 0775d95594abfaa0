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
    public float Compute(ReadOnlySpan<float> scores, int rows, int columns, ReadOnlySpan<int> exampleRows, ReadOnlySpan<int> exampleColumns, ReadOnlySpan<float> columnLogQ, Span<float> gradScores)
    {
        LossInputs.Check(scores, rows, columns, exampleRows, exampleColumns, columnLogQ, gradScores);
        _mask.Build(rows, columns, exampleRows, exampleColumns);
        gradScores[..(rows * columns)].Clear();
        var n = exampleRows.Length;
        var invT = 1.0 / Temperature;
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
                var x = (sp - scores[r * columns + c]) * invT;
                loss += w * LossInputs.Softplus(-x);
                var g = w * LossInputs.Sigmoid(-x) * invT;
                gPos -= g;
                gradScores[r * columns + c] += (float)g;
            }
            gradScores[r * columns + pc] += (float)gPos;
        }
        return (float)loss;
    }
}
