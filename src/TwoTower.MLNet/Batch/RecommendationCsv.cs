using System.Globalization;
using System.Text;
using TwoTower.MLNet.Data;
using TwoTower.MLNet.Persistence;

namespace TwoTower.MLNet.Batch;

/// <summary>Batch recommendations as CSV: a header <c>user_id,rank,item_id,score</c>, one row per recommended item, UTF-8, "\n" line ends.</summary>
public static class RecommendationCsv
{
    /// <summary>The header line.</summary>
    public const string Header = "user_id,rank,item_id,score";

    /// <summary>
    /// Writes the rows of every element of <paramref name="chunks"/>, enumerating them while the file is written (a lazy
    /// <see cref="BatchScoringRun.Chunks"/> streams through bounded memory); the file appears only when complete (see <see cref="AtomicFile"/>).
    /// </summary>
    public static Task WriteAsync(string path, IEnumerable<BatchRecommendations> chunks, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(chunks);
        return AtomicFile.WriteAsync(path, async stream =>
        {
            await using var w = new StreamWriter(stream, new UTF8Encoding(false), 1 << 16, leaveOpen: true) { NewLine = "\n" };
            await w.WriteLineAsync(Header);
            foreach (var c in chunks)
            {
                cancellationToken.ThrowIfCancellationRequested();
                for (var i = 0; i < c.Count; i++)
                {
                    w.Write(CsvLineParser.Quote(c.UserIds[i]));
                    w.Write(',');
                    w.Write(c.Ranks[i].ToString(CultureInfo.InvariantCulture));
                    w.Write(',');
                    w.Write(CsvLineParser.Quote(c.ItemIds[i]));
                    w.Write(',');
                    w.WriteLine(c.Scores[i].ToString("R", CultureInfo.InvariantCulture));
                }
            }
        }, cancellationToken);
    }

    /// <summary>Reads a file written by <see cref="WriteAsync"/> (quoted fields may hold line breaks).</summary>
    /// <exception cref="FileNotFoundException">No such file.</exception>
    /// <exception cref="DataFormatException">The header or a row is not as written, or the file is not UTF-8.</exception>
    public static BatchRecommendations Read(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"File '{path}' does not exist.", path);
        var (users, ranks, items, scores) = (new List<string>(), new List<int>(), new List<string>(), new List<float>());
        var header = true;
        foreach (var (line, fields) in Records(path))
        {
            if (header)
            {
                if (fields is null || string.Join(',', fields) != Header) throw new DataFormatException(path, line, $"expected the header '{Header}'.");
                header = false;
                continue;
            }
            if (fields is null || fields.Count != 4
                || !int.TryParse(fields[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out var rank)
                || !float.TryParse(fields[3], NumberStyles.Float, CultureInfo.InvariantCulture, out var score))
                throw new DataFormatException(path, line, "expected user_id,rank,item_id,score with an integer rank and a number score.");
            users.Add(fields[0]);
            ranks.Add(rank);
            items.Add(fields[2]);
            scores.Add(score);
        }
        return new BatchRecommendations(users.ToArray(), ranks.ToArray(), items.ToArray(), scores.ToArray());
    }

    // RFC 4180 records with the line each starts on: a quoted field runs on across line breaks (CsvLineParser reads one line
    // at a time, so it cannot). Fields are null for a record whose quote is never closed; empty lines are left out.
    private static IEnumerable<(long Line, List<string>? Fields)> Records(string path)
    {
        using var reader = new StreamReader(path, new UTF8Encoding(false, throwOnInvalidBytes: true), detectEncodingFromByteOrderMarks: true, 1 << 16);
        var (fields, field) = (new List<string>(), new StringBuilder());
        var (line, start) = (1L, 1L);
        var (inQuotes, empty) = (false, true);
        while (true)
        {
            int c;
            try
            {
                c = reader.Read();
            }
            catch (DecoderFallbackException)
            {
                throw new DataFormatException(path, line, "not UTF-8 text: re-save the file as UTF-8");
            }
            if (c < 0) break;
            if (c == '\n' || c == '\r')
            {
                // "\r\n" is one line break; inside quotes each is kept as written.
                var crlf = c == '\r' && reader.Peek() == '\n';
                if (crlf) reader.Read();
                line++;
                if (inQuotes)
                {
                    field.Append(crlf ? "\r\n" : c == '\r' ? "\r" : "\n");
                    continue;
                }
                if (!empty)
                {
                    fields.Add(field.ToString());
                    yield return (start, fields);
                    fields = [];
                }
                (field, empty, start) = (new StringBuilder(), true, line);
                continue;
            }
            empty = false;
            if (inQuotes)
            {
                if (c != '"') field.Append((char)c);
                else if (reader.Peek() == '"') field.Append((char)reader.Read());
                else inQuotes = false;
            }
            else if (c == '"' && field.Length == 0) inQuotes = true;
            else if (c == ',')
            {
                fields.Add(field.ToString());
                field.Clear();
            }
            else field.Append((char)c);
        }
        if (inQuotes) yield return (start, null);
        else if (!empty)
        {
            fields.Add(field.ToString());
            yield return (start, fields);
        }
    }
}
