using System.Globalization;

namespace TwoTower.MLNet.Data;

/// <summary>
/// The MovieLens 1M (and 10M) layout: <c>ratings.dat</c> (UserID::MovieID::Rating::Timestamp),
/// <c>movies.dat</c> (MovieID::Title::Genre|Genre), <c>users.dat</c> (UserID::Gender::Age::Occupation::Zip). Latin-1 text.
/// </summary>
public static class MovieLens1M
{
    private const string Sep = "::";

    /// <summary>Whether <paramref name="dir"/> looks like a MovieLens 1M folder.</summary>
    public static bool IsLayout(string dir) => File.Exists(Path.Combine(dir, "ratings.dat"));

    /// <summary>Loads ratings, movies and users from the folder.</summary>
    public static LoadedDataset Load(string dir, DataLoadOptions? options = null)
    {
        options ??= DataLoadOptions.Default;
        var items = File.Exists(Path.Combine(dir, "movies.dat")) ? LoadItems(Path.Combine(dir, "movies.dat"), options) : null;
        var users = File.Exists(Path.Combine(dir, "users.dat")) ? LoadUsers(Path.Combine(dir, "users.dat"), options) : null;
        return new LoadedDataset(LoadRatings(Path.Combine(dir, "ratings.dat"), options), items, users, "movielens-1m");
    }

    /// <summary>Loads ratings.dat.</summary>
    public static InteractionLog LoadRatings(string file, DataLoadOptions? options = null)
    {
        var errors = new RowErrors(file, options ?? DataLoadOptions.Default);
        var log = new InteractionLog(file);
        foreach (var (line, text) in TextLines.Read(file, TextLines.Latin1))
        {
            var p = text.Split(Sep);
            if (p.Length != 4) { errors.Bad(line, $"expected 4 '::'-separated fields (user, movie, rating, timestamp), found {p.Length}"); continue; }
            if (p[0].Length == 0 || p[1].Length == 0) { errors.Bad(line, "empty user or movie id"); continue; }
            if (!RowErrors.TryFloat(p[2], out var rating)) { errors.Bad(line, $"rating '{p[2]}' is not a number"); continue; }
            if (!long.TryParse(p[3], NumberStyles.Integer, CultureInfo.InvariantCulture, out var ts)) { errors.Bad(line, $"timestamp '{p[3]}' is not an integer"); continue; }
            log.Add(p[0], p[1], rating, ts);
        }
        log.SkippedRows = errors.Skipped;
        return log;
    }

    /// <summary>Loads movies.dat.</summary>
    public static ItemMetadata LoadItems(string file, DataLoadOptions? options = null)
    {
        var errors = new RowErrors(file, options ?? DataLoadOptions.Default);
        var records = new List<ItemRecord>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (line, text) in TextLines.Read(file, TextLines.Latin1))
        {
            var p = text.Split(Sep);
            if (p.Length != 3) { errors.Bad(line, $"expected 3 '::'-separated fields (movie, title, genres), found {p.Length}"); continue; }
            if (p[0].Length == 0 || !seen.Add(p[0])) { errors.Bad(line, $"empty or duplicate movie id '{p[0]}'"); continue; }
            records.Add(new ItemRecord(p[0], p[1], SplitGenres(p[2]), null));
        }
        return new ItemMetadata(records, null, file) { SkippedRows = errors.Skipped };
    }

    /// <summary>Loads users.dat.</summary>
    public static UserMetadata LoadUsers(string file, DataLoadOptions? options = null)
    {
        var errors = new RowErrors(file, options ?? DataLoadOptions.Default);
        var records = new List<UserRecord>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (line, text) in TextLines.Read(file, TextLines.Latin1))
        {
            var p = text.Split(Sep);
            if (p.Length != 5) { errors.Bad(line, $"expected 5 '::'-separated fields (user, gender, age, occupation, zip), found {p.Length}"); continue; }
            if (p[0].Length == 0 || !seen.Add(p[0])) { errors.Bad(line, $"empty or duplicate user id '{p[0]}'"); continue; }
            // As in u.user: an empty age is unknown, any other non-integer a malformed row (it was read as unknown).
            int? age = int.TryParse(p[2], NumberStyles.Integer, CultureInfo.InvariantCulture, out var a) ? a : null;
            if (p[2].Length > 0 && age is null) { errors.Bad(line, $"age '{p[2]}' is not an integer"); continue; }
            if (age < 0) { errors.Bad(line, $"age '{p[2]}' is negative"); continue; }
            records.Add(new UserRecord(p[0], age, MovieLens100K.NullIfEmpty(p[1]), MovieLens100K.NullIfEmpty(p[3]), MovieLens100K.NullIfEmpty(p[4])));
        }
        return new UserMetadata(records, file) { SkippedRows = errors.Skipped };
    }

    /// <summary>Splits "A|B" genre lists (names trimmed, so "A | B" is A and B); "(no genres listed)" means none.</summary>
    internal static IReadOnlyList<string> SplitGenres(string s) =>
        s.Trim() is var t && (t.Length == 0 || t == "(no genres listed)")
            ? Array.Empty<string>()
            // Untrimmed, " Comedy" was a genre of its own beside "Comedy" (and Featurize's bag columns trim their tokens).
            : t.Split('|', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
