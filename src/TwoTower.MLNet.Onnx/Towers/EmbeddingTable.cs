namespace TwoTower.MLNet.Onnx.Towers;

/// <summary>An embedding table: <see cref="RowCount"/> rows of <see cref="Dimension"/> floats, row-major.</summary>
public sealed class EmbeddingTable
{
    /// <summary>Creates a table over <paramref name="values"/> (not copied; row <c>r</c> is <c>values[r*dimension .. (r+1)*dimension)</c>).</summary>
    /// <exception cref="ArgumentOutOfRangeException">A size is not positive.</exception>
    /// <exception cref="ArgumentException"><paramref name="values"/> length is not <c>rowCount * dimension</c>.</exception>
    public EmbeddingTable(int rowCount, int dimension, float[] values)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(rowCount);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(dimension);
        ArgumentNullException.ThrowIfNull(values);
        if ((long)rowCount * dimension != values.Length)
            throw new ArgumentException($"Embedding table values has length {values.Length}; expected rowCount*dimension = {rowCount}*{dimension} = {(long)rowCount * dimension}.", nameof(values));
        RowCount = rowCount;
        Dimension = dimension;
        Values = values;
    }

    /// <summary>Number of rows (valid indices are 0 .. RowCount-1).</summary>
    public int RowCount { get; }

    /// <summary>Width of one row.</summary>
    public int Dimension { get; }

    /// <summary>Row-major values, length RowCount*Dimension.</summary>
    public float[] Values { get; }
}
