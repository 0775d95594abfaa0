using System.Numerics.Tensors;

namespace TwoTower.MLNet.Losses;

/// <summary>
/// In-batch sampled softmax: each example's positive item against every item column of the batch, on
/// logits s/T − log q. Columns are the batch's distinct items, so an item appearing several times in the
/// batch is one column: accidental hits (the positive repeated as a negative) are removed by construction.
/// The logQ correction (Yi et al. 2019) subtracts each item's log sampling probability, undoing the
/// popularity bias of in-batch negatives. Examples of the same user share one score row; with
/// <see cref="MaskOtherPositives"/> each example's softmax also leaves out the user's other positives of the batch
/// (they are not negatives for that user), also when the user has several rows (see the overload with row users).
/// </summary>
public sealed class InBatchSoftmaxLoss : IRetrievalLoss
{
    private float[][] _rows;
    private int[] _rowCounts = Array.Empty<int>();
    private double[] _rowLoss = Array.Empty<double>();
    // Positive columns of each row (CSR over rows, distinct columns with their example counts).
    private int[] _posStart = Array.Empty<int>();
    private int[] _posColumn = Array.Empty<int>();
    private int[] _posCount = Array.Empty<int>();
    // Summed example weight of each positive slot and of each row (the example counts when unweighted).
    private double[] _posWeight = Array.Empty<double>();
    private double[] _rowWeight = Array.Empty<double>();
    // With row users and MaskOtherPositives (_rowsShareUsers): the positive columns of each row's user over all of its rows.
    private readonly PositiveMask _userPositives = new();
    private bool _rowsShareUsers;

    /// <summary>Creates the loss with temperature <paramref name="temperature"/> (&gt; 0), splitting rows over up to <paramref name="maxThreads"/> threads.</summary>
    public InBatchSoftmaxLoss(float temperature, int maxThreads = 1, bool maskOtherPositives = false)
    {
        LossInputs.CheckPositive(temperature, nameof(temperature));
        if (maxThreads < 1) throw new ArgumentOutOfRangeException(nameof(maxThreads), maxThreads, "maxThreads must be ≥ 1.");
        Temperature = temperature;
        MaxThreads = maxThreads;
        MaskOtherPositives = maskOtherPositives;
        _rows = new float[maxThreads][];
        for (var t = 0; t < maxThreads; t++) _rows[t] = Array.Empty<float>();
    }

    /// <summary>Threads the rows are split over (the result does not depend on it: row losses are summed in row order).</summary>
    public int MaxThreads { get; }

    /// <summary>Whether an example's softmax leaves out the other positive columns of its row (same user, other items of the batch).</summary>
    public bool MaskOtherPositives { get; }

    /// <summary>Logits are scores divided by this.</summary>
    public float Temperature { get; }

    /// <inheritdoc />
    public string Name => "softmax";

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
        // Without masking the user's other positives are negatives anyway: the row users matter only to the mask.
        _rowsShareUsers = MaskOtherPositives && !rowUsers.IsEmpty;
        if (_rowsShareUsers) _userPositives.Build(rows, columns, exampleRows, exampleColumns, rowUsers);
        if (_rowCounts.Length < rows) _rowCounts = new int[rows];
        if (_rowLoss.Length < rows) _rowLoss = new double[rows];
        if (_rowWeight.Length < rows) _rowWeight = new double[rows];
        BuildPositives(rows, exampleRows, exampleColumns, exampleWeights);
        var invT = 1f / Temperature;
        var scale = (float)(invT / n);
        // Each row's log-sum-exp and gradient are independent: chunks of rows run in parallel when the batch is large enough.
        var chunks = (long)rows * columns >= 1 << 16 ? Math.Min(MaxThreads, rows) : 1;
        if (chunks == 1) SoftmaxRows(scores, columns, columnLogQ, gradScores, 0, rows, invT, scale, 0);
        else
            unsafe
            {
                // Spans cannot enter the lambda: the pinned addresses do (no copies).
                fixed (float* ps = scores, pq = columnLogQ, pg = gradScores)
                {
                    var (ips, ipq, ipg, hasQ) = ((nint)ps, (nint)pq, (nint)pg, !columnLogQ.IsEmpty);
                    Parallel.For(0, chunks, new ParallelOptions { MaxDegreeOfParallelism = chunks }, t =>
                    {
                        int r0 = (int)((long)rows * t / chunks), r1 = (int)((long)rows * (t + 1) / chunks);
                        SoftmaxRows(new ReadOnlySpan<float>((float*)ips, rows * columns), columns,
                            hasQ ? new ReadOnlySpan<float>((float*)ipq, columns) : ReadOnlySpan<float>.Empty,
                            new Span<float>((float*)ipg, rows * columns), r0, r1, invT, scale, t);
                    });
                }
            }
        double loss = 0;
        for (var r = 0; r < rows; r++) loss += _rowLoss[r];
        return (float)(loss / n);
    }

    // Groups the examples by row: distinct positive columns per row with how many examples point at each.
    private void BuildPositives(int rows, ReadOnlySpan<int> exampleRows, ReadOnlySpan<int> exampleColumns, ReadOnlySpan<float> exampleWeights)
    {
        var n = exampleRows.Length;
        if (_posStart.Length < rows + 1) _posStart = new int[rows + 1];
        if (_posColumn.Length < n)
        {
            _posColumn = new int[n];
            _posCount = new int[n];
            _posWeight = new double[n];
        }
        var counts = _rowCounts.AsSpan(0, rows);
        counts.Clear();
        foreach (var r in exampleRows) counts[r]++;
        _posStart[0] = 0;
        for (var r = 0; r < rows; r++) _posStart[r + 1] = _posStart[r] + counts[r];
        // Fill each row's segment, merging repeated columns; _posCount[k] = 0 marks unused slots at a segment's end.
        Array.Clear(_posCount, 0, n);
        Array.Clear(_posWeight, 0, n);
        _rowWeight.AsSpan(0, rows).Clear();
        for (var b = 0; b < n; b++)
        {
            int r = exampleRows[b], c = exampleColumns[b], k = _posStart[r];
            while (_posCount[k] > 0 && _posColumn[k] != c) k++;
            _posColumn[k] = c;
            _posCount[k]++;
            var w = exampleWeights.IsEmpty ? 1.0 : exampleWeights[b];
            _posWeight[k] += w;
            _rowWeight[r] += w;
        }
    }

    // Rows [r0, r1): gradient and loss of the row's examples into gradScores and _rowLoss, with scratch of thread t.
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private void SoftmaxRows(ReadOnlySpan<float> scores, int columns, ReadOnlySpan<float> columnLogQ, Span<float> gradScores, int r0, int r1, float invT, float scale, int t)
    {
        if (_rows[t].Length < columns) _rows[t] = new float[columns];
        var z = _rows[t].AsSpan(0, columns);
        for (var r = r0; r < r1; r++)
        {
            var g = gradScores.Slice(r * columns, columns);
            var count = _rowCounts[r];
            if (count == 0)
            {
                g.Clear();
                _rowLoss[r] = 0;
                continue;
            }
            var s = scores.Slice(r * columns, columns);
            TensorPrimitives.Multiply(s, invT, z);
            if (!columnLogQ.IsEmpty) TensorPrimitives.Subtract(z, columnLogQ[..columns], z);
            var max = TensorPrimitives.Max(z);
            TensorPrimitives.Subtract(z, max, z);
            TensorPrimitives.Exp(z, z);
            int p0 = _posStart[r], p1 = _posStart[r + 1];
            double loss = 0;
            // A row with one example whose user has no other positive column: nothing to mask.
            if (!MaskOtherPositives || (count == 1 && (!_rowsShareUsers || _userPositives.NegativeCount(r) == columns - 1)))
            {
                // Every example of the row shares one softmax over all columns.
                var sumAll = (double)TensorPrimitives.Sum(z);
                TensorPrimitives.Multiply(z, (float)(_rowWeight[r] * scale / sumAll), g);
                for (var k = p0; k < p1 && _posCount[k] > 0; k++)
                {
                    var c = _posColumn[k];
                    loss += _posWeight[k] * (max + Math.Log(sumAll) - Logit(s, columnLogQ, c, invT));
                    g[c] -= (float)(_posWeight[k] * scale);
                }
            }
            else
            {
                // Example of column c: softmax over the negatives plus c itself, S_c = Σ_negatives e + e_c.
                var userPositive = _rowsShareUsers ? _userPositives.Row(r, columns) : ReadOnlySpan<bool>.Empty;
                // The negatives are summed on their own, the positives parked in g (overwritten below): the row's sum minus the
                // positives' cancelled to 0 once one positive dominated the row, and the user's weaker examples lost their negatives.
                ParkPositives(z, g, userPositive, p0, p1, park: true);
                var sumNeg = (double)TensorPrimitives.Sum(z);
                ParkPositives(z, g, userPositive, p0, p1, park: false);
                double weight = 0;
                for (var k = p0; k < p1 && _posCount[k] > 0; k++)
                {
                    var c = _posColumn[k];
                    var sc = Math.Max(sumNeg + z[c], double.Epsilon);
                    weight += _posWeight[k] / sc;
                    loss += _posWeight[k] * (max + Math.Log(sc) - Logit(s, columnLogQ, c, invT));
                }
                TensorPrimitives.Multiply(z, (float)(weight * scale), g);
                // The user's positives of its other rows are in none of this row's softmaxes.
                if (_rowsShareUsers) for (var c = 0; c < columns; c++) if (userPositive[c]) g[c] = 0f;
                for (var k = p0; k < p1 && _posCount[k] > 0; k++)
                {
                    var c = _posColumn[k];
                    var sc = Math.Max(sumNeg + z[c], double.Epsilon);
                    g[c] = (float)(_posWeight[k] * (z[c] / sc - 1) * scale);
                }
            }
            _rowLoss[r] = loss;
        }
    }

    // Moves the user's positive columns of a row (its own positives without row users) from z to g and zeroes them in z, or back.
    private void ParkPositives(Span<float> z, Span<float> g, ReadOnlySpan<bool> userPositive, int p0, int p1, bool park)
    {
        if (!userPositive.IsEmpty)
        {
            for (var c = 0; c < z.Length; c++)
                if (userPositive[c]) Park(z, g, c, park);
        }
        else
            for (var k = p0; k < p1 && _posCount[k] > 0; k++) Park(z, g, _posColumn[k], park);
    }

    private static void Park(Span<float> z, Span<float> g, int c, bool park)
    {
        if (park)
        {
            g[c] = z[c];
            z[c] = 0f;
        }
        else z[c] = g[c];
    }

    private static double Logit(ReadOnlySpan<float> rowScores, ReadOnlySpan<float> columnLogQ, int c, float invT) =>
        rowScores[c] * invT - (columnLogQ.IsEmpty ? 0f : columnLogQ[c]);
}
