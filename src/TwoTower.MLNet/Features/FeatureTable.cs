namespace TwoTower.MLNet.Features;

/// <summary>A single-valued categorical feature: one value per entity, 0 meaning missing.</summary>
/// <param name="Name">Feature name (e.g. "occupation").</param>
/// <param name="Cardinality">Number of values including the missing value 0.</param>
/// <param name="Values">Value of each entity key, in [0, Cardinality).</param>
/// <param name="Vocabulary">Raw value of codes 1..Cardinality-1 (Vocabulary[c - 1] is code c), or null when the codes have no raw names.</param>
public sealed record CategoricalFeature(string Name, int Cardinality, int[] Values, IReadOnlyList<string>? Vocabulary = null);

/// <summary>A multi-valued feature (bag of tokens, e.g. genres or title words), stored as CSR per entity; the tower averages the token embeddings.</summary>
/// <param name="Name">Feature name (e.g. "genres").</param>
/// <param name="VocabularySize">Number of distinct tokens; tokens are in [0, VocabularySize).</param>
/// <param name="Offsets">Start of each entity's tokens (length entities + 1).</param>
/// <param name="Tokens">Token ids, entity by entity.</param>
/// <param name="Vocabulary">Raw token of each id (Vocabulary[t] is token t), or null when the ids have no raw names.</param>
public sealed record BagFeature(string Name, int VocabularySize, int[] Offsets, int[] Tokens, IReadOnlyList<string>? Vocabulary = null);

/// <summary>How a raw numeric column was standardised: <c>(x − Mean) / Std</c>; a missing value becomes 0 (the mean).</summary>
/// <param name="Mean">Mean of the raw column.</param>
/// <param name="Std">Standard deviation of the raw column (&gt; 0).</param>
public sealed record NumericScaling(double Mean, double Std);

/// <summary>
/// Encoded side features of one tower's entities (users or items), keyed by the dense keys of the
/// training id map: categorical values, token bags and normalised numeric values.
/// </summary>
public sealed class FeatureTable
{
    /// <summary>Creates a table and validates every shape and value.</summary>
    public FeatureTable(int entityCount, IReadOnlyList<CategoricalFeature> categoricals, IReadOnlyList<BagFeature> bags, int numericDimension, float[] numeric, IReadOnlyList<string>? numericNames = null, IReadOnlyList<NumericScaling>? numericScaling = null)
    {
        if (entityCount < 0) throw new ArgumentOutOfRangeException(nameof(entityCount), entityCount, "Must be ≥ 0.");
        if (numericDimension < 0) throw new ArgumentOutOfRangeException(nameof(numericDimension), numericDimension, "Must be ≥ 0.");
        ArgumentNullException.ThrowIfNull(categoricals);
        ArgumentNullException.ThrowIfNull(bags);
        ArgumentNullException.ThrowIfNull(numeric);
        foreach (var c in categoricals)
        {
            if (c.Values.Length != entityCount)
                throw new ArgumentException($"Categorical feature '{c.Name}' has {c.Values.Length} values; expected one per entity ({entityCount}).", nameof(categoricals));
            if (c.Cardinality < 1) throw new ArgumentException($"Categorical feature '{c.Name}' has cardinality {c.Cardinality}; expected ≥ 1.", nameof(categoricals));
            for (var e = 0; e < entityCount; e++)
                if ((uint)c.Values[e] >= (uint)c.Cardinality)
                    throw new ArgumentException($"Categorical feature '{c.Name}' has value {c.Values[e]} at entity {e}; expected [0, {c.Cardinality}).", nameof(categoricals));
        }
        foreach (var b in bags)
        {
            if (b.Offsets.Length != entityCount + 1 || b.Offsets[0] != 0 || b.Offsets[entityCount] != b.Tokens.Length)
                throw new ArgumentException($"Bag feature '{b.Name}' has {b.Offsets.Length} offsets ending at {b.Offsets[^1]}; expected {entityCount + 1} offsets from 0 to {b.Tokens.Length}.", nameof(bags));
            for (var e = 0; e < entityCount; e++)
                if (b.Offsets[e + 1] < b.Offsets[e])
                    throw new ArgumentException($"Bag feature '{b.Name}' offsets decrease at entity {e}.", nameof(bags));
            foreach (var t in b.Tokens)
                if ((uint)t >= (uint)b.VocabularySize)
                    throw new ArgumentException($"Bag feature '{b.Name}' has token {t}; expected [0, {b.VocabularySize}).", nameof(bags));
        }
        if (numeric.Length != (long)entityCount * numericDimension)
            throw new ArgumentException($"Numeric features have {numeric.Length} values; expected entities × dimension = {entityCount} × {numericDimension} = {(long)entityCount * numericDimension}.", nameof(numeric));
        if (numericScaling is not null && numericScaling.Count != numericDimension)
            throw new ArgumentException($"numericScaling has {numericScaling.Count} entries; expected one per numeric column ({numericDimension}).", nameof(numericScaling));
        if (numericScaling is not null)
            for (var j = 0; j < numericScaling.Count; j++)
                if (!NumericStandardizer.IsValidScaling(numericScaling[j].Mean, numericScaling[j].Std))
                    throw new ArgumentException($"numericScaling[{j}] is {numericScaling[j]}; expected a finite mean and a positive finite standard deviation.", nameof(numericScaling));
        foreach (var c in categoricals)
            if (c.Vocabulary is not null && c.Vocabulary.Count != c.Cardinality - 1)
                throw new ArgumentException($"Categorical feature '{c.Name}' has {c.Vocabulary.Count} vocabulary entries; expected Cardinality − 1 = {c.Cardinality - 1} (code 0 is missing).", nameof(categoricals));
        foreach (var b in bags)
            if (b.Vocabulary is not null && b.Vocabulary.Count != b.VocabularySize)
                throw new ArgumentException($"Bag feature '{b.Name}' has {b.Vocabulary.Count} vocabulary entries; expected VocabularySize = {b.VocabularySize}.", nameof(bags));
        for (var i = 0; i < numeric.Length; i++)
            if (!float.IsFinite(numeric[i]))
                throw new ArgumentException($"Numeric feature {(numericNames is not null && numericNames.Count == numericDimension ? numericNames[i % numericDimension] : (i % numericDimension).ToString())} of entity {i / numericDimension} is {numeric[i]}; features must be finite (impute missing values first).", nameof(numeric));
        EntityCount = entityCount;
        Categoricals = categoricals;
        Bags = bags;
        NumericDimension = numericDimension;
        Numeric = numeric;
        NumericNames = numericNames ?? Enumerable.Range(0, numericDimension).Select(i => $"numeric{i}").ToArray();
        NumericScaling = numericScaling;
    }

    /// <summary>Number of entities (keys 0..EntityCount-1).</summary>
    public int EntityCount { get; }

    /// <summary>Single-valued categorical features.</summary>
    public IReadOnlyList<CategoricalFeature> Categoricals { get; }

    /// <summary>Multi-valued (bag) features.</summary>
    public IReadOnlyList<BagFeature> Bags { get; }

    /// <summary>Numeric values per entity.</summary>
    public int NumericDimension { get; }

    /// <summary>Numeric values, row-major EntityCount × NumericDimension, already normalised.</summary>
    public float[] Numeric { get; }

    /// <summary>Names of the numeric columns.</summary>
    public IReadOnlyList<string> NumericNames { get; }

    /// <summary>How each numeric column was standardised from raw values, or null when the values were given ready-made.</summary>
    public IReadOnlyList<NumericScaling>? NumericScaling { get; }

    /// <summary>Whether the table holds any feature.</summary>
    public bool IsEmpty => Categoricals.Count == 0 && Bags.Count == 0 && NumericDimension == 0;

    /// <summary>
    /// Whether entity <paramref name="key"/> has any feature value: a categorical code, a bag token or a numeric value other
    /// than 0 (a missing numeric is 0, the mean). An entity without one reads as the same all-zero input as every other such entity.
    /// </summary>
    public bool HasFeatures(int key)
    {
        if ((uint)key >= (uint)EntityCount) throw new ArgumentOutOfRangeException(nameof(key), key, $"Expected an entity key in [0, {EntityCount}).");
        foreach (var c in Categoricals)
            if (c.Values[key] != 0) return true;
        foreach (var b in Bags)
            if (b.Offsets[key + 1] > b.Offsets[key]) return true;
        return Numeric.AsSpan(key * NumericDimension, NumericDimension).ContainsAnyExcept(0f);
    }

    /// <summary>A table with no features for <paramref name="entityCount"/> entities.</summary>
    public static FeatureTable Empty(int entityCount) => new(entityCount, Array.Empty<CategoricalFeature>(), Array.Empty<BagFeature>(), 0, Array.Empty<float>());
}
