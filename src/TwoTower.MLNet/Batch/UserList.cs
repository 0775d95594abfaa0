using TwoTower.MLNet.Data;

namespace TwoTower.MLNet.Batch;

/// <summary>Reads the users to score from a CSV file with a header (a user list, or any interaction file: repeats are kept and scored once).</summary>
public static class UserList
{
    /// <summary>
    /// The ids in column <paramref name="userColumn"/>, or, when null, in the column named like a user id (user_id, userId,
    /// user...) or the only column. Blank ids are an error.
    /// </summary>
    /// <exception cref="FileNotFoundException">No such file.</exception>
    /// <exception cref="DataFormatException">No header, a header with an unterminated quote, no user column, a row of another width than the header, a blank id, or no rows.</exception>
    public static IReadOnlyList<string> Load(string path, string? userColumn = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var ids = new List<string>();
        var fields = new List<string>();
        var column = -1;
        var width = 0;
        var delimiter = ',';
        foreach (var (line, text) in TextLines.Read(path))
        {
            if (column < 0)
            {
                delimiter = CsvLineParser.DetectDelimiter(text);
                CsvLineParser.SplitHeader(text, delimiter, fields, path, line);
                column = FindColumn(fields, userColumn, path, line);
                width = fields.Count;
                continue;
            }
            if (!CsvLineParser.TrySplit(text, delimiter, fields))
                throw new DataFormatException(path, line, "unbalanced quotes.");
            // A row of another width is a broken row (a lost field, an unquoted delimiter): its user column cannot be trusted.
            if (fields.Count != width)
                throw new DataFormatException(path, line, $"expected {width} fields like the header, found {fields.Count}.");
            var id = fields[column].Trim();
            if (id.Length == 0) throw new DataFormatException(path, line, "the user id is blank.");
            ids.Add(id);
        }
        if (column < 0) throw new DataFormatException(path, 1, "the file is empty; expected a header line and one user id per row.");
        if (ids.Count == 0) throw new DataFormatException(path, 2, "a header but no user rows.");
        return ids;
    }

    private static int FindColumn(List<string> header, string? name, string path, long line)
    {
        var trimmed = header.Select(h => h.Trim()).ToList();
        if (name is not null)
        {
            var at = trimmed.FindIndex(h => string.Equals(h, name, StringComparison.OrdinalIgnoreCase));
            return at >= 0 ? at : throw new DataFormatException(path, line, $"no column '{name}' in header [{string.Join(", ", trimmed)}].");
        }
        // The most specific name wins (user_id before user), as for interaction files.
        var found = CsvColumnMapping.IndexOfName(trimmed, CsvColumnMapping.UserNames);
        if (found >= 0) return found;
        if (trimmed.Count == 1) return 0;
        throw new DataFormatException(path, line, $"cannot tell the user id column from header [{string.Join(", ", trimmed)}]; name it (--user-col).");
    }
}
