using System.Globalization;

namespace TwoTower.MLNet.Splits;

/// <summary>Orders raw ids numerically when every id is an integer, else by ordinal string order (DESIGN §6).</summary>
public sealed class IdOrder : IComparer<string>
{
    private readonly bool _numeric;

    private IdOrder(bool numeric) => _numeric = numeric;

    /// <summary>Builds the order for a set of ids.</summary>
    public static IdOrder For(IEnumerable<string> ids) => new(ids.All(s => long.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _)));

    /// <summary>Whether ids compare as integers.</summary>
    public bool IsNumeric => _numeric;

    /// <inheritdoc/>
    public int Compare(string? x, string? y)
    {
        if (_numeric)
            return long.Parse(x!, CultureInfo.InvariantCulture).CompareTo(long.Parse(y!, CultureInfo.InvariantCulture));
        return string.CompareOrdinal(x, y);
    }
}
