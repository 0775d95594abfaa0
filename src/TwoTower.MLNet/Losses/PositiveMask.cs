namespace TwoTower.MLNet.Losses;

/// <summary>
/// Marks, per row, the columns that are positives of that row's user in the batch (so pairwise losses never use them as
/// negatives). Without row users each row is its own user; with them, a positive of one of a user's rows marks all of them.
/// </summary>
internal sealed class PositiveMask
{
    private bool[] _mask = Array.Empty<bool>();
    private int[] _negatives = Array.Empty<int>();
    // Rows of each user (CSR over user indices), with row users only.
    private int[] _userStart = Array.Empty<int>();
    private int[] _userRows = Array.Empty<int>();
    private int[] _userFill = Array.Empty<int>();

    public void Build(int rows, int columns, ReadOnlySpan<int> exampleRows, ReadOnlySpan<int> exampleColumns) =>
        Build(rows, columns, exampleRows, exampleColumns, ReadOnlySpan<int>.Empty);

    public void Build(int rows, int columns, ReadOnlySpan<int> exampleRows, ReadOnlySpan<int> exampleColumns, ReadOnlySpan<int> rowUsers)
    {
        if (_mask.Length < rows * columns) _mask = new bool[rows * columns];
        if (_negatives.Length < rows) _negatives = new int[rows];
        Array.Clear(_mask, 0, rows * columns);
        Array.Fill(_negatives, columns, 0, rows);
        if (rowUsers.IsEmpty)
        {
            for (var b = 0; b < exampleRows.Length; b++) Mark(exampleRows[b], exampleColumns[b], columns);
            return;
        }
        if (_userStart.Length < rows + 1) _userStart = new int[rows + 1];
        if (_userRows.Length < rows)
        {
            _userRows = new int[rows];
            _userFill = new int[rows];
        }
        // Counting sort of the rows by user.
        Array.Clear(_userStart, 0, rows + 1);
        for (var r = 0; r < rows; r++) _userStart[rowUsers[r] + 1]++;
        for (var u = 0; u < rows; u++) _userStart[u + 1] += _userStart[u];
        Array.Copy(_userStart, _userFill, rows);
        for (var r = 0; r < rows; r++) _userRows[_userFill[rowUsers[r]]++] = r;
        for (var b = 0; b < exampleRows.Length; b++)
        {
            var u = rowUsers[exampleRows[b]];
            for (var k = _userStart[u]; k < _userStart[u + 1]; k++) Mark(_userRows[k], exampleColumns[b], columns);
        }
    }

    public bool IsPositive(int row, int column, int columns) => _mask[row * columns + column];

    /// <summary>The positive flags of one row, one per column.</summary>
    public ReadOnlySpan<bool> Row(int row, int columns) => _mask.AsSpan(row * columns, columns);

    public int NegativeCount(int row) => _negatives[row];

    private void Mark(int row, int column, int columns)
    {
        ref var m = ref _mask[row * columns + column];
        if (!m)
        {
            m = true;
            _negatives[row]--;
        }
    }
}
