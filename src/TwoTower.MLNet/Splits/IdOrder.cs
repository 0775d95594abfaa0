namespace TwoTower.MLNet.Splits;

/// <summary>
/// Orders raw ids numerically when every id is an integer (optional sign, ASCII digits, any length), else by
/// ordinal string order (DESIGN §6). Integers equal in value ("007" and "7") compare equal.
/// </summary>
public sealed class IdOrder : IComparer<string>
{
    private readonly bool _numeric;

    private IdOrder(bool numeric) => _numeric = numeric;

    /// <summary>Builds the order for a set of ids.</summary>
    public static IdOrder For(IEnumerable<string> ids) => new(ids.All(IsInteger));

    /// <summary>Whether ids compare as integers.</summary>
    public bool IsNumeric => _numeric;

    /// <inheritdoc/>
    public int Compare(string? x, string? y)
    {
        if (!_numeric) return string.CompareOrdinal(x, y);
        // Digit strings compare by value without parsing, so an id past long does not switch every id to string order.
        var xDigits = Digits(x!, out var xNegative);
        var yDigits = Digits(y!, out var yNegative);
        if (xNegative != yNegative) return xNegative ? -1 : 1;
        var byMagnitude = xDigits.Length != yDigits.Length ? xDigits.Length.CompareTo(yDigits.Length) : Math.Sign(xDigits.SequenceCompareTo(yDigits));
        return xNegative ? -byMagnitude : byMagnitude;
    }

    private static bool IsInteger(string s)
    {
        var digits = s.AsSpan(s.Length > 0 && s[0] is '-' or '+' ? 1 : 0);
        return !digits.IsEmpty && !digits.ContainsAnyExceptInRange('0', '9');
    }

    // The digits without leading zeros, and the sign (zero is never negative).
    private static ReadOnlySpan<char> Digits(string s, out bool negative)
    {
        var digits = s.AsSpan(s[0] is '-' or '+' ? 1 : 0).TrimStart('0');
        negative = s[0] == '-' && !digits.IsEmpty;
        return digits;
    }
}
