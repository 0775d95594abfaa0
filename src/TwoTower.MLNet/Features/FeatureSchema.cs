namespace TwoTower.MLNet.Features;

/// <summary>A categorical feature's name and vocabulary: code c ≥ 1 is Vocabulary[c − 1], code 0 is missing or unknown.</summary>
/// <param name="Name">Feature name.</param>
/// <param name="Vocabulary">Raw values in code order.</param>
public sealed record CategoricalSchema(string Name, IReadOnlyList<string> Vocabulary);

/// <summary>A bag feature's name and vocabulary: token id t is Vocabulary[t].</summary>
/// <param name="Name">Feature name.</param>
/// <param name="Vocabulary">Raw tokens in id order.</param>
public sealed record BagSchema(string Name, IReadOnlyList<string> Vocabulary);

/// <summary>A numeric column's name and standardisation.</summary>
/// <param name="Name">Column name.</param>
/// <param name="Mean">Subtracted from the raw value.</param>
/// <param name="Std">Divides the centred value (&gt; 0).</param>
public sealed record NumericSchema(string Name, double Mean, double Std);

/// <summary>
/// What a tower's feature inputs mean: names, vocabularies and numeric scaling, in the tower's input order.
/// Encodes the raw features of an entity the model never saw (a new item or user) exactly as training encoded
/// the known ones, and describes the ONNX tower's feature inputs.
/// </summary>
public sealed class FeatureSchema
{
    /// <summary>Creates a schema; names must be unique across all features.</summary>
    /// <exception cref="ArgumentException">A name is empty or repeated, a vocabulary is missing, or a scaling is not finite and positive.</exception>
    public FeatureSchema(IReadOnlyList<CategoricalSchema> categoricals, IReadOnlyList<BagSchema> bags, IReadOnlyList<NumericSchema> numerics)
    {
        ArgumentNullException.ThrowIfNull(categoricals);
        ArgumentNullException.ThrowIfNull(bags);
        ArgumentNullException.ThrowIfNull(numerics);
        var names = new HashSet<string>(StringComparer.Ordinal);
        void Name(string? name, string kind)
        {
            if (string.IsNullOrWhiteSpace(name)) throw new ArgumentException($"A {kind} feature has an empty name.", kind);
            if (!names.Add(name)) throw new ArgumentException($"Feature name '{name}' is used twice; names must be unique.", kind);
        }
        foreach (var c in categoricals)
        {
            Name(c.Name, "categorical");
            if (c.Vocabulary is null) throw new ArgumentException($"Categorical feature '{c.Name}' has no vocabulary.", nameof(categoricals));
        }
        foreach (var b in bags)
        {
            Name(b.Name, "bag");
            if (b.Vocabulary is null || b.Vocabulary.Count == 0) throw new ArgumentException($"Bag feature '{b.Name}' has an empty vocabulary; expected at least one token.", nameof(bags));
        }
        foreach (var n in numerics)
        {
            Name(n.Name, "numeric");
            if (!NumericStandardizer.IsValidScaling(n.Mean, n.Std))
                throw new ArgumentException($"Numeric feature '{n.Name}' has mean {n.Mean} and std {n.Std}; expected a finite mean and a positive finite std.", nameof(numerics));
        }
        Categoricals = categoricals;
        Bags = bags;
        Numerics = numerics;
        Names = names;
    }

    /// <summary>The names of every feature, of all three kinds (unique across them).</summary>
    internal IReadOnlySet<string> Names { get; }

    /// <summary>The schema of a table with no features.</summary>
    public static FeatureSchema Empty { get; } = new([], [], []);

    /// <summary>Categorical features in input order.</summary>
    public IReadOnlyList<CategoricalSchema> Categoricals { get; }

    /// <summary>Bag features in input order.</summary>
    public IReadOnlyList<BagSchema> Bags { get; }

    /// <summary>Numeric columns in input order.</summary>
    public IReadOnlyList<NumericSchema> Numerics { get; }

    /// <summary>Whether the schema has no feature at all (a tower of ids only).</summary>
    public bool IsEmpty => Categoricals.Count == 0 && Bags.Count == 0 && Numerics.Count == 0;

    /// <summary>
    /// The schema of <paramref name="table"/>. Features built without raw names get their codes as names ("1", "2", ...),
    /// numeric columns without scaling get mean 0 and std 1 (their values are taken as already standardised).
    /// </summary>
    public static FeatureSchema Of(FeatureTable table)
    {
        ArgumentNullException.ThrowIfNull(table);
        return new FeatureSchema(
            table.Categoricals.Select(c => new CategoricalSchema(c.Name, c.Vocabulary ?? Codes(1, c.Cardinality - 1))).ToArray(),
            table.Bags.Select(b => new BagSchema(b.Name, b.Vocabulary ?? Codes(0, b.VocabularySize))).ToArray(),
            table.NumericNames.Select((name, j) => table.NumericScaling is { } s ? new NumericSchema(name, s[j].Mean, s[j].Std) : new NumericSchema(name, 0, 1)).ToArray());
    }

    /// <summary>
    /// Encodes <paramref name="raw"/>: unknown categorical values and bag tokens count as missing (code 0 / dropped),
    /// repeated tokens count once, a missing numeric becomes 0 (the mean).
    /// </summary>
    /// <exception cref="ArgumentException">A feature name is not in the schema (the message lists the known ones), or a numeric value is NaN or infinite, or infinite once standardised.</exception>
    public EncodedFeatures Encode(RawFeatures raw)
    {
        ArgumentNullException.ThrowIfNull(raw);
        CheckNames(raw.Categorical.Keys, Categoricals.Select(c => c.Name), "categorical");
        CheckNames(raw.Bags.Keys, Bags.Select(b => b.Name), "bag");
        CheckNames(raw.Numeric.Keys, Numerics.Select(n => n.Name), "numeric");
        var cats = new int[Categoricals.Count];
        for (var i = 0; i < cats.Length; i++)
            if (raw.Categorical.TryGetValue(Categoricals[i].Name, out var v) && v is not null)
                cats[i] = Index(i, isBag: false).GetValueOrDefault(v, -1) + 1;
        var bags = new int[Bags.Count][];
        for (var i = 0; i < bags.Length; i++)
        {
            var ids = new SortedSet<int>();
            if (raw.Bags.TryGetValue(Bags[i].Name, out var tokens) && tokens is not null)
                foreach (var t in tokens)
                    if (t is not null && Index(i, isBag: true).TryGetValue(t, out var id)) ids.Add(id);
            bags[i] = ids.ToArray();
        }
        var numeric = new float[Numerics.Count];
        for (var i = 0; i < numeric.Length; i++)
        {
            if (!raw.Numeric.TryGetValue(Numerics[i].Name, out var x)) continue;
            if (!double.IsFinite(x)) throw new ArgumentException($"Numeric feature '{Numerics[i].Name}' is {x}; expected a finite number (leave it out when missing).", nameof(raw));
            var z = (float)((x - Numerics[i].Mean) / Numerics[i].Std);
            // A finite double far from the training values can standardise past float: the tower would read ±∞ and give NaN.
            if (!float.IsFinite(z))
                throw new ArgumentException($"Numeric feature '{Numerics[i].Name}' is {x}, which standardises to {z} (mean {Numerics[i].Mean}, std {Numerics[i].Std}); expected a value within the float range once standardised.", nameof(raw));
            numeric[i] = z;
        }
        return new EncodedFeatures(cats, bags, numeric);
    }

    /// <summary>The encoded features of entity <paramref name="key"/> of <paramref name="table"/> (a table with this schema).</summary>
    public static EncodedFeatures Row(FeatureTable table, int key)
    {
        ArgumentNullException.ThrowIfNull(table);
        if ((uint)key >= (uint)table.EntityCount) throw new ArgumentOutOfRangeException(nameof(key), key, $"Expected an entity key in [0, {table.EntityCount}).");
        var nd = table.NumericDimension;
        return new EncodedFeatures(
            table.Categoricals.Select(c => c.Values[key]).ToArray(),
            table.Bags.Select(b => b.Tokens[b.Offsets[key]..b.Offsets[key + 1]]).ToArray(),
            table.Numeric.AsSpan(key * nd, nd).ToArray());
    }

    private Dictionary<string, int>[]? _categoricalIndex;
    private Dictionary<string, int>[]? _bagIndex;

    // Built once on first use: vocabularies are immutable.
    private Dictionary<string, int> Index(int feature, bool isBag)
    {
        if (isBag)
        {
            _bagIndex ??= Bags.Select(b => Lookup(b.Vocabulary)).ToArray();
            return _bagIndex[feature];
        }
        _categoricalIndex ??= Categoricals.Select(c => Lookup(c.Vocabulary)).ToArray();
        return _categoricalIndex[feature];
    }

    private static Dictionary<string, int> Lookup(IReadOnlyList<string> vocabulary)
    {
        var d = new Dictionary<string, int>(vocabulary.Count, StringComparer.Ordinal);
        for (var i = 0; i < vocabulary.Count; i++) d.TryAdd(vocabulary[i], i);
        return d;
    }

    private static void CheckNames(IEnumerable<string> given, IEnumerable<string> known, string kind)
    {
        var set = known.ToHashSet(StringComparer.Ordinal);
        foreach (var g in given)
            if (!set.Contains(g))
                throw new ArgumentException($"'{g}' is not a {kind} feature of this tower; its {kind} features are: {(set.Count == 0 ? "(none)" : string.Join(", ", set.Order(StringComparer.Ordinal)))}.", "raw");
    }

    private static string[] Codes(int first, int count) => Enumerable.Range(first, Math.Max(count, 0)).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();
}
