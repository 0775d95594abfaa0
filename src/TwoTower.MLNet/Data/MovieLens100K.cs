using System.Globalization;

namespace TwoTower.MLNet.Data;

/// <summary>
/// The MovieLens 100K folder layout: <c>u.data</c> (user, item, rating, timestamp; tab-separated),
/// <c>u.item</c> (id|title|release date|video release|url|19 genre flags), <c>u.user</c>
/// (id|age|gender|occupation|zip), <c>u.genre</c> (name|index). Latin-1 text.
/// </summary>
public static class MovieLens100K
{
    /// <summary>The 19 genres in u.item flag order (used when u.genre is absent).</summary>
    public static readonly IReadOnlyList<string> DefaultGenres = new[]
    {
        "unknown", "Action", "Adventure", "Animation", "Children's", "Comedy", "Crime", "Documentary", "Drama", "Fantasy",
        "Film-Noir", "Horror", "Musical", "Mystery", "Romance", "Sci-Fi", "Thriller", "War", "Western",
    };

    /// <summary>Whether <paramref name="dir"/> looks like a MovieLens 100K folder.</summary>
    public static bool IsLayout(string dir) => File.Exists(Path.Combine(dir, "u.data"));

    /// <summary>Loads ratings, items and users from the folder.</summary>
    public static LoadedDataset Load(string dir, DataLoadOptions? options = null)
    {
        options ??= DataLoadOptions.Default;
        var items = File.Exists(Path.Combine(dir, "u.item")) ? LoadItems(dir, options) : null;
        var users = File.Exists(Path.Combine(dir, "u.user")) ? LoadUsers(dir, options) : null;
        return new LoadedDataset(LoadRatings(Path.Combine(dir, "u.data"), options), items, users, "movielens-100k");
    }

    /// <summary>Loads a u.data-style file (user, item, rating, timestamp, tab-separated).</summary>
    public static InteractionLog LoadRatings(string file, DataLoadOptions? options = null)
    {
        var errors = new RowErrors(file, options ?? DataLoadOptions.Default);
        var log = new InteractionLog(file);
        foreach (var (line, text) in TextLines.Read(file, TextLines.Latin1))
        {
            var p = text.Split('\t');
            if (p.Length != 4) { errors.Bad(line, $"expected 4 tab-separated fields (user, item, rating, timestamp), found {p.Length}"); continue; }
            if (!RowErrors.TryFloat(p[2], out var rating)) { errors.Bad(line, $"rating '{p[2]}' is not a number"); continue; }
            if (!long.TryParse(p[3], NumberStyles.Integer, CultureInfo.InvariantCulture, out var ts)) { errors.Bad(line, $"timestamp '{p[3]}' is not an integer"); continue; }
            if (p[0].Length == 0 || p[1].Length == 0) { errors.Bad(line, "empty user or item id"); continue; }
            log.Add(p[0], p[1], rating, ts);
        }
        log.SkippedRows = errors.Skipped;
        return log;
    }

    /// <summary>Loads u.item (and u.genre for the genre names when present).</summary>
    public static ItemMetadata LoadItems(string dir, DataLoadOptions? options = null)
    {
        var file = Path.Combine(dir, "u.item");
        var genres = LoadGenreNames(dir);
        var errors = new RowErrors(file, options ?? DataLoadOptions.Default);
        var records = new List<ItemRecord>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (line, text) in TextLines.Read(file, TextLines.Latin1))
        {
            var p = text.Split('|');
            if (p.Length != 5 + genres.Count) { errors.Bad(line, $"expected {5 + genres.Count} '|'-separated fields (id, title, release date, video release date, url, {genres.Count} genre flags), found {p.Length}"); continue; }
            if (p[0].Length == 0) { errors.Bad(line, "empty item id"); continue; }
            if (!seen.Add(p[0])) { errors.Bad(line, $"duplicate item id '{p[0]}'"); continue; }
            var g = new List<string>();
            var ok = true;
            for (var j = 0; j < genres.Count; j++)
            {
                var flag = p[5 + j];
                if (flag == "1") g.Add(genres[j]);
                else if (flag != "0") { errors.Bad(line, $"genre flag {j + 1} ('{genres[j]}') is '{flag}', expected 0 or 1"); ok = false; break; }
            }
            if (!ok) continue;
            DateOnly? date = DateOnly.TryParseExact(p[2], "d-MMM-yyyy", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d) ? d : null;
            records.Add(new ItemRecord(p[0], p[1].Length == 0 ? null : p[1], g, date));
        }
        return new ItemMetadata(records, genres, file) { SkippedRows = errors.Skipped };
    }

    /// <summary>Loads u.user.</summary>
    public static UserMetadata LoadUsers(string dir, DataLoadOptions? options = null)
    {
        var file = Path.Combine(dir, "u.user");
        var errors = new RowErrors(file, options ?? DataLoadOptions.Default);
        var records = new List<UserRecord>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (line, text) in TextLines.Read(file, TextLines.Latin1))
        {
            var p = text.Split('|');
            if (p.Length != 5) { errors.Bad(line, $"expected 5 '|'-separated fields (id, age, gender, occupation, zip), found {p.Length}"); continue; }
            if (p[0].Length == 0 || !seen.Add(p[0])) { errors.Bad(line, $"empty or duplicate user id '{p[0]}'"); continue; }
            int? age = int.TryParse(p[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out var a) ? a : null;
            if (p[1].Length > 0 && age is null) { errors.Bad(line, $"age '{p[1]}' is not an integer"); continue; }
            // Age buckets (popularity groups, the age_bucket feature) are defined from 0 up.
            if (age < 0) { errors.Bad(line, $"age '{p[1]}' is negative"); continue; }
            records.Add(new UserRecord(p[0], age, NullIfEmpty(p[2]), NullIfEmpty(p[3]), NullIfEmpty(p[4])));
        }
        return new UserMetadata(records, file) { SkippedRows = errors.Skipped };
    }

    private static IReadOnlyList<string> LoadGenreNames(string dir)
    {
        var file = Path.Combine(dir, "u.genre");
        if (!File.Exists(file)) return DefaultGenres;
        var names = new SortedDictionary<int, string>();
        foreach (var (line, text) in TextLines.Read(file, TextLines.Latin1))
        {
            // Names trimmed as the CSV loaders trim theirs: " Padded " would match no filter on "Padded".
            var p = text.Split('|', StringSplitOptions.TrimEntries);
            if (p.Length < 2 || !int.TryParse(p[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out var idx) || idx < 0 || !names.TryAdd(idx, p[0]))
                throw new DataFormatException(file, line, "expected 'name|index' with a unique non-negative index");
            // A blank name would enter the catalogue's genre vocabulary, which a snapshot writes and a restart refuses to read back.
            if (string.IsNullOrWhiteSpace(p[0]))
                throw new DataFormatException(file, line, $"genre {idx} has a blank name; name it (u.item's flags refer to it by position)");
        }
        if (names.Count == 0 || names.Keys.Last() != names.Count - 1)
            throw new DataFormatException(file, 0, "genre indices must be 0..n-1 without gaps");
        return names.Values.ToArray();
    }

    internal static string? NullIfEmpty(string s) => s.Length == 0 ? null : s;
}
