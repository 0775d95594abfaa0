using System.Buffers.Binary;
using System.Text;
using System.Text.RegularExpressions;

namespace TwoTower.MLNet.MatrixFactorization;

/// <summary>Reads a 2-D C-order float32/float64 little-endian NumPy .npy matrix (format versions 1 to 3).</summary>
internal static partial class NpyReader
{
    private static ReadOnlySpan<byte> Magic => [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    /// <summary>Returns the matrix as float32 values, row-major, with its shape.</summary>
    public static float[] Read(string path, out int rows, out int columns)
    {
        var bytes = File.ReadAllBytes(path);
        if (bytes.Length < 10 || !bytes.AsSpan(0, 6).SequenceEqual(Magic))
            throw new FormatException($"'{path}' is not a .npy file (the magic bytes \\x93NUMPY are missing).");
        int major = bytes[6];
        int headerLen, offset;
        if (major == 1) { headerLen = BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(8)); offset = 10; }
        else if (major is 2 or 3) { headerLen = (int)BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(8)); offset = 12; }
        else throw new FormatException($"'{path}': .npy format version {major} is not supported (expected 1, 2 or 3).");
        if (offset + headerLen > bytes.Length) throw new FormatException($"'{path}': the .npy header is truncated.");
        var header = Encoding.Latin1.GetString(bytes, offset, headerLen);
        var descr = DescrRegex().Match(header);
        var fortran = FortranRegex().Match(header);
        var shape = ShapeRegex().Match(header);
        if (!descr.Success || !fortran.Success || !shape.Success)
            throw new FormatException($"'{path}': cannot parse the .npy header {header.Trim()}.");
        if (fortran.Groups[1].Value == "True")
            throw new FormatException($"'{path}': Fortran-order arrays are not supported; save with np.ascontiguousarray.");
        var dims = shape.Groups[1].Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (dims.Length != 2)
            throw new FormatException($"'{path}': the array has shape ({shape.Groups[1].Value}); expected a 2-D matrix (rows, factors).");
        rows = Dimension(dims[0], path, shape.Groups[1].Value);
        columns = Dimension(dims[1], path, shape.Groups[1].Value);
        var dtype = descr.Groups[1].Value;
        var elem = dtype switch
        {
            "<f4" => 4,
            "<f8" => 8,
            _ => throw new FormatException($"'{path}': dtype '{dtype}' is not supported (expected '<f4' or '<f8')."),
        };
        var data = offset + headerLen;
        long needed = (long)rows * columns * elem;
        if (bytes.Length - data != needed)
            throw new FormatException($"'{path}': {bytes.Length - data} data bytes for shape ({rows}, {columns}) of {dtype}; expected {needed}.");
        var values = new float[(long)rows * columns];
        for (var i = 0; i < values.Length; i++)
            values[i] = elem == 4
                ? BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(data + i * 4))
                : (float)BinaryPrimitives.ReadDoubleLittleEndian(bytes.AsSpan(data + i * 8));
        return values;
    }

    // One entry of the shape: a non-negative integer that fits an int ("2L", as Python 2 wrote it, read like numpy.load does).
    private static int Dimension(string text, string path, string shape)
    {
        var digits = text.EndsWith('L') ? text[..^1] : text;
        if (digits.Length > 0 && !digits.AsSpan().ContainsAnyExceptInRange('0', '9')
            && int.TryParse(digits, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n))
            return n;
        throw new FormatException($"'{path}': the .npy shape ({shape}) is not two whole numbers from 0 to {int.MaxValue} (rows, factors); '{text}' is not.");
    }

    [GeneratedRegex(@"'descr'\s*:\s*'([^']*)'")]
    private static partial Regex DescrRegex();

    [GeneratedRegex(@"'fortran_order'\s*:\s*(True|False)")]
    private static partial Regex FortranRegex();

    [GeneratedRegex(@"'shape'\s*:\s*\(([^)]*)\)")]
    private static partial Regex ShapeRegex();
}
