using System.Text;

namespace TwoTower.MLNet.Data;

/// <summary>Reads a text file line by line with 1-based line numbers; a missing file gives a clear error.</summary>
internal static class TextLines
{
    /// <summary>Latin-1: the MovieLens 100K/1M files are not UTF-8.</summary>
    public static readonly Encoding Latin1 = Encoding.Latin1;

    public static IEnumerable<(long Line, string Text)> Read(string path, Encoding? encoding = null)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"File '{path}' does not exist.", path);
        using var reader = new StreamReader(path, encoding ?? Encoding.UTF8, detectEncodingFromByteOrderMarks: true, bufferSize: 1 << 16);
        long n = 0;
        string? line;
        while ((line = reader.ReadLine()) is not null)
        {
            n++;
            if (line.Length == 0) continue;
            yield return (n, line);
        }
    }
}
