namespace TwoTower.MLNet.Onnx.Execution;

/// <summary>
/// A batch of tower inputs by ONNX input name: int64 [RowCount, width] index inputs and float
/// [RowCount, width] numeric inputs, row-major. Arrays are referenced, not copied, so a batch
/// can be refilled and run again without allocation.
/// </summary>
public sealed class OnnxTowerBatch
{
    private readonly Dictionary<string, OnnxTowerBatchEntry> _entries = new(StringComparer.Ordinal);

    /// <summary>Creates an empty batch of <paramref name="rowCount"/> rows.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="rowCount"/> is not positive.</exception>
    public OnnxTowerBatch(int rowCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(rowCount);
        RowCount = rowCount;
    }

    /// <summary>Number of rows N.</summary>
    public int RowCount { get; }

    /// <summary>Names of the inputs set so far.</summary>
    public IReadOnlyCollection<string> Names => _entries.Keys;

    /// <summary>Sets an int64 input (ids, categoricals: width 1; bags: width L).</summary>
    /// <exception cref="ArgumentException"><paramref name="values"/> length is not RowCount*width.</exception>
    public OnnxTowerBatch SetInt64(string name, long[] values, int width = 1) => Set(name, values, width, null);

    /// <summary>Sets a float input of <paramref name="width"/> columns.</summary>
    /// <exception cref="ArgumentException"><paramref name="values"/> length is not RowCount*width.</exception>
    public OnnxTowerBatch SetFloat(string name, float[] values, int width) => Set(name, null, width, values);

    /// <summary>Removes every input.</summary>
    public void Clear() => _entries.Clear();

    internal bool TryGet(string name, out OnnxTowerBatchEntry entry) => _entries.TryGetValue(name, out entry);

    private OnnxTowerBatch Set(string name, long[]? longs, int width, float[]? floats)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        int length = longs?.Length ?? floats?.Length ?? throw new ArgumentNullException("values", $"Values of input '{name}' are null.");
        if ((long)RowCount * width != length)
            throw new ArgumentException($"Input '{name}' has {length} values; expected RowCount*width = {RowCount}*{width} = {(long)RowCount * width}.", "values");
        _entries[name] = new OnnxTowerBatchEntry(longs, floats, width);
        return this;
    }
}

/// <summary>One input of a batch: exactly one of the arrays is set.</summary>
internal readonly record struct OnnxTowerBatchEntry(long[]? Int64Values, float[]? FloatValues, int Width);
