using System.Globalization;
using System.Text;

namespace TwoTower.MLNet.Features;

/// <summary>
/// Splits titles into lower-case word tokens (runs of letters and numbers of any Unicode plane; "(1995)" gives "1995"),
/// as the Python peers' <c>[^\W_]+</c> does.
/// </summary>
public static class TitleTokenizer
{
    /// <summary>The tokens of <paramref name="title"/>, in order.</summary>
    public static List<string> Tokenize(string? title)
    {
        var tokens = new List<string>();
        if (string.IsNullOrEmpty(title)) return tokens;
        var sb = new StringBuilder();
        Span<char> lower = stackalloc char[2];
        // By code point: a letter outside the basic plane is a surrogate pair, and neither half is a letter on its own.
        foreach (var rune in title.EnumerateRunes())
        {
            if (IsWordRune(rune)) sb.Append(lower[..Rune.ToLowerInvariant(rune).EncodeToUtf16(lower)]);
            else if (sb.Length > 0)
            {
                tokens.Add(sb.ToString());
                sb.Clear();
            }
        }
        if (sb.Length > 0) tokens.Add(sb.ToString());
        return tokens;
    }

    // Python's \w less '_': letters and numbers of every kind (digits, "Ⅻ", "³"), not only decimal digits.
    private static bool IsWordRune(Rune rune) => Rune.GetUnicodeCategory(rune) switch
    {
        UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter
            or UnicodeCategory.ModifierLetter or UnicodeCategory.OtherLetter
            or UnicodeCategory.DecimalDigitNumber or UnicodeCategory.LetterNumber or UnicodeCategory.OtherNumber => true,
        _ => false,
    };
}
