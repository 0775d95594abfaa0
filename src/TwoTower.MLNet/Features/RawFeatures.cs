namespace TwoTower.MLNet.Features;

/// <summary>
/// Side features of one entity (a new item or user) as raw values, keyed by feature name: the input of
/// <see cref="FeatureSchema.Encode"/>. A feature left out counts as missing.
/// </summary>
public sealed class RawFeatures
{
    /// <summary>Single-valued categorical features (e.g. "occupation" → "engineer"); null = missing.</summary>
    public IDictionary<string, string?> Categorical { get; } = new Dictionary<string, string?>(StringComparer.Ordinal);

    /// <summary>Multi-valued features as token lists (e.g. "genres" → ["Action", "Comedy"]).</summary>
    public IDictionary<string, IReadOnlyList<string>> Bags { get; } = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);

    /// <summary>Raw numeric features before standardisation (e.g. "age" → 31).</summary>
    public IDictionary<string, double> Numeric { get; } = new Dictionary<string, double>(StringComparer.Ordinal);
}
