namespace TwoTower.MLNet.Losses;

/// <summary>Marks, per row, the columns that are positives of that row in the batch (so pairwise losses never use them as negatives).</summary>
internal sealed class PositiveMask
{
    private bool[] _mask = Array.Empty<bool>();
    private int[] _negatives = Array.Empty<int>();

    public void Build(int rows, int columns, ReadOnlySpan<int> exampleRows, ReadOnlySpan<int> exampleColumns)
    {
        if (_mask.Length < rows * columns) _mask = new bool[rows * columns];
        if (_negatives.Length < rows) _negatives = new int[rows];
        Array.Clear(_mask, 0, rows * columns);
        Array.Fill(_negatives, columns, 0, rows);
        for (var b = 0; b < exampleRows.Length; b++)
        {
            ref var m = ref _mask[exampleRows[b] * columns + exampleColumns[b]];
            if (!m)
            {
                m = true;
                _negatives[exampleRows[b]]--;
            }
        }
    }

    public bool IsPositive(int row, int column, int columns) => _mask[row * columns + column];

    public int NegativeCount(int row) => _negatives[row];
}
