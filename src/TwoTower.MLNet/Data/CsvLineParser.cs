using System.Text;

namespace TwoTower.MLNet.Data;

/// <summary>Splits one CSV line into fields (RFC 4180 quoting: "a,b" and doubled quotes; fields do not span lines).</summary>
public static class CsvLineParser
{
    /// <summary>
    /// A field as written in a comma-separated file: quoted (inner quotes doubled) when it holds a comma, a quote or a line
    /// break (RFC 4180: an unquoted line break would end the row; <see cref="TrySplit"/> reads one line, so such a field reads as unbalanced quotes).
    /// </summary>
    public static string Quote(string field)
    {
        ArgumentNullException.ThrowIfNull(field);
        return field.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? "\"" + field.Replace("\"", "\"\"") + "\"" : field;
    }

    /// <summary>
    /// Splits the header <paramref name="line"/> (line <paramref name="lineNumber"/> of <paramref name="file"/>) as <see cref="TrySplit"/>
    /// does. An unterminated quote is an error on that line: a header cut at an open quote would set the width every row is checked against.
    /// </summary>
    /// <exception cref="DataFormatException">The header has an unterminated quote.</exception>
    internal static void SplitHeader(string line, char delimiter, List<string> fields, string file, long lineNumber)
    {
        if (!TrySplit(line, delimiter, fields)) throw new DataFormatException(file, lineNumber, "unterminated quote in the header");
    }

    /// <summary>Splits <paramref name="line"/> on <paramref name="delimiter"/> into <paramref name="fields"/> (cleared first). Returns false on an unterminated quote.</summary>
    public static bool TrySplit(string line, char delimiter, List<string> fields)
    {
        fields.Clear();
        if (line.IndexOf('"') < 0)
        {
            foreach (var f in line.Split(delimiter)) fields.Add(f);
            return true;
        }
        var sb = new StringBuilder();
        var i = 0;
        while (true)
        {
            sb.Clear();
            if (i < line.Length && line[i] == '"')
            {
                i++;
                while (true)
                {
                    if (i >= line.Length) return false;
                    if (line[i] == '"')
                    {
                        if (i + 1 < line.Length && line[i + 1] == '"') { sb.Append('"'); i += 2; continue; }
                        i++;
                        break;
                    }
                    sb.Append(line[i++]);
                }
                while (i < line.Length && line[i] != delimiter) sb.Append(line[i++]);
            }
            else
                while (i < line.Length && line[i] != delimiter) sb.Append(line[i++]);
            fields.Add(sb.ToString());
            if (i >= line.Length) return true;
            i++; // delimiter
        }
    }

    /// <summary>Guesses the delimiter of a header line: tab, semicolon or comma, whichever occurs (comma by default).</summary>
    public static char DetectDelimiter(string headerLine) =>
        headerLine.Contains('\t') ? '\t' : headerLine.Contains(';') && !headerLine.Contains(',') ? ';' : ',';
}
