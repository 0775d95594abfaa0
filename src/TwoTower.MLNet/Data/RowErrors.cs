using System.Globalization;

namespace TwoTower.MLNet.Data;

/// <summary>Shared row parsing: either throw <see cref="DataFormatException"/> or count a skip, per <see cref="DataLoadOptions.SkipBadRows"/>.</summary>
internal sealed class RowErrors
{
    private readonly string _file;
    private readonly bool _skip;

    public RowErrors(string file, DataLoadOptions options)
    {
        _file = file;
        _skip = options.SkipBadRows;
    }

    public int Skipped { get; private set; }

    /// <summary>Reports a bad row: throws, or counts it and returns (the caller then skips the row).</summary>
    public void Bad(long line, string reason)
    {
        if (!_skip) throw new DataFormatException(_file, line, reason, "use --skip-bad-rows to skip such rows");
        Skipped++;
    }

    public static bool TryFloat(ReadOnlySpan<char> s, out float v) =>
        float.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out v) && float.IsFinite(v);

    public static bool TryTimestamp(ReadOnlySpan<char> s, out long v)
    {
        s = s.Trim();
        if (long.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out v)) return true;
        if (double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && double.IsFinite(d))
        {
            // Past long the conversion saturates: 1e30 read as long.MaxValue, a "latest" row that is garbage.
            if (!(d >= -9.2233720368547758E18 && d < 9.2233720368547758E18)) return false;
            v = (long)Math.Floor(d); // whole seconds, as the ISO branch: 30.9 and 30.1 tie (the splits then order by item id)
            return true;
        }
        if (DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var dt))
        {
            v = dt.ToUnixTimeSeconds();
            return true;
        }
        return false;
    }
}
