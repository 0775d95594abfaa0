namespace TwoTower.MLNet.Losses;

/// <summary>Shape checks shared by the losses, with messages naming the argument and the expected size.</summary>
internal static class LossInputs
{
    public static void Check(ReadOnlySpan<float> scores, int rows, int columns, ReadOnlySpan<int> exampleRows, ReadOnlySpan<int> exampleColumns, ReadOnlySpan<float> columnLogQ, Span<float> grad)
    {
        if (rows < 1) throw new ArgumentOutOfRangeException(nameof(rows), rows, "A batch needs ≥ 1 row.");
        if (columns < 1) throw new ArgumentOutOfRangeException(nameof(columns), columns, "A batch needs ≥ 1 column.");
        if (scores.Length < rows * columns) throw new ArgumentException($"scores has {scores.Length} values; rows × columns = {rows * columns} expected.", nameof(scores));
        if (grad.Length < rows * columns) throw new ArgumentException($"gradScores has {grad.Length} values; rows × columns = {rows * columns} expected.", nameof(grad));
        if (exampleRows.Length == 0) throw new ArgumentException("The batch has no examples.", nameof(exampleRows));
        if (exampleRows.Length != exampleColumns.Length) throw new ArgumentException($"exampleRows has {exampleRows.Length} entries but exampleColumns {exampleColumns.Length}.", nameof(exampleColumns));
        if (columnLogQ.Length != 0 && columnLogQ.Length < columns) throw new ArgumentException($"columnLogQ has {columnLogQ.Length} values; expected 0 or {columns}.", nameof(columnLogQ));
        for (var b = 0; b < exampleRows.Length; b++)
        {
            if ((uint)exampleRows[b] >= (uint)rows) throw new ArgumentOutOfRangeException(nameof(exampleRows), exampleRows[b], $"Example {b}: row must be in [0, {rows}).");
            if ((uint)exampleColumns[b] >= (uint)columns) throw new ArgumentOutOfRangeException(nameof(exampleColumns), exampleColumns[b], $"Example {b}: column must be in [0, {columns}).");
        }
    }

    /// <summary>Checks optional example weights (one per example, finite, &gt; 0) and returns their sum (the example count when empty).</summary>
    public static double CheckWeights(ReadOnlySpan<float> exampleWeights, int examples)
    {
        if (exampleWeights.IsEmpty) return examples;
        if (exampleWeights.Length != examples)
            throw new ArgumentException($"exampleWeights has {exampleWeights.Length} values; one per example ({examples}) or none expected.", nameof(exampleWeights));
        double sum = 0;
        for (var b = 0; b < exampleWeights.Length; b++)
        {
            if (!(exampleWeights[b] > 0) || !float.IsFinite(exampleWeights[b]))
                throw new ArgumentOutOfRangeException(nameof(exampleWeights), exampleWeights[b], $"Example {b}: weight must be a finite number > 0.");
            sum += exampleWeights[b];
        }
        return sum;
    }

    /// <summary>Checks optional row users (one per row, each in [0, rows)).</summary>
    public static void CheckRowUsers(ReadOnlySpan<int> rowUsers, int rows)
    {
        if (rowUsers.IsEmpty) return;
        if (rowUsers.Length != rows) throw new ArgumentException($"rowUsers has {rowUsers.Length} values; one per row ({rows}) or none expected.", nameof(rowUsers));
        for (var r = 0; r < rows; r++)
            if ((uint)rowUsers[r] >= (uint)rows) throw new ArgumentOutOfRangeException(nameof(rowUsers), rowUsers[r], $"Row {r}: user index must be in [0, {rows}).");
    }

    public static void CheckPositive(float value, string name)
    {
        if (!(value > 0) || !float.IsFinite(value)) throw new ArgumentOutOfRangeException(name, value, "Must be a finite number > 0.");
    }

    /// <summary>Numerically stable log(1 + e^x).</summary>
    public static double Softplus(double x) => x > 0 ? x + Math.Log(1 + Math.Exp(-x)) : Math.Log(1 + Math.Exp(x));

    public static double Sigmoid(double x) => 1 / (1 + Math.Exp(-x));
}
