using System.Numerics.Tensors;

namespace TwoTower.MLNet.Losses;

/// <summary>
/// In-batch sampled softmax: each example's positive item against every item column of the batch, on
/// logits s/T − log q. Columns are the batch's distinct items, so an item appearing several times in the
/// batch is one column: accidental hits (the positive repeated as a negative) are removed by construction.
/// The logQ correction (Yi et al. 2019) subtracts each item's log sampling probability, undoing the
/// popularity bias of in-batch negatives. Examples of the same user share one softmax row.
/// </summary>
public sealed class InBatchSoftmaxLoss : IRetrievalLoss
{
    private float[] _row = Array.Empty<float>();
    private int[] _rowCounts = Array.Empty<int>();

    /// <summary>Creates the loss with temperature <paramref name="temperature"/> (&gt; 0).</summary>
    public InBatchSoftmaxLoss(float temperature)
    {
        LossInputs.CheckPositive(temperature, nameof(temperature));
        Temperature = temperature;
    }

    /// <summary>Logits are scores divided by this.</summary>
    public float Temperature { get; }

    /// <inheritdoc />
    public string Name => "softmax";

    /// <inheritdoc />
    public float Compute(ReadOnlySpan<float> scores, int rows, int columns, ReadOnlySpan<int> exampleRows, ReadOnlySpan<int> exampleColumns, ReadOnlySpan<float> columnLogQ, Span<float> gradScores)
    {
        LossInputs.Check(scores, rows, columns, exampleRows, exampleColumns, columnLogQ, gradScores);
        if (_row.Length < columns) _row = new float[columns];
        if (_rowCounts.Length < rows) _rowCounts = new int[rows];
        var counts = _rowCounts.AsSpan(0, rows);
        counts.Clear();
        foreach (var r in exampleRows) counts[r]++;
        var n = exampleRows.Length;
        var invT = 1f / Temperature;
        var scale = invT / n;
        double loss = 0;
        var z = _row.AsSpan(0, columns);
        for (var r = 0; r < rows; r++)
        {
            var g = gradScores.Slice(r * columns, columns);
            if (counts[r] == 0)
            {
                g.Clear();
                continue;
            }
            TensorPrimitives.Multiply(scores.Slice(r * columns, columns), invT, z);
            if (!columnLogQ.IsEmpty) TensorPrimitives.Subtract(z, columnLogQ[..columns], z);
            var max = TensorPrimitives.Max(z);
            TensorPrimitives.Subtract(z, max, z);
            TensorPrimitives.Exp(z, z);
            var sum = TensorPrimitives.Sum(z);
            loss += counts[r] * (max + Math.Log(sum));
            TensorPrimitives.Multiply(z, counts[r] * scale / sum, g);
        }
        for (var b = 0; b < n; b++)
        {
            int r = exampleRows[b], c = exampleColumns[b];
            var logit = scores[r * columns + c] * invT - (columnLogQ.IsEmpty ? 0f : columnLogQ[c]);
            loss -= logit;
            gradScores[r * columns + c] -= scale;
        }
        return (float)(loss / n);
    }
}
