using System.Text.Json;
using System.Text.Json.Serialization;
using TwoTower.MLNet.Retrieval.Configuration;

namespace TwoTower.MLNet.Retrieval.Candidates;

/// <summary>
/// Configuration of <see cref="CandidateGenerator"/>: which sources, their quotas and weights, how scores are normalised.
/// Built in C# or read from a JSON or YAML file (<see cref="Load"/>) such as
/// <c>{"sources":[{"source":"twotower","quota":100},{"source":"popularity","quota":20,"weight":0.5}],"normalization":"MinMax"}</c>.
/// </summary>
public sealed record CandidateGeneratorOptions
{
    // Names the configuration in error messages.
    private const string What = "candidate generator configuration";

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNameCaseInsensitive = true,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        // A key given twice ("quota", or "quota" and "Quota") is an error as in YAML, not "the last one wins".
        AllowDuplicateProperties = false,
        // A missing source or quota, or a null list, is an error naming the key rather than a default that fails later.
        RespectNullableAnnotations = true,
        RespectRequiredConstructorParameters = true,
        // Names only: a number would pass as an undefined value.
        Converters = { new JsonStringEnumConverter(namingPolicy: null, allowIntegerValues: false) },
    };

    /// <summary>The sources in priority order (ties in score keep this order's first source first in the list of sources).</summary>
    [JsonPropertyName("sources")]
    public IReadOnlyList<SourceQuota> Sources { get; init; } = Array.Empty<SourceQuota>();

    /// <summary>Score normalisation across sources (default MinMax).</summary>
    [JsonPropertyName("normalization")]
    public ScoreNormalization Normalization { get; init; } = ScoreNormalization.MinMax;

    /// <summary>Checks the options against the available source names; throws naming the bad value.</summary>
    public void Validate(IEnumerable<string> availableSources)
    {
        var available = availableSources.ToHashSet(StringComparer.Ordinal);
        if (Sources.Count == 0) throw new ArgumentException("CandidateGeneratorOptions.Sources is empty; at least one source is needed.", nameof(Sources));
        if (!Enum.IsDefined(Normalization))
            throw new ArgumentException($"CandidateGeneratorOptions.Normalization = {(int)Normalization} is not one of {string.Join(", ", Enum.GetNames<ScoreNormalization>())}.", nameof(Normalization));
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var s in Sources)
        {
            if (s is null) throw new ArgumentException("CandidateGeneratorOptions.Sources contains null.", nameof(Sources));
            if (!available.Contains(s.Source))
                throw new ArgumentException($"Source '{s.Source}' is not available; expected one of: {string.Join(", ", available.Order(StringComparer.Ordinal))}.", nameof(Sources));
            if (!seen.Add(s.Source)) throw new ArgumentException($"Source '{s.Source}' is listed twice.", nameof(Sources));
            if (s.Quota < 1) throw new ArgumentException($"Source '{s.Source}': quota {s.Quota} must be ≥ 1.", nameof(Sources));
            if (!(s.Weight > 0) || float.IsInfinity(s.Weight)) throw new ArgumentException($"Source '{s.Source}': weight {s.Weight} must be a finite number > 0.", nameof(Sources));
            // The cold-start blend divides by the weight: 1 / a subnormal float overflows to infinity and failed every cold request.
            if (!float.IsNormal(s.Weight))
                throw new ArgumentException($"Source '{s.Source}': weight {s.Weight} is too small; it must be at least 1.18E-38 (the smallest normal float).", nameof(Sources));
        }
    }

    /// <summary>
    /// Parses options from JSON text (comments and trailing commas allowed). Errors name the key path with its line and
    /// column, the value found and what was expected; an unknown key is an error that lists the known ones.
    /// </summary>
    /// <exception cref="ArgumentException">Malformed JSON, the literal null, an unknown key or a value of the wrong type.</exception>
    public static CandidateGeneratorOptions FromJson(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        return Parse(json, ConfigurationFormat.Json);
    }

    /// <summary>Parses options from YAML text with the same keys, checks and messages as <see cref="FromJson"/>.</summary>
    /// <exception cref="ArgumentException">Malformed YAML, an empty document, an unknown key or a value of the wrong type.</exception>
    public static CandidateGeneratorOptions FromYaml(string yaml)
    {
        ArgumentNullException.ThrowIfNull(yaml);
        return Parse(yaml, ConfigurationFormat.Yaml);
    }

    /// <summary>Parses options from text in the given format.</summary>
    /// <exception cref="ArgumentException">The text is invalid (see <see cref="FromJson"/>).</exception>
    public static CandidateGeneratorOptions Parse(string text, ConfigurationFormat format)
    {
        ArgumentNullException.ThrowIfNull(text);
        return ConfigurationReader.Parse<CandidateGeneratorOptions>(text, format, Json, What);
    }

    /// <summary>Reads options from a file: JSON for <c>.json</c>, YAML for <c>.yaml</c> or <c>.yml</c> (any case); messages start with the path.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="ArgumentException">Another extension, or invalid content (see <see cref="FromJson"/>).</exception>
    public static CandidateGeneratorOptions Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        return ConfigurationReader.Load<CandidateGeneratorOptions>(path, Json, What);
    }

    /// <summary>Writes the options as YAML that <see cref="FromYaml"/> reads back to equal options.</summary>
    public string ToYaml() => YamlJsonBridge.ToYaml(JsonSerializer.SerializeToNode(this, Json));

    /// <summary>Writes the options as indented JSON.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, new JsonSerializerOptions(Json) { WriteIndented = true });
}
