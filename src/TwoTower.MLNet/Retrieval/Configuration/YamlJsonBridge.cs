using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace TwoTower.MLNet.Retrieval.Configuration;

/// <summary>
/// Turns a YAML document into the equivalent JSON tree (and back), so YAML files go through the very same
/// System.Text.Json contract, validation and messages as JSON files. Plain scalars are typed by the YAML 1.2 core schema.
/// </summary>
internal static partial class YamlJsonBridge
{
    // Deeper trees are refused: a recursive alias (&a [*a]) would otherwise never end.
    private const int MaxDepth = 64;

    private const string StringTag = "tag:yaml.org,2002:str";

    [GeneratedRegex(@"^[-+]?[0-9]+$")]
    private static partial Regex DecimalInteger();

    [GeneratedRegex(@"^0o[0-7]+$")]
    private static partial Regex OctalInteger();

    [GeneratedRegex(@"^0x[0-9a-fA-F]+$")]
    private static partial Regex HexInteger();

    [GeneratedRegex(@"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")]
    private static partial Regex Float();

    /// <summary>The YAML text as a JSON tree (null for an empty document or a top-level null) and where each key and item starts (1-based line, column).</summary>
    /// <exception cref="FormatException">The text is not valid YAML, holds several documents, or nests too deep; the message gives line and column.</exception>
    public static (JsonNode? Root, Dictionary<string, (long Line, long Column)> Locations) Parse(string yaml)
    {
        var stream = new YamlStream();
        var scanner = new Scanner(new StringReader(yaml));
        try
        {
            stream.Load(new Parser(scanner));
        }
        catch (YamlException ex)
        {
            throw new FormatException($"not valid YAML at line {ex.Start.Line}, column {ex.Start.Column}: {ex.Message}", ex);
        }
        catch (InvalidOperationException ex)
        {
            // YamlDotNet's scanner throws this bare exception on some malformed input (e.g. an unclosed '[' before a new line).
            throw new FormatException(
                $"not valid YAML at line {scanner.CurrentPosition.Line}, column {scanner.CurrentPosition.Column}: the parser could not continue (an unclosed bracket or quote?).", ex);
        }
        if (stream.Documents.Count > 1)
            throw new FormatException($"holds {stream.Documents.Count} YAML documents (line {stream.Documents[1].RootNode.Start.Line} starts the second); expected one.");
        var locations = new Dictionary<string, (long, long)>(StringComparer.Ordinal);
        if (stream.Documents.Count == 0) return (null, locations);
        var root = stream.Documents[0].RootNode;
        locations["$"] = (root.Start.Line, root.Start.Column);
        return (Convert(root, new List<ConfigurationPath.Segment>(), locations), locations);
    }

    private static JsonNode? Convert(YamlNode node, List<ConfigurationPath.Segment> path, Dictionary<string, (long, long)> locations)
    {
        if (path.Count > MaxDepth)
            throw new FormatException($"nests deeper than {MaxDepth} levels at line {node.Start.Line}, column {node.Start.Column} (a recursive alias?).");
        switch (node)
        {
            case YamlMappingNode map:
                var obj = new JsonObject();
                foreach (var (keyNode, valueNode) in map.Children)
                {
                    if (keyNode is not YamlScalarNode { Value: { } key })
                        throw new FormatException($"has a key that is not a plain name at line {keyNode.Start.Line}, column {keyNode.Start.Column}; expected a scalar key.");
                    path.Add(new ConfigurationPath.Segment(key, -1));
                    locations[ConfigurationPath.ToJsonPath(path)] = (keyNode.Start.Line, keyNode.Start.Column);
                    obj[key] = Convert(valueNode, path, locations);
                    path.RemoveAt(path.Count - 1);
                }
                return obj;
            case YamlSequenceNode seq:
                var array = new JsonArray();
                for (var i = 0; i < seq.Children.Count; i++)
                {
                    path.Add(new ConfigurationPath.Segment(null, i));
                    locations[ConfigurationPath.ToJsonPath(path)] = (seq.Children[i].Start.Line, seq.Children[i].Start.Column);
                    array.Add(Convert(seq.Children[i], path, locations));
                    path.RemoveAt(path.Count - 1);
                }
                return array;
            case YamlScalarNode scalar:
                return Scalar(scalar);
            default:
                throw new FormatException($"has an unsupported YAML node ({node.NodeType}) at line {node.Start.Line}, column {node.Start.Column}.");
        }
    }

    // Quoted, block and !!str scalars are strings; plain ones follow the core schema; any other explicit tag is refused.
    private static JsonNode? Scalar(YamlScalarNode scalar)
    {
        var text = scalar.Value ?? "";
        var tag = scalar.Tag.IsEmpty ? null : scalar.Tag.Value;
        if (tag == StringTag || scalar.Style is not (ScalarStyle.Plain or ScalarStyle.Any)) return JsonValue.Create(text);
        if (tag is not null && tag != "!")
            throw new FormatException($"uses the tag {tag} at line {scalar.Start.Line}, column {scalar.Start.Column}; only !!str is supported.");
        if (tag == "!") return JsonValue.Create(text);
        return PlainScalar(text);
    }

    /// <summary>A plain scalar typed by the YAML 1.2 core schema.</summary>
    public static JsonNode? PlainScalar(string text)
    {
        switch (text)
        {
            case "" or "~" or "null" or "Null" or "NULL": return null;
            case "true" or "True" or "TRUE": return JsonValue.Create(true);
            case "false" or "False" or "FALSE": return JsonValue.Create(false);
        }
        if (DecimalInteger().IsMatch(text))
            return long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l) ? JsonValue.Create(l) : JsonValue.Create(double.Parse(text, CultureInfo.InvariantCulture));
        if (OctalInteger().IsMatch(text) && text.Length <= 23) return JsonValue.Create(System.Convert.ToInt64(text[2..], 8));
        if (HexInteger().IsMatch(text) && text.Length <= 17) return JsonValue.Create(System.Convert.ToInt64(text[2..], 16));
        // The \.inf and \.nan forms have no JSON number: they stay strings, so a numeric key rejects them as JSON would.
        if (Float().IsMatch(text)) return JsonValue.Create(double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture));
        return JsonValue.Create(text);
    }

    /// <summary>Writes a JSON tree as a YAML document; strings that would read back as another type are quoted.</summary>
    public static string ToYaml(JsonNode? root)
    {
        var writer = new StringWriter(CultureInfo.InvariantCulture);
        new YamlStream(new YamlDocument(ToYamlNode(root))).Save(writer, assignAnchors: false);
        var text = writer.ToString();
        // The serializer ends every document with the "..." end marker, which a one-document file does not need.
        return text.EndsWith("...\n", StringComparison.Ordinal) || text.EndsWith("...\r\n", StringComparison.Ordinal) ? text[..text.LastIndexOf("...", StringComparison.Ordinal)] : text;
    }

    // Quoted when read plain it would be another type (true, 12, null, .inf) or when it holds breaks or control characters, which block styles fold.
    private static bool NeedsQuotes(string s) =>
        s.Length == 0 || s.Trim() != s || s is ".inf" or "-.inf" or "+.inf" or ".Inf" or "-.Inf" or "+.Inf" or ".INF" or "-.INF" or "+.INF" or ".nan" or ".NaN" or ".NAN"
        || PlainScalar(s) is not JsonValue v || !v.TryGetValue<string>(out var back) || back != s
        || s.Any(c => char.IsControl(c) || char.IsSurrogate(c) || c is '\u0085' or '\u2028' or '\u2029' or '\uFEFF');

    private static YamlNode ToYamlNode(JsonNode? node) => node switch
    {
        null => new YamlScalarNode("null"),
        JsonObject obj => new YamlMappingNode(obj.Select(kv => new KeyValuePair<YamlNode, YamlNode>(new YamlScalarNode(kv.Key), ToYamlNode(kv.Value)))),
        JsonArray array => new YamlSequenceNode(array.Select(ToYamlNode)),
        JsonValue value when value.TryGetValue<string>(out var s) => new YamlScalarNode(s) { Style = NeedsQuotes(s) ? ScalarStyle.DoubleQuoted : ScalarStyle.Any },
        JsonValue value => new YamlScalarNode(value.ToJsonString()),
        _ => throw new ArgumentException($"Unexpected JSON node type {node.GetType().Name}.", nameof(node)),
    };
}
