namespace TwoTower.MLNet;

/// <summary>
/// Options of <see cref="TwoTowerTransformsCatalog.Featurize(FeaturizerOptions)"/>: which columns become
/// model-ready features. Every output is a new column (inputs stay), named after its input with a suffix.
/// </summary>
public sealed class FeaturizerOptions
{
    /// <summary>The user id column; gets a key column "&lt;name&gt;Key" (MapValueToKey). Default "UserId"; null = none.</summary>
    public string? UserIdColumn { get; set; } = "UserId";

    /// <summary>
    /// The item id column; gets a key column "&lt;name&gt;Key". Default "ItemId"; null = none (needed when the pipeline serves
    /// requests without an item id: the fitted transform reads this column whenever it runs).
    /// </summary>
    public string? ItemIdColumn { get; set; } = "ItemId";

    /// <summary>Single-valued categorical columns (e.g. occupation) → "&lt;name&gt;Key" (MapValueToKey).</summary>
    public IList<string> CategoricalColumns { get; set; } = [];

    /// <summary>Multi-valued text columns separated by <see cref="BagSeparators"/> (e.g. "Action|Comedy") → "&lt;name&gt;Bag", a vector of keys.</summary>
    public IList<string> BagColumns { get; set; } = [];

    /// <summary>Separators of <see cref="BagColumns"/>. Default '|' and ','.</summary>
    public char[] BagSeparators { get; set; } = ['|', ','];

    /// <summary>Free-text columns (e.g. titles) → "&lt;name&gt;Tokens", lower-cased word tokens as a vector of keys.</summary>
    public IList<string> TextColumns { get; set; } = [];

    /// <summary>Numeric columns of any number type → "&lt;name&gt;Normalized", floats standardised to mean 0 and variance 1 (NormalizeMeanVariance), as the towers read them.</summary>
    public IList<string> NumericColumns { get; set; } = [];
}
