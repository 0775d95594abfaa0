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
        foreach (var (line, text) in TextLines.Read(file))
        {
            if (!sawHeader)
            {
                delimiter = CsvLineParser.DetectDelimiter(text);
                if (!CsvLineParser.TrySplit(text, delimiter, fields)) throw new DataFormatException(file, line, "unterminated quote in the header");
                var header = fields.Select(f => f.Trim()).ToList();
                var mapping = options.Columns ?? CsvColumnMapping.Detect(header, out var reason)
                    ?? throw new DataFormatException(file, line, reason!);
                ui = IndexOf(header, mapping.UserColumn, file, line, "user");
                ii = IndexOf(header, mapping.ItemColumn, file, line, "item");
                ri = mapping.RatingColumn is null ? -1 : IndexOf(header, mapping.RatingColumn, file, line, "rating");
                ti = mapping.TimestampColumn is null ? -1 : IndexOf(header, mapping.TimestampColumn, file, line, "timestamp");
                width = header.Count;
                log.HasRatings = ri >= 0;
                log.HasTimestamps = ti >= 0;
                sawHeader = true;
                continue;
            }
            if (!CsvLineParser.TrySplit(text, delimiter, fields)) { errors.Bad(line, "unterminated quote"); continue; }
            if (fields.Count != width) { errors.Bad(line, $"expected {width} fields like the header, found {fields.Count}"); continue; }
            var user = fields[ui].Trim();
            var item = fields[ii].Trim();
            if (user.Length == 0 || item.Length == 0) { errors.Bad(line, "empty user or item id"); continue; }
            var rating = 1f;
            if (ri >= 0 && !RowErrors.TryFloat(fields[ri], out rating)) { errors.Bad(line, $"rating '{fields[ri]}' is not a finite number"); continue; }
            long ts = 0;
            if (ti >= 0 && !RowErrors.TryTimestamp(fields[ti], out ts)) { errors.Bad(line, $"timestamp '{fields[ti]}' is neither Unix seconds nor a date"); continue; }
            log.Add(user, item, rating, ts);
        }
        if (!sawHeader) throw new DataFormatException(file, 0, "the file is empty: a header row is required");
        log.SkippedRows = errors.Skipped;
        return log;
    }

    private static int IndexOf(List<string> header, string name, string file, long line, string what)
    {
        var i = header.FindIndex(h => string.Equals(h, name, StringComparison.OrdinalIgnoreCase));
        if (i < 0) throw new DataFormatException(file, line, $"the {what} column '{name}' is not in the header [{string.Join(", ", header)}]");
        return i;
    }
}
