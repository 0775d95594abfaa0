using System.Text.Json.Serialization;
using TwoTower.MLNet.Rules;

namespace TwoTower.Serving.Contracts;

/// <summary>Body of POST /recommend.</summary>
public sealed record RecommendBody
{
    /// <summary>User id; unknown or missing = cold start from <see cref="User"/> and <see cref="History"/>.</summary>
    [JsonPropertyName("userId")] public string? UserId { get; init; }

    /// <summary>Number of items (1..MaxK, default 10).</summary>
    [JsonPropertyName("k")] public int K { get; init; } = 10;

    /// <summary>Leave out the user's history (default true).</summary>
    [JsonPropertyName("excludeSeen")] public bool ExcludeSeen { get; init; } = true;

    /// <summary>Business rules for this request.</summary>
    [JsonPropertyName("filters")] public RuleSpec? Filters { get; init; }

    /// <summary>User features instead of (or besides) an id.</summary>
    [JsonPropertyName("user")] public UserFeaturesBody? User { get; init; }

    /// <summary>Item ids the user interacted with in this session.</summary>
    [JsonPropertyName("history")] public IReadOnlyList<string>? History { get; init; }
}

/// <summary>Demographic features of a user (all optional).</summary>
public sealed record UserFeaturesBody
{
    /// <summary>Age in years.</summary>
    [JsonPropertyName("age")] public int? Age { get; init; }

    /// <summary>Gender code.</summary>
    [JsonPropertyName("gender")] public string? Gender { get; init; }

    /// <summary>Occupation.</summary>
    [JsonPropertyName("occupation")] public string? Occupation { get; init; }
}
