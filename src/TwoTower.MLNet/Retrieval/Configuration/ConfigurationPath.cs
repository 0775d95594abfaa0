using System.Text;
using System.Text.RegularExpressions;

namespace TwoTower.MLNet.Retrieval.Configuration;

/// <summary>A location inside a configuration tree as System.Text.Json reports it ($.sources[0].quota), split into member names and indices.</summary>
internal static partial class ConfigurationPath
{
    /// <summary>One step: a member name, or an index into a list (Name is null).</summary>
    public readonly record struct Segment(string? Name, int Index);

    [GeneratedRegex(@"\G(?:\.(?<name>[^.\[]+)|\['(?<quoted>.*?)'\]|\[(?<index>\d+)\])")]
    private static partial Regex SegmentPattern();

    /// <summary>Splits a "$..." path; null when it is not in System.Text.Json's path syntax.</summary>
    public static List<Segment>? Parse(string? path)
    {
        if (path is null || !path.StartsWith('$')) return null;
        var segments = new List<Segment>();
        var at = 1;
        while (at < path.Length)
        {
            var m = SegmentPattern().Match(path, at);
            if (!m.Success) return null;
            if (m.Groups["name"].Success) segments.Add(new Segment(m.Groups["name"].Value, -1));
            else if (m.Groups["quoted"].Success) segments.Add(new Segment(m.Groups["quoted"].Value, -1));
            else segments.Add(new Segment(null, int.Parse(m.Groups["index"].Value, System.Globalization.CultureInfo.InvariantCulture)));
            at += m.Length;
        }
        return segments;
    }

    /// <summary>The key path as a reader writes it: sources[0].quota ("(top level)" for the root).</summary>
    public static string Display(IReadOnlyList<Segment> segments)
    {
        if (segments.Count == 0) return "(top level)";
        var sb = new StringBuilder();
        foreach (var s in segments)
        {
            if (s.Name is null) sb.Append('[').Append(s.Index).Append(']');
            else sb.Append(sb.Length == 0 ? "" : ".").Append(s.Name);
        }
        return sb.ToString();
    }

    /// <summary>A canonical "$..." rendering of the segments, the key of the YAML location table.</summary>
    public static string ToJsonPath(IEnumerable<Segment> segments)
    {
        var sb = new StringBuilder("$");
        foreach (var s in segments)
        {
            if (s.Name is null) sb.Append('[').Append(s.Index).Append(']');
            else if (IsPlainName(s.Name)) sb.Append('.').Append(s.Name);
            else sb.Append("['").Append(s.Name).Append("']");
        }
        return sb.ToString();
    }

    // Names that could be misread in dot notation go in brackets, as System.Text.Json does.
    private static bool IsPlainName(string name) => name.Length > 0 && name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_');
}
