using System.Text;

namespace TwoTower.MLNet.Features;

/// <summary>Splits titles into lower-case word tokens (runs of letters and digits; "(1995)" gives "1995"), as the Python peers do.</summary>
public static class TitleTokenizer
{
    /// <summary>The tokens of <paramref name="title"/>, in order.</summary>
    public static List<string> Tokenize(string? title)
    {
        var tokens = new List<string>();
        if (string.IsNullOrEmpty(title)) return tokens;
        var sb = new StringBuilder();
        foreach (var ch in title.ToLowerInvariant())
        {
            if (char.IsLetterOrDigit(ch)) sb.Append(ch);
            else if (sb.Length > 0)
            {
                tokens.Add(sb.ToString());
                sb.Clear();
            }
        }
        if (sb.Length > 0) tokens.Add(sb.ToString());
        return tokens;
    }
}
