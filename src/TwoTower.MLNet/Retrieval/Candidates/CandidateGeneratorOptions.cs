using System.Text.Json;
using System.Text.Json.Serialization;

namespace TwoTower.MLNet.Retrieval.Candidates;

/// <summary>
/// Configuration of <see cref="CandidateGenerator"/>: which sources, their quotas and weights, how scores are normalised.
/// Built in C# or read from a JSON file such as
/// <c>{"sources":[{"source":"twotower","quota":100},{"source":"popularity","quota":20,"weight":0.5}],"normalization":"MinMax"}</c>.
/// </summary>
public sealed record CandidateGeneratorOptions
{
    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNameCaseInsensitive = true,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        Converters = { new JsonStringEnumConverter() },
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
        }
    }

    /// <summary>Parses options from JSON text; errors name the JSON path.</summary>
    public static CandidateGeneratorOptions FromJson(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        try
        {
            return JsonSerializer.Deserialize<CandidateGeneratorOptions>(json, Json)
                ?? throw new ArgumentException("Candidate generator configuration is the JSON literal null; expected an object.", nameof(json));
        }
        catch (JsonException ex)
        {
            throw new ArgumentException($"Invalid candidate generator configuration: {ex.Message}", nameof(json), ex);
        }
    }

    /// <summary>Reads options from a JSON file.</summary>
    public static CandidateGeneratorOptions Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"Candidate generator configuration '{path}' does not exist.", path);
        try
        {
            return FromJson(File.ReadAllText(path));
        }
        catch (ArgumentException ex)
        {
            throw new ArgumentException($"{path}: {ex.Message}", nameof(path), ex);
        }
    }

    /// <summary>Writes the options as indented JSON.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, new JsonSerializerOptions(Json) { WriteIndented = true });
}
