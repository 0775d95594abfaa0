namespace TwoTower.MLNet.Data;

/// <summary>Which header columns of a generic CSV file hold the user id, item id, rating and timestamp.</summary>
/// <param name="UserColumn">Header name of the user id column.</param>
/// <param name="ItemColumn">Header name of the item id column.</param>
/// <param name="RatingColumn">Header name of the rating column, or null (every row is a positive with rating 1).</param>
/// <param name="TimestampColumn">Header name of the timestamp column (Unix seconds or ISO-8601; whole seconds are kept, so events within one second tie and are ordered by item id), or null.</param>
public sealed record CsvColumnMapping(string UserColumn, string ItemColumn, string? RatingColumn = null, string? TimestampColumn = null)
{
    internal static readonly string[] UserNames = { "user_id", "userid", "user", "uid", "customer_id", "visitorid" };
    internal static readonly string[] ItemNames = { "item_id", "itemid", "item", "movie_id", "movieid", "product_id", "iid" };
    internal static readonly string[] RatingNames = { "rating", "score", "value", "weight" };
    internal static readonly string[] TimeNames = { "timestamp", "time", "ts", "datetime", "date" };

    /// <summary>The position of the header column with the first of <paramref name="names"/> that occurs (case-insensitive, trimmed), or -1.</summary>
    internal static int IndexOfName(IReadOnlyList<string> header, string[] names)
    {
        foreach (var name in names)
            for (var i = 0; i < header.Count; i++)
                if (header[i].Trim().Equals(name, StringComparison.OrdinalIgnoreCase)) return i;
        return -1;
    }

    /// <summary>
    /// Finds the columns of a header by common names (case-insensitive), or returns null with the reason. When several
    /// columns match, the most specific name wins (user_id before user), whatever the column order.
    /// </summary>
    public static CsvColumnMapping? Detect(IReadOnlyList<string> header, out string? reason)
    {
        string? Find(string[] names) => IndexOfName(header, names) is var i and >= 0 ? header[i] : null;
        var user = Find(UserNames);
        var item = Find(ItemNames);
        if (user is null || item is null)
        {
            reason = $"cannot tell the {(user is null ? "user" : "item")} id column from header [{string.Join(", ", header)}]; name it with --user-col/--item-col";
            return null;
        }
        reason = null;
        return new CsvColumnMapping(user, item, Find(RatingNames), Find(TimeNames));
    }
}
