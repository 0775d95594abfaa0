using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.RegularExpressions;

namespace TwoTower.MLNet.Index.Benchmarking;

/// <summary>
/// Reads little-endian C-order NumPy <c>.npy</c> arrays (format versions 1 to 3): 1-D or 2-D float32, int64 or int32
/// vectors and ids, and 2-D float32 or float64 matrices (imported factors).
/// </summary>
/// <remarks>
/// Every problem with the file's content (not a .npy file, an unsupported format version, dtype or rank, Fortran order, a
/// malformed or out-of-range shape, a truncated header or data, bytes after the data) is an
/// <see cref="InvalidDataException"/> whose message names the file. Shapes written by Python 2's NumPy ("(2L, 4L)") are
/// read like <c>numpy.load</c> reads them.
/// </remarks>
public static partial class NpyReader
{
    private static ReadOnlySpan<byte> Magic => [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    /// <summary>Reads a 1-D or 2-D float32 array; returns the values row-major with the row count and row width (1 for 1-D).</summary>
    /// <exception cref="InvalidDataException">The file is not a 1-D or 2-D float32 ('&lt;f4') .npy array, or is malformed.</exception>
    public static (float[] Values, int Rows, int Columns) ReadFloat32(string path)
    {
        var a = Read(path, ["<f4"], "float32 ('<f4')");
        return (MemoryMarshal.Cast<byte, float>(a.Data).ToArray(), a.Rows, a.Columns);
    }

    /// <summary>Reads a 1-D or 2-D int64 or int32 array as int64 values row-major, with the row count and row width (1 for 1-D).</summary>
    /// <exception cref="InvalidDataException">The file is not a 1-D or 2-D int64 ('&lt;i8') or int32 ('&lt;i4') .npy array, or is malformed.</exception>
    public static (long[] Values, int Rows, int Columns) ReadInt64(string path)
    {
        var a = Read(path, ["<i8", "<i4"], "int64 ('<i8') or int32 ('<i4')");
        var values = a.Descr == "<i8"
            ? MemoryMarshal.Cast<byte, long>(a.Data).ToArray()
            : Array.ConvertAll(MemoryMarshal.Cast<byte, int>(a.Data).ToArray(), v => (long)v);
        return (values, a.Rows, a.Columns);
    }

    /// <summary>
    /// Reads a 2-D float32 or float64 matrix (rows × columns) as float32 values row-major. A float64 value beyond the float32
    /// range becomes ±∞ (callers that need finite values check them).
    /// </summary>
    /// <exception cref="InvalidDataException">The file is not a 2-D float32 ('&lt;f4') or float64 ('&lt;f8') .npy array, or is malformed.</exception>
    public static (float[] Values, int Rows, int Columns) ReadFloatMatrix(string path)
    {
        var a = Read(path, ["<f4", "<f8"], "float32 ('<f4') or float64 ('<f8')", matrixOnly: true);
        if (a.Descr == "<f4") return (MemoryMarshal.Cast<byte, float>(a.Data).ToArray(), a.Rows, a.Columns);
        var values = new float[a.Data.Length / 8];
        for (var i = 0; i < values.Length; i++) values[i] = (float)BinaryPrimitives.ReadDoubleLittleEndian(a.Data.AsSpan(i * 8));
        return (values, a.Rows, a.Columns);
    }

    private readonly record struct NpyArray(string Descr, int Rows, int Columns, byte[] Data);

    private static NpyArray Read(string path, string[] dtypes, string expected, bool matrixOnly = false)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var bytes = File.ReadAllBytes(path);
        if (bytes.Length < 10 || !bytes.AsSpan(0, 6).SequenceEqual(Magic))
            throw new InvalidDataException($"'{path}' is not a .npy file (the \\x93NUMPY magic bytes are missing).");
        int major = bytes[6];
        int headerLength, offset;
        if (major == 1) { headerLength = BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(8)); offset = 10; }
        else if (major is 2 or 3 && bytes.Length >= 12) { headerLength = (int)Math.Min(BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(8)), int.MaxValue); offset = 12; }
        else if (major is 2 or 3) throw new InvalidDataException($"'{path}' is truncated: {bytes.Length} bytes, shorter than a version {major} .npy preamble.");
        else throw new InvalidDataException($"'{path}': .npy format version {major} is not supported (expected 1, 2 or 3).");
        // Compared in long: a corrupt version 2 length can be near int.MaxValue.
        if ((long)offset + headerLength > bytes.Length)
            throw new InvalidDataException($"'{path}' is truncated: the .npy header is {headerLength} bytes, the file has {bytes.Length - offset} after the preamble.");
        // Versions 1 and 2 write the header in Latin-1, version 3 in UTF-8.
        var header = (major == 3 ? Encoding.UTF8 : Encoding.Latin1).GetString(bytes, offset, headerLength);
        var descr = DescrPattern().Match(header);
        var fortran = FortranPattern().Match(header);
        var shape = ShapePattern().Match(header);
        if (!descr.Success || !fortran.Success || !shape.Success)
            throw new InvalidDataException($"'{path}': cannot parse the .npy header '{header.Trim()}' (expected 'descr', 'fortran_order' and 'shape').");
        if (fortran.Groups[1].Value == "True")
            throw new InvalidDataException($"'{path}' is Fortran-ordered; expected C order (save it with np.ascontiguousarray).");
        var text = shape.Groups[1].Value;
        var dims = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(t => Dimension(t, path, text)).ToArray();
        if (matrixOnly && dims.Length != 2)
            throw new InvalidDataException($"'{path}': the array has shape ({text}); expected a 2-D matrix (rows, columns).");
        if (dims.Length is < 1 or > 2)
            throw new InvalidDataException($"'{path}' has {dims.Length} dimensions (shape ({text})); expected 1 or 2.");
        var dtype = descr.Groups[1].Value;
        if (Array.IndexOf(dtypes, dtype) < 0)
            throw new InvalidDataException($"'{path}' holds dtype '{dtype}'; expected {expected}.");
        var rows = dims[0];
        var columns = dims.Length == 2 ? dims[1] : 1;
        var itemSize = dtype[^1] - '0';
        var dataStart = offset + headerLength;
        var have = bytes.Length - dataStart;
        // Compared in values, not bytes: rows × columns × 8 can pass long.
        if ((long)rows * columns > have / itemSize)
            throw new InvalidDataException($"'{path}' is truncated: {have} data bytes, shape ({text}) of '{dtype}' needs {(decimal)rows * columns * itemSize}.");
        var needed = rows * columns * itemSize;
        // numpy.save writes nothing after the data: extra bytes mean a header whose shape does not describe the file.
        if (have != needed)
            throw new InvalidDataException($"'{path}' has {have - needed} bytes after the data of shape ({text}) of '{dtype}' ({needed} bytes); the header does not describe the file.");
        return new NpyArray(dtype, rows, columns, bytes.AsSpan(dataStart, needed).ToArray());
    }

    // One entry of the shape: a whole number from 0 to int.MaxValue ("2L", as Python 2's NumPy wrote it, read like numpy.load does).
    private static int Dimension(string entry, string path, string shape)
    {
        var digits = entry.EndsWith('L') ? entry[..^1] : entry;
        return int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var n)
            ? n
            : throw new InvalidDataException($"'{path}': the .npy shape ({shape}) is not whole numbers from 0 to {int.MaxValue}; '{entry}' is not.");
    }

    [GeneratedRegex(@"'descr'\s*:\s*'([^']*)'")]
    private static partial Regex DescrPattern();

    [GeneratedRegex(@"'fortran_order'\s*:\s*(True|False)")]
    private static partial Regex FortranPattern();

    [GeneratedRegex(@"'shape'\s*:\s*\(([^)]*)\)")]
    private static partial Regex ShapePattern();
}
