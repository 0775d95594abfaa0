using System.Runtime.InteropServices;
using System.Text;
using System.Text.RegularExpressions;

namespace TwoTower.MLNet.Index.Benchmarking;

/// <summary>Reads 1-D or 2-D little-endian C-order NumPy <c>.npy</c> arrays of float32, int64 or int32.</summary>
public static partial class NpyReader
{
    /// <summary>Reads a float32 array; returns the values row-major with the row count and row width.</summary>
    public static (float[] Values, int Rows, int Columns) ReadFloat32(string path)
    {
        var (descr, rows, cols, data) = Read(path);
        if (descr != "<f4") throw new InvalidDataException($"'{path}' holds dtype '{descr}'; expected float32 ('<f4').");
        return (MemoryMarshal.Cast<byte, float>(data).ToArray(), rows, cols);
    }

    /// <summary>Reads an int64 or int32 array as int64 values row-major, with the row count and row width.</summary>
    public static (long[] Values, int Rows, int Columns) ReadInt64(string path)
    {
        var (descr, rows, cols, data) = Read(path);
        return descr switch
        {
            "<i8" => (MemoryMarshal.Cast<byte, long>(data).ToArray(), rows, cols),
            "<i4" => (Array.ConvertAll(MemoryMarshal.Cast<byte, int>(data).ToArray(), v => (long)v), rows, cols),
            _ => throw new InvalidDataException($"'{path}' holds dtype '{descr}'; expected int64 ('<i8') or int32 ('<i4')."),
        };
    }

    private static (string Descr, int Rows, int Cols, byte[] Data) Read(string path)
    {
        var bytes = File.ReadAllBytes(path);
        if (bytes.Length < 10 || bytes[0] != 0x93 || Encoding.ASCII.GetString(bytes, 1, 5) != "NUMPY")
            throw new InvalidDataException($"'{path}' is not a .npy file (missing \\x93NUMPY magic).");
        var major = bytes[6];
        int headerLength, offset;
        if (major == 1) { headerLength = BitConverter.ToUInt16(bytes, 8); offset = 10; }
        else if (major is 2 or 3) { headerLength = (int)BitConverter.ToUInt32(bytes, 8); offset = 12; }
        else throw new InvalidDataException($"'{path}': .npy format version {major} is not supported (1–3).");
        var header = Encoding.ASCII.GetString(bytes, offset, headerLength);
        var descr = DescrPattern().Match(header);
        var shape = ShapePattern().Match(header);
        if (!descr.Success || !shape.Success) throw new InvalidDataException($"'{path}': cannot parse .npy header '{header.Trim()}'.");
        if (header.Contains("'fortran_order': True")) throw new InvalidDataException($"'{path}' is Fortran-ordered; expected C order.");
        var text = shape.Groups[1].Value;
        var dims = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(t => Dimension(t, path, text)).ToArray();
        if (dims.Length is < 1 or > 2) throw new InvalidDataException($"'{path}' has {dims.Length} dimensions; expected 1 or 2.");
        var rows = dims[0];
        var cols = dims.Length == 2 ? dims[1] : 1;
        var itemSize = descr.Groups[1].Value[^1] - '0';
        var dataStart = offset + headerLength;
        // Compared in values, not bytes: rows × columns × 8 can pass long.
        if ((long)rows * cols > (bytes.Length - dataStart) / itemSize)
            throw new InvalidDataException($"'{path}' is truncated: {bytes.Length - dataStart} data bytes, shape ({text}) needs {(decimal)rows * cols * itemSize}.");
        return (descr.Groups[1].Value, rows, cols, bytes.AsSpan(dataStart, rows * cols * itemSize).ToArray());
    }

    // One entry of the shape: a whole number from 0 to int.MaxValue ("2L", as Python 2's NumPy wrote it, read like numpy.load does).
    private static int Dimension(string entry, string path, string shape)
    {
        var digits = entry.EndsWith('L') ? entry[..^1] : entry;
        return int.TryParse(digits, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n)
            ? n
            : throw new InvalidDataException($"'{path}': the .npy shape ({shape}) is not whole numbers from 0 to {int.MaxValue}; '{entry}' is not.");
    }

    [GeneratedRegex(@"'descr':\s*'([<|=>][a-z]\d)'")]
    private static partial Regex DescrPattern();

    [GeneratedRegex(@"'shape':\s*\(([^)]*)\)")]
    private static partial Regex ShapePattern();
}
