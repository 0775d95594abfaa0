namespace TwoTower.MLNet.Data;

/// <summary>
/// Compressed sparse row matrix (rows = users, columns = items unless transposed). Column indices
/// within a row are sorted ascending and unique.
/// </summary>
public sealed class SparseMatrix
{
    /// <summary>Creates a CSR matrix from its arrays (not copied). Validates shapes.</summary>
    public SparseMatrix(int rows, int columns, int[] rowPointers, int[] columnIndices, float[] values)
    {
        if (rows < 0) throw new ArgumentOutOfRangeException(nameof(rows), rows, "Must be ≥ 0.");
        if (columns < 0) throw new ArgumentOutOfRangeException(nameof(columns), columns, "Must be ≥ 0.");
        if (rowPointers.Length != rows + 1)
            throw new ArgumentException($"rowPointers has length {rowPointers.Length}; expected rows + 1 = {rows + 1}.", nameof(rowPointers));
        if (columnIndices.Length != values.Length || rowPointers[rows] != values.Length)
            throw new ArgumentException("columnIndices, values and rowPointers[rows] must agree on the number of entries.");
        Rows = rows;
        Columns = columns;
        RowPointers = rowPointers;
        ColumnIndices = columnIndices;
        Values = values;
    }

    /// <summary>Number of rows.</summary>
    public int Rows { get; }

    /// <summary>Number of columns.</summary>
    public int Columns { get; }

    /// <summary>Row start offsets (length Rows + 1).</summary>
    public int[] RowPointers { get; }

    /// <summary>Column index of each stored entry.</summary>
    public int[] ColumnIndices { get; }

    /// <summary>Value of each stored entry.</summary>
    public float[] Values { get; }

    /// <summary>Number of stored entries.</summary>
    public int NonZeros => Values.Length;

    /// <summary>Column indices of row <paramref name="row"/> (sorted).</summary>
    public ReadOnlySpan<int> RowIndices(int row) => ColumnIndices.AsSpan(RowPointers[row], RowPointers[row + 1] - RowPointers[row]);

    /// <summary>Values of row <paramref name="row"/>.</summary>
    public ReadOnlySpan<float> RowValues(int row) => Values.AsSpan(RowPointers[row], RowPointers[row + 1] - RowPointers[row]);

    /// <summary>Number of entries in a row.</summary>
    public int RowLength(int row) => RowPointers[row + 1] - RowPointers[row];

    /// <summary>Builds a CSR matrix from coordinates; duplicate (row, column) entries are combined by <paramref name="combine"/> (default: keep the last).</summary>
    public static SparseMatrix FromCoordinates(int rows, int columns, ReadOnlySpan<int> rowIdx, ReadOnlySpan<int> colIdx, ReadOnlySpan<float> vals, Func<float, float, float>? combine = null)
    {
        if (rowIdx.Length != colIdx.Length || rowIdx.Length != vals.Length)
            throw new ArgumentException("Coordinate arrays must have equal lengths.");
        var counts = new int[rows + 1];
        for (var i = 0; i < rowIdx.Length; i++)
        {
            if ((uint)rowIdx[i] >= (uint)rows) throw new ArgumentOutOfRangeException(nameof(rowIdx), rowIdx[i], $"Row index must be in [0, {rows}).");
            if ((uint)colIdx[i] >= (uint)columns) throw new ArgumentOutOfRangeException(nameof(colIdx), colIdx[i], $"Column index must be in [0, {columns}).");
            counts[rowIdx[i] + 1]++;
        }
        for (var r = 0; r < rows; r++) counts[r + 1] += counts[r];
        var order = new int[rowIdx.Length];
        var next = (int[])counts.Clone();
        for (var i = 0; i < rowIdx.Length; i++) order[next[rowIdx[i]]++] = i;

        var ptr = new int[rows + 1];
        var cols = new List<int>(rowIdx.Length);
        var values = new List<float>(rowIdx.Length);
        var rowCols = new List<(int Col, int Seq)>();
        for (var r = 0; r < rows; r++)
        {
            rowCols.Clear();
            for (var p = counts[r]; p < counts[r + 1]; p++) rowCols.Add((colIdx[order[p]], order[p]));
            // Stable by input order so that "last wins" is well defined.
            rowCols.Sort((a, b) => a.Col != b.Col ? a.Col.CompareTo(b.Col) : a.Seq.CompareTo(b.Seq));
            for (var j = 0; j < rowCols.Count; j++)
            {
                var (c, seq) = rowCols[j];
                if (cols.Count > ptr[r] && cols[^1] == c)
                    values[^1] = combine is null ? vals[seq] : combine(values[^1], vals[seq]);
                else
                {
                    cols.Add(c);
                    values.Add(vals[seq]);
                }
            }
            ptr[r + 1] = cols.Count;
        }
        return new SparseMatrix(rows, columns, ptr, cols.ToArray(), values.ToArray());
    }

    /// <summary>The transpose (items × users), also in CSR form.</summary>
    public SparseMatrix Transpose()
    {
        var counts = new int[Columns + 1];
        foreach (var c in ColumnIndices) counts[c + 1]++;
        for (var c = 0; c < Columns; c++) counts[c + 1] += counts[c];
        var next = (int[])counts.Clone();
        var rowsOut = new int[NonZeros];
        var valsOut = new float[NonZeros];
        for (var r = 0; r < Rows; r++)
            for (var p = RowPointers[r]; p < RowPointers[r + 1]; p++)
            {
                var dst = next[ColumnIndices[p]]++;
                rowsOut[dst] = r;
                valsOut[dst] = Values[p];
            }
        return new SparseMatrix(Columns, Rows, counts, rowsOut, valsOut);
    }

    /// <summary>Whether (row, column) is stored (binary search in the sorted row).</summary>
    public bool Contains(int row, int column) => RowIndices(row).BinarySearch(column) >= 0;
}
