namespace TwoTower.MLNet.Data;

/// <summary>
/// Interaction files in CSV with a header: the newer MovieLens <c>ratings.csv</c> and any file whose
/// columns are named by a <see cref="CsvColumnMapping"/> (or recognised by common names), such as the
/// shared split files (user_id,item_id,rating,timestamp).
/// </summary>
public static class CsvInteractions
{
    /// <summary>Loads interactions from a CSV file with a header row.</summary>
    public static InteractionLog Load(string file, DataLoadOptions? options = null)
    {
        options ??= DataLoadOptions.Default;
        var errors = new RowErrors(file, options);
        var log = new InteractionLog(file);
        var fields = new List<string>();
        int ui = -1, ii = -1, ri = -1, ti = -1, width = 0;
        var delimiter = ',';
        var sawHeader = false;
        Range[]? ranges = null;
        List<string> header = [];
        foreach (var (line, text) in TextLines.Read(file))
        {
            if (!sawHeader)
            {
                delimiter = CsvLineParser.DetectDelimiter(text);
                CsvLineParser.SplitHeader(text, delimiter, fields, file, line);
                header = fields.Select(f => f.Trim()).ToList();
                var mapping = options.Columns ?? CsvColumnMapping.Detect(header, out var reason)
                    ?? throw new DataFormatException(file, line, reason!);
                ui = IndexOf(header, mapping.UserColumn, file, line, "user");
                ii = IndexOf(header, mapping.ItemColumn, file, line, "item");
                ri = mapping.RatingColumn is null ? -1 : IndexOf(header, mapping.RatingColumn, file, line, "rating");
                ti = mapping.TimestampColumn is null ? -1 : IndexOf(header, mapping.TimestampColumn, file, line, "timestamp");
                // One column in two roles (--user-col id --item-col id) would read every row as a user choosing itself.
                (int Index, string Role, string? Name)[] roles = [(ui, "user", mapping.UserColumn), (ii, "item", mapping.ItemColumn), (ri, "rating", mapping.RatingColumn), (ti, "timestamp", mapping.TimestampColumn)];
                for (var a = 1; a < roles.Length; a++)
                    for (var b = 0; b < a; b++)
                        if (roles[a].Index >= 0 && roles[a].Index == roles[b].Index)
                            throw new DataFormatException(file, line, $"the {roles[a].Role} column '{roles[a].Name}' is also the {roles[b].Role} column; each column takes one role");
                width = header.Count;
                log.HasRatings = ri >= 0;
                log.HasTimestamps = ti >= 0;
                sawHeader = true;
                continue;
            }
            if (text.IndexOf('"') < 0)
            {
                // Unquoted line (the common case): fields are spans of the line, and only new ids become strings.
                ranges ??= new Range[width + 1];
                var span = text.AsSpan();
                var count = span.Split(ranges, delimiter);
                if (count != width) { errors.Bad(line, $"expected {width} fields like the header, found {(count > width ? text.Split(delimiter).Length : count)}"); continue; }
                AddRow(log, errors, line, header, (ui, ii, ri, ti), span[ranges[ui]], span[ranges[ii]], ri >= 0 ? span[ranges[ri]] : default, ti >= 0 ? span[ranges[ti]] : default);
                continue;
            }
            if (!CsvLineParser.TrySplit(text, delimiter, fields)) { errors.Bad(line, "unterminated quote"); continue; }
            if (fields.Count != width) { errors.Bad(line, $"expected {width} fields like the header, found {fields.Count}"); continue; }
            AddRow(log, errors, line, header, (ui, ii, ri, ti), fields[ui], fields[ii], ri >= 0 ? fields[ri] : default, ti >= 0 ? fields[ti] : default);
        }
        if (!sawHeader) throw new DataFormatException(file, 0, "the file is empty: a header row is required");
        log.SkippedRows = errors.Skipped;
        return log;
    }

    // One row's checks, whichever way its fields were split; without a rating or timestamp column (index -1) the row gets 1 and 0.
    // Errors name the column by position and header name, as a reader finds it in the file.
    private static void AddRow(InteractionLog log, RowErrors errors, long line, List<string> header, (int User, int Item, int Rating, int Time) at,
        ReadOnlySpan<char> user, ReadOnlySpan<char> item, ReadOnlySpan<char> rating, ReadOnlySpan<char> timestamp)
    {
        string Column(int index) => $"column {index + 1}, '{header[index]}'";
        user = user.Trim();
        item = item.Trim();
        if (user.IsEmpty) { errors.Bad(line, $"empty user id ({Column(at.User)})"); return; }
        if (item.IsEmpty) { errors.Bad(line, $"empty item id ({Column(at.Item)})"); return; }
        var r = 1f;
        if (at.Rating >= 0 && !RowErrors.TryFloat(rating, out r)) { errors.Bad(line, $"rating '{rating}' is not a finite number ({Column(at.Rating)})"); return; }
        long t = 0;
        if (at.Time >= 0 && !RowErrors.TryTimestamp(timestamp, out t)) { errors.Bad(line, $"timestamp '{timestamp}' is neither Unix seconds nor a date ({Column(at.Time)})"); return; }
        log.Add(user, item, r, t);
    }

    private static int IndexOf(List<string> header, string name, string file, long line, string what)
    {
        var i = header.FindIndex(h => string.Equals(h, name, StringComparison.OrdinalIgnoreCase));
        if (i < 0) throw new DataFormatException(file, line, $"the {what} column '{name}' is not in the header [{string.Join(", ", header)}]");
        if (header.FindLastIndex(h => string.Equals(h, name, StringComparison.OrdinalIgnoreCase)) != i)
            throw new DataFormatException(file, line, $"the {what} column '{name}' appears more than once in the header [{string.Join(", ", header)}]");
        return i;
    }
}
