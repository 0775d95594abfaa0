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
    private float[][] _rows;
    private int[] _rowCounts = Array.Empty<int>();
    private double[] _rowLoss = Array.Empty<double>();

    /// <summary>Creates the loss with temperature <paramref name="temperature"/> (&gt; 0), splitting rows over up to <paramref name="maxThreads"/> threads.</summary>
    public InBatchSoftmaxLoss(float temperature, int maxThreads = 1)
    {
        LossInputs.CheckPositive(temperature, nameof(temperature));
        if (maxThreads < 1) throw new ArgumentOutOfRangeException(nameof(maxThreads), maxThreads, "maxThreads must be ≥ 1.");
        Temperature = temperature;
        MaxThreads = maxThreads;
        _rows = new float[maxThreads][];
        for (var t = 0; t < maxThreads; t++) _rows[t] = Array.Empty<float>();
    }

    /// <summary>Threads the rows are split over (the result does not depend on it: row losses are summed in row order).</summary>
    public int MaxThreads { get; }

    /// <summary>Logits are scores divided by this.</summary>
    public float Temperature { get; }

    /// <inheritdoc />
    public string Name => "softmax";

    /// <inheritdoc />
    public float Compute(ReadOnlySpan<float> scores, int rows, int columns, ReadOnlySpan<int> exampleRows, ReadOnlySpan<int> exampleColumns, ReadOnlySpan<float> columnLogQ, Span<float> gradScores)
    {
        LossInputs.Check(scores, rows, columns, exampleRows, exampleColumns, columnLogQ, gradScores);
        if (_rowCounts.Length < rows) _rowCounts = new int[rows];
        if (_rowLoss.Length < rows) _rowLoss = new double[rows];
        var counts = _rowCounts.AsSpan(0, rows);
        counts.Clear();
        foreach (var r in exampleRows) counts[r]++;
        var n = exampleRows.Length;
        var invT = 1f / Temperature;
        var scale = invT / n;
        // Each row's log-sum-exp and gradient are independent: chunks of rows run in parallel when the batch is large enough.
        var chunks = (long)rows * columns >= 1 << 16 ? Math.Min(MaxThreads, rows) : 1;
        if (chunks == 1) SoftmaxRows(scores, columns, columnLogQ, gradScores, counts, 0, rows, invT, scale, 0);
        else
            unsafe
            {
                // Spans cannot enter the lambda: the pinned addresses do (no copies, no allocation beyond the closure).
                fixed (float* ps = scores, pq = columnLogQ, pg = gradScores)
                fixed (int* pc = counts)
                {
                    var (ips, ipq, ipg, ipc, hasQ) = ((nint)ps, (nint)pq, (nint)pg, (nint)pc, !columnLogQ.IsEmpty);
                    Parallel.For(0, chunks, new ParallelOptions { MaxDegreeOfParallelism = chunks }, t =>
                    {
                        int r0 = (int)((long)rows * t / chunks), r1 = (int)((long)rows * (t + 1) / chunks);
                        SoftmaxRows(new ReadOnlySpan<float>((float*)ips, rows * columns), columns,
                            hasQ ? new ReadOnlySpan<float>((float*)ipq, columns) : ReadOnlySpan<float>.Empty,
                            new Span<float>((float*)ipg, rows * columns), new ReadOnlySpan<int>((int*)ipc, rows), r0, r1, invT, scale, t);
                    });
                }
            }
        double loss = 0;
        for (var r = 0; r < rows; r++) loss += _rowLoss[r];
        for (var b = 0; b < n; b++)
        {
            int r = exampleRows[b], c = exampleColumns[b];
            var logit = scores[r * columns + c] * invT - (columnLogQ.IsEmpty ? 0f : columnLogQ[c]);
            loss -= logit;
            gradScores[r * columns + c] -= scale;
        }
        return (float)(loss / n);
    }

    // Rows [r0, r1): gradient (softmax × count × scale) and the row's count × log-sum-exp into _rowLoss; scratch of thread t.
    private void SoftmaxRows(ReadOnlySpan<float> scores, int columns, ReadOnlySpan<float> columnLogQ, Span<float> gradScores, ReadOnlySpan<int> counts, int r0, int r1, float invT, float scale, int t)
    {
        if (_rows[t].Length < columns) _rows[t] = new float[columns];
        var z = _rows[t].AsSpan(0, columns);
        for (var r = r0; r < r1; r++)
        {
            var g = gradScores.Slice(r * columns, columns);
            if (counts[r] == 0)
            {
                g.Clear();
                _rowLoss[r] = 0;
                continue;
            }
            TensorPrimitives.Multiply(scores.Slice(r * columns, columns), invT, z);
            if (!columnLogQ.IsEmpty) TensorPrimitives.Subtract(z, columnLogQ[..columns], z);
            var max = TensorPrimitives.Max(z);
            TensorPrimitives.Subtract(z, max, z);
            TensorPrimitives.Exp(z, z);
            var sum = TensorPrimitives.Sum(z);
            _rowLoss[r] = counts[r] * (max + Math.Log(sum));
            TensorPrimitives.Multiply(z, counts[r] * scale / sum, g);
        }
    }
}
