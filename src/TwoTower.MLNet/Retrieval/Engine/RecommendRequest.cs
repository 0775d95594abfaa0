using TwoTower.MLNet.Data;
using TwoTower.MLNet.Rules;

namespace TwoTower.MLNet.Retrieval.Engine;

/// <summary>One recommendation request.</summary>
public sealed record RecommendRequest
{
    /// <summary>Raw user id; null or unknown = a new user (cold start from features and history).</summary>
    public string? UserId { get; init; }

    /// <summary>Number of items wanted (≥ 1).</summary>
    public int K { get; init; } = 10;

    /// <summary>Whether the user's history is left out (default true).</summary>
    public bool ExcludeSeen { get; init; } = true;

    /// <summary>Business rules for this request.</summary>
    public RuleSpec? Filters { get; init; }

    /// <summary>Demographic features (used when the user is unknown or has few interactions); else looked up by id.</summary>
    public UserRecord? Features { get; init; }

    /// <summary>Extra item ids the user interacted with (e.g. this session), added to the stored history for this request only.</summary>
    public IReadOnlyList<string>? History { get; init; }
}
