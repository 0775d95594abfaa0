using System.Buffers;
using System.Text;
using System.Text.Unicode;

namespace TwoTower.MLNet.Data;

/// <summary>Reads a text file line by line with 1-based line numbers; a missing file gives a clear error.</summary>
internal static class TextLines
{
    /// <summary>Latin-1: the MovieLens 100K/1M files are not UTF-8.</summary>
    public static readonly Encoding Latin1 = Encoding.Latin1;

    // Throws on bytes that are not UTF-8: a replacement character would make "é1" and "è1" (Latin-1) one id "\uFFFD1".
    // Its preamble is the byte order mark, so the reader skips a BOM and keeps this decoder (otherwise it would switch to the
    // lenient Encoding.UTF8 for a file that starts with one).
    private static readonly Encoding StrictUtf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: true, throwOnInvalidBytes: true);

    /// <summary>
    /// The lines of <paramref name="path"/>, empty or all-whitespace ones left out, decoded as <paramref name="encoding"/> (strict UTF-8 by default;
    /// a UTF-8 or UTF-16 byte order mark wins). Bytes that are not UTF-8 give a <see cref="DataFormatException"/> naming their line.
    /// </summary>
    public static IEnumerable<(long Line, string Text)> Read(string path, Encoding? encoding = null)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"File '{path}' does not exist.", path);
        using var reader = new StreamReader(path, encoding ?? StrictUtf8, detectEncodingFromByteOrderMarks: true, bufferSize: 1 << 16);
        long n = 0;
        while (true)
        {
            string? line;
            try
            {
                line = reader.ReadLine();
            }
            catch (DecoderFallbackException)
            {
                // The reader decodes a block ahead of the lines it returns: find the line of the bad byte in the file itself.
                var (at, value) = FirstInvalidUtf8(path) ?? (n + 1, -1);
                throw new DataFormatException(path, at,
                    $"not UTF-8 text{(value >= 0 ? $" (byte 0x{value:X2})" : "")}: re-save the file as UTF-8");
            }
            if (line is null) yield break;
            n++;
            // A line of spaces or tabs (an editor's or an export's trailing line) is as blank as an empty one: no format has such a row.
            if (line.AsSpan().IsWhiteSpace()) continue;
            yield return (n, line);
        }
    }

    /// <summary>The 1-based line (counted as <see cref="StreamReader.ReadLine"/> counts) and value of the first byte that is not part of valid UTF-8, or null when there is none.</summary>
    private static (long Line, int Byte)? FirstInvalidUtf8(string path)
    {
        using var stream = File.OpenRead(path);
        var bytes = new byte[1 << 16];
        var chars = new char[bytes.Length];
        long line = 1;
        var kept = 0;
        var afterCarriageReturn = false;
        while (true)
        {
            var read = stream.ReadAtLeast(bytes.AsSpan(kept), bytes.Length - kept, throwOnEndOfStream: false);
            var length = kept + read;
            var status = Utf8.ToUtf16(bytes.AsSpan(0, length), chars, out var consumed, out _, replaceInvalidSequences: false, isFinalBlock: read == 0);
            line += LineBreaks(bytes.AsSpan(0, consumed), ref afterCarriageReturn);
            if (status == OperationStatus.InvalidData) return (line, bytes[consumed]);
            if (read == 0) return null;
            // An incomplete sequence at the end of the block is finished by the next one.
            kept = length - consumed;
            bytes.AsSpan(consumed, kept).CopyTo(bytes);
        }
    }

    // The breaks ReadLine splits on, so the error's line matches the rows' line numbers: "\r\n", "\n" and a lone "\r".
    private static long LineBreaks(ReadOnlySpan<byte> bytes, ref bool afterCarriageReturn)
    {
        long breaks = 0;
        foreach (var b in bytes)
        {
            if (b == (byte)'\n') { if (!afterCarriageReturn) breaks++; }
            else if (b == (byte)'\r') breaks++;
            afterCarriageReturn = b == (byte)'\r';
        }
        return breaks;
    }
}
