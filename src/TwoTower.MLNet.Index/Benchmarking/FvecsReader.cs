using System.Runtime.InteropServices;

namespace TwoTower.MLNet.Index.Benchmarking;

/// <summary>Reads the TEXMEX <c>.fvecs</c> / <c>.ivecs</c> formats: each row is an int32 width followed by that many float32 / int32 values.</summary>
public static class FvecsReader
{
    /// <summary>Reads an .fvecs file row-major, with the row count and width.</summary>
    public static (float[] Values, int Rows, int Columns) ReadFvecs(string path)
    {
        var (values, rows, cols) = Read(path);
        return (MemoryMarshal.Cast<int, float>(values).ToArray(), rows, cols);
    }

    /// <summary>Reads an .ivecs file as int64 values row-major, with the row count and width.</summary>
    public static (long[] Values, int Rows, int Columns) ReadIvecs(string path)
    {
        var (values, rows, cols) = Read(path);
        return (Array.ConvertAll(values, v => (long)v), rows, cols);
    }

    private static (int[] Values, int Rows, int Columns) Read(string path)
    {
        var bytes = File.ReadAllBytes(path);
        // Bytes past the last whole 4-byte word would be dropped without a word by the cast below.
        if (bytes.Length % 4 != 0) throw new InvalidDataException($"'{path}' has {bytes.Length} bytes, not whole 4-byte words: truncated or not an .fvecs/.ivecs file.");
        var ints = MemoryMarshal.Cast<byte, int>(bytes);
        if (ints.Length == 0) return ([], 0, 0);
        var cols = ints[0];
        if (cols <= 0 || ints.Length % (cols + 1) != 0)
            throw new InvalidDataException($"'{path}': first row width {cols} does not divide the file ({ints.Length} 4-byte words) into whole rows.");
        var rows = ints.Length / (cols + 1);
        var values = new int[(long)rows * cols];
        for (var r = 0; r < rows; r++)
        {
            if (ints[r * (cols + 1)] != cols) throw new InvalidDataException($"'{path}': row {r} has width {ints[r * (cols + 1)]}, expected {cols}.");
            ints.Slice(r * (cols + 1) + 1, cols).CopyTo(values.AsSpan(r * cols, cols));
        }
        return (values, rows, cols);
    }
}
