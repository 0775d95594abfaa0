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

    /// <summary>
    /// Leaves out the features whose names a tower does not read (<see cref="FeatureSchema.Names"/>): a record describes every
    /// field it has, and a tower trained on metadata without one (movies.dat has no release dates) never saw it.
    /// </summary>
    internal void KeepOnly(IReadOnlySet<string> names)
    {
        Keep(Categorical, names);
        Keep(Bags, names);
        Keep(Numeric, names);
    }

    private static void Keep<T>(IDictionary<string, T> features, IReadOnlySet<string> names)
    {
        foreach (var name in features.Keys.Where(k => !names.Contains(k)).ToArray()) features.Remove(name);
    }
}
