using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;

namespace TwoTower.MLNet.Retrieval.Configuration;

/// <summary>
/// Reads a configuration object from JSON or YAML through one System.Text.Json contract, so both formats accept the same
/// keys and types and fail with the same messages: the key path, its line and column, the value found and what was expected.
/// </summary>
internal static class ConfigurationReader
{
    /// <summary>The format of a configuration file from its extension (.json, .yaml, .yml; any case).</summary>
    /// <exception cref="ArgumentException">Any other extension.</exception>
    public static ConfigurationFormat FormatOf(string path)
    {
        var ext = Path.GetExtension(path);
        if (ext.Equals(".json", StringComparison.OrdinalIgnoreCase)) return ConfigurationFormat.Json;
        if (ext.Equals(".yaml", StringComparison.OrdinalIgnoreCase) || ext.Equals(".yml", StringComparison.OrdinalIgnoreCase)) return ConfigurationFormat.Yaml;
        throw new ArgumentException(
            $"Configuration file '{path}' has the extension '{ext}'; expected .json, .yaml or .yml (the extension chooses the format).", nameof(path));
    }

    /// <summary>Parses <paramref name="text"/>; <paramref name="what"/> names the configuration in messages.</summary>
    /// <exception cref="ArgumentException">The text is malformed, empty or null, or does not fit the contract of <typeparamref name="T"/>.</exception>
    public static T Parse<T>(string text, ConfigurationFormat format, JsonSerializerOptions options, string what)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(text);
        return format switch
        {
            ConfigurationFormat.Json => ParseJson<T>(text, options, what),
            ConfigurationFormat.Yaml => ParseYaml<T>(text, options, what),
            _ => throw new ArgumentOutOfRangeException(nameof(format), format, $"expected one of {string.Join(", ", Enum.GetNames<ConfigurationFormat>())}."),
        };
    }

    /// <summary>Reads a file, its format chosen by extension; messages start with the path.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="ArgumentException">Unknown extension, or the content is invalid (see <see cref="Parse{T}"/>).</exception>
    public static T Load<T>(string path, JsonSerializerOptions options, string what)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(path);
        var format = FormatOf(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"The {what} file '{path}' does not exist.", path);
        try
        {
            return Parse<T>(File.ReadAllText(path), format, options, what);
        }
        catch (ArgumentException ex)
        {
            throw new ArgumentException($"{path}: {ex.MessageWithoutParameter()}", nameof(path), ex);
        }
    }

    private static T ParseJson<T>(string json, JsonSerializerOptions options, string what)
        where T : class
    {
        try
        {
            return JsonSerializer.Deserialize<T>(json, options) ?? throw Null(what, "the JSON literal null", "json");
        }
        catch (JsonException ex) when (ex.GetType() != typeof(JsonException) || ex.InnerException is JsonException)
        {
            // The reader's syntax error (a subclass, or wrapped by the serializer): its message already gives line and position.
            throw new ArgumentException($"Invalid {what}: not valid JSON: {ex.Message}", "json", ex);
        }
        catch (JsonException ex)
        {
            JsonNode? root = null;
            try
            {
                root = JsonNode.Parse(json, documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
            }
            catch (Exception treeError) when (treeError is JsonException or ArgumentException)
            {
                // The value found is only a detail of the message; without a tree (e.g. a key given twice) the message omits it.
            }
            var at = ex.LineNumber is { } line ? (line + 1, (ex.BytePositionInLine ?? 0) + 1) : ((long, long)?)null;
            throw new ArgumentException($"Invalid {what}: {Describe(ex, typeof(T), options, root, at)}", "json", ex);
        }
    }

    private static T ParseYaml<T>(string yaml, JsonSerializerOptions options, string what)
        where T : class
    {
        JsonNode? root;
        Dictionary<string, (long Line, long Column)> locations;
        try
        {
            (root, locations) = YamlJsonBridge.Parse(yaml);
        }
        catch (FormatException ex)
        {
            throw new ArgumentException($"Invalid {what}: {ex.Message}", nameof(yaml), ex);
        }
        if (root is null) throw Null(what, "an empty YAML document (or null)", "yaml");
        try
        {
            return root.Deserialize<T>(options) ?? throw Null(what, "null", "yaml");
        }
        catch (JsonException ex)
        {
            var segments = ConfigurationPath.Parse(ex.Path);
            (long, long)? at = segments is not null && locations.TryGetValue(ConfigurationPath.ToJsonPath(segments), out var l) ? l : null;
            throw new ArgumentException($"Invalid {what}: {Describe(ex, typeof(T), options, root, at)}", nameof(yaml), ex);
        }
    }

    private static ArgumentException Null(string what, string found, string parameter) =>
        new($"Invalid {what}: it is {found}; expected an object of settings.", parameter);

    // Walks the failing path through the serializer's own contract: a name the contract lacks is an unknown key, else the value has the wrong type.
    private static string Describe(JsonException ex, Type root, JsonSerializerOptions options, JsonNode? tree, (long Line, long Column)? at)
    {
        var where = at is { } a ? $" (line {a.Line}, column {a.Column})" : "";
        var segments = ConfigurationPath.Parse(ex.Path);
        if (segments is null) return $"{ex.Message}{where}";
        // The serializer's message names .NET types; the key path is what the author of the file needs.
        if (ex.Message.StartsWith("Duplicate property", StringComparison.Ordinal) && segments.Count > 0)
            return $"key '{segments[^1].Name}' appears twice in {ConfigurationPath.Display(segments.Take(segments.Count - 1).ToList())}{where} " +
                "(keys are case-insensitive); give each key once.";
        var info = options.GetTypeInfo(root);
        for (var i = 0; i < segments.Count; i++)
        {
            var s = segments[i];
            if (s.Name is null)
            {
                if (info.ElementType is not { } element) return $"{ex.Message}{where}";
                info = options.GetTypeInfo(element);
                continue;
            }
            var comparison = options.PropertyNameCaseInsensitive ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
            var property = info.Kind == JsonTypeInfoKind.Object ? info.Properties.FirstOrDefault(p => string.Equals(p.Name, s.Name, comparison)) : null;
            if (property is null)
            {
                var parent = ConfigurationPath.Display(segments.Take(i).ToList());
                return $"unknown key '{s.Name}' in {parent}{where}; expected one of: {KnownKeys(info)}.";
            }
            info = options.GetTypeInfo(property.PropertyType);
        }
        var (found, node) = Find(tree, segments);
        if (found && node is JsonObject obj && info.Kind == JsonTypeInfoKind.Object)
        {
            var missing = info.Properties.Where(IsRequired).Select(p => p.Name)
                .Where(name => !obj.Any(kv => string.Equals(kv.Key, name, StringComparison.OrdinalIgnoreCase))).ToList();
            if (missing.Count > 0)
                return $"{ConfigurationPath.Display(segments)}{where} lacks the required key{(missing.Count > 1 ? "s" : "")} {string.Join(", ", missing.Select(m => $"'{m}'"))}; expected {Expected(info)}.";
        }
        var value = found ? $" = {Show(node)}" : "";
        return $"{ConfigurationPath.Display(segments)}{value}{where} has the wrong type or value; expected {Expected(info)}.";
    }

    // A constructor parameter without a default (e.g. a record's positional member) or a 'required' member must be present.
    private static bool IsRequired(JsonPropertyInfo p) =>
        p.IsRequired || p.AssociatedParameter is { HasDefaultValue: false, IsMemberInitializer: false };

    private static string KnownKeys(JsonTypeInfo info) =>
        info.Kind == JsonTypeInfoKind.Object && info.Properties.Count > 0 ? string.Join(", ", info.Properties.Select(p => p.Name)) : "(none)";

    // One wording for both formats (a YAML mapping is "an object" here too), so JSON and YAML messages are identical.
    private static string Expected(JsonTypeInfo info)
    {
        var type = Nullable.GetUnderlyingType(info.Type) ?? info.Type;
        if (type.IsEnum) return $"one of {string.Join(", ", Enum.GetNames(type))}";
        if (type == typeof(string)) return "a string";
        if (type == typeof(bool)) return "true or false";
        if (type == typeof(int) || type == typeof(long) || type == typeof(short) || type == typeof(byte)
            || type == typeof(uint) || type == typeof(ulong) || type == typeof(ushort) || type == typeof(sbyte))
            return $"an integer ({type.Name})";
        if (type == typeof(float) || type == typeof(double) || type == typeof(decimal)) return $"a number ({type.Name})";
        return info.Kind switch
        {
            JsonTypeInfoKind.Enumerable => "a list",
            JsonTypeInfoKind.Dictionary => "an object",
            JsonTypeInfoKind.Object => $"an object with keys {KnownKeys(info)}",
            _ => type.Name,
        };
    }

    private static (bool Found, JsonNode? Node) Find(JsonNode? node, IReadOnlyList<ConfigurationPath.Segment> segments)
    {
        if (node is null) return (false, null);
        foreach (var s in segments)
        {
            switch (node)
            {
                case JsonObject obj when s.Name is not null && obj.TryGetPropertyValue(s.Name, out var child):
                    node = child;
                    break;
                case JsonObject obj when s.Name is not null && obj.FirstOrDefault(kv => string.Equals(kv.Key, s.Name, StringComparison.OrdinalIgnoreCase)) is { Key: not null } kv:
                    node = kv.Value;
                    break;
                case JsonArray array when s.Name is null && s.Index < array.Count:
                    node = array[s.Index];
                    break;
                default:
                    return (false, null);
            }
        }
        return (true, node);
    }

    // Long values (a whole list) are cut: the message names the key, the value is a hint.
    private static string Show(JsonNode? node)
    {
        var text = node?.ToJsonString() ?? "null";
        return text.Length <= 60 ? text : text[..57] + "...";
    }
}
