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

    /// <summary>Reads a file written by <see cref="WriteAsync"/>.</summary>
    /// <exception cref="DataFormatException">The header or a row is not as written.</exception>
    public static BatchRecommendations Read(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var (users, ranks, items, scores) = (new List<string>(), new List<int>(), new List<string>(), new List<float>());
        var fields = new List<string>();
        foreach (var (line, text) in TextLines.Read(path))
        {
            if (line == 1)
            {
                if (text != Header) throw new DataFormatException(path, line, $"expected the header '{Header}'.");
                continue;
            }
            if (!CsvLineParser.TrySplit(text, ',', fields) || fields.Count != 4
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
}
