namespace TwoTower.MLNet.Data;

/// <summary>
/// The newer MovieLens CSV layout (ml-latest, 20M, 25M, 32M): <c>ratings.csv</c>
/// (userId,movieId,rating,timestamp) and <c>movies.csv</c> (movieId,title,genres with "A|B" lists).
/// </summary>
public static class MovieLensCsv
{
    /// <summary>Whether <paramref name="dir"/> looks like this layout.</summary>
    public static bool IsLayout(string dir) => File.Exists(Path.Combine(dir, "ratings.csv"));

    /// <summary>Loads ratings and movies from the folder.</summary>
    public static LoadedDataset Load(string dir, DataLoadOptions? options = null)
    {
        options ??= DataLoadOptions.Default;
        var moviesFile = Path.Combine(dir, "movies.csv");
        var items = File.Exists(moviesFile) ? LoadItems(moviesFile, options) : null;
        return new LoadedDataset(CsvInteractions.Load(Path.Combine(dir, "ratings.csv"), options), items, null, "movielens-csv");
    }

    /// <summary>
    /// Loads item metadata from a CSV with a header naming an id column (movieId, item_id, id), and
    /// optionally title and genres ("A|B") columns.
    /// </summary>
    public static ItemMetadata LoadItems(string file, DataLoadOptions? options = null)
    {
        var errors = new RowErrors(file, options ?? DataLoadOptions.Default);
        var records = new List<ItemRecord>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var fields = new List<string>();
        int idCol = -1, titleCol = -1, genreCol = -1, width = 0;
        var idName = "";
        var delimiter = ',';
        var sawHeader = false;
        foreach (var (line, text) in TextLines.Read(file))
        {
            if (!sawHeader)
            {
                delimiter = CsvLineParser.DetectDelimiter(text);
                CsvLineParser.SplitHeader(text, delimiter, fields, file, line);
                var h = fields.Select(f => f.Trim().ToLowerInvariant()).ToList();
                idCol = h.FindIndex(x => x is "movieid" or "item_id" or "itemid" or "id" or "movie_id");
                titleCol = h.FindIndex(x => x is "title" or "name");
                genreCol = h.FindIndex(x => x is "genres" or "genre" or "categories" or "category");
                if (idCol < 0) throw new DataFormatException(file, line, $"no item id column (movieId, item_id or id) in header [{string.Join(", ", fields)}]");
                idName = fields[idCol].Trim();
                width = fields.Count;
                sawHeader = true;
                continue;
            }
            if (!CsvLineParser.TrySplit(text, delimiter, fields)) { errors.Bad(line, "unterminated quote"); continue; }
            if (fields.Count != width) { errors.Bad(line, $"expected {width} fields like the header, found {fields.Count}"); continue; }
            var id = fields[idCol].Trim();
            if (id.Length == 0 || !seen.Add(id)) { errors.Bad(line, $"{(id.Length == 0 ? "empty" : "duplicate")} item id '{id}' (column {idCol + 1}, '{idName}')"); continue; }
            records.Add(new ItemRecord(id, titleCol >= 0 ? fields[titleCol] : null, genreCol >= 0 ? MovieLens1M.SplitGenres(fields[genreCol]) : Array.Empty<string>(), null));
        }
        if (!sawHeader) throw new DataFormatException(file, 0, "the file is empty: a header row is required");
        return new ItemMetadata(records, null, file) { SkippedRows = errors.Skipped };
    }
}
