using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms.Text;

namespace TwoTower.MLNet;

/// <summary>
/// Builds the featurization pipeline of <see cref="FeaturizerOptions"/> from ML.NET's own transforms
/// (MapValueToKey, TokenizeIntoWords, NormalizeMeanVariance), so it saves and loads like any ML.NET model; fitted, it is a
/// <see cref="FeaturizeTransformer"/>, which names a missing input column and the option that reads it.
/// </summary>
internal sealed class FeaturizeEstimator : IEstimator<ITransformer>
{
    private readonly IEstimator<ITransformer> _chain;
    private readonly (string Column, string Option)[] _reads;

    // The columns whose role takes one kind of value: true = text (bags, free text), false = numbers.
    private readonly (string Column, string Option, bool Text)[] _typed;

    private FeaturizeEstimator(IEstimator<ITransformer> chain, (string Column, string Option)[] reads, (string Column, string Option, bool Text)[] typed)
    {
        _chain = chain;
        _reads = reads;
        _typed = typed;
    }

    /// <summary>Fits the ML.NET chain after checking that <paramref name="input"/> has every column the step reads.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A column named in the options is not in the input, or not of a type its option takes.</exception>
    public ITransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        FeaturizeTransformer.Check(_reads, input.Schema, serving: false);
        foreach (var (column, option, text) in _typed)
        {
            var type = input.Schema[column].Type;
            var item = type is VectorDataViewType v ? v.ItemType : type;
            if (text ? item is not TextDataViewType : item is not (NumberDataViewType or BooleanDataViewType)) throw WrongType(column, option, text, $"{type}");
        }
        return new FeaturizeTransformer(_chain.Fit(input), _reads);
    }

    /// <summary>The output shape of the ML.NET chain, after checking that the input has every column the step reads.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A column named in the options is not in the input, or not of a type its option takes.</exception>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        foreach (var (column, option) in _reads)
            if (SchemaShapes.Find(inputSchema, column) is null)
                throw FeaturizeTransformer.Missing(column, option, inputSchema.Select(c => c.Name), serving: false);
        foreach (var (column, option, text) in _typed)
        {
            var col = SchemaShapes.Find(inputSchema, column)!.Value;
            var ok = !col.IsKey && (text ? col.ItemType is TextDataViewType : col.ItemType is NumberDataViewType or BooleanDataViewType);
            if (!ok) throw WrongType(column, option, text, col.Kind == SchemaShape.Column.VectorKind.Scalar ? (col.IsKey ? $"Key<{col.ItemType}>" : $"{col.ItemType}") : $"{col.Kind}<{col.ItemType}>");
        }
        return _chain.GetOutputSchema(inputSchema);
    }

    // Instead of ML.NET's "Schema mismatch for input column", which names no option, or a text column parsed into NaN numbers.
    private static ArgumentOutOfRangeException WrongType(string column, string option, bool text, string found) => new("inputSchema", text
        ? $"The column '{column}' ({option}) has type {found}; expected text (a string, or a vector of strings) to split into tokens: name a number column in FeaturizerOptions.NumericColumns, or a code in CategoricalColumns."
        : $"The column '{column}' ({option}) has type {found}; expected a number (any number type, or a vector of numbers) to standardise: name a text column in FeaturizerOptions.CategoricalColumns, BagColumns or TextColumns, or convert it to numbers first.");

    /// <summary>The featurization estimator for <paramref name="options"/>.</summary>
    /// <exception cref="ArgumentException">No column was named, a column is named twice, or bag columns have no separators.</exception>
    public static IEstimator<ITransformer> Create(MLContext ml, FeaturizerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var steps = new List<IEstimator<ITransformer>>();
        var used = new HashSet<string>(StringComparer.Ordinal);
        var reads = new List<(string, string)>();
        var typed = new List<(string, string, bool)>();
        void Use(string column, string option)
        {
            if (string.IsNullOrWhiteSpace(column)) throw new ArgumentException($"{option} contains an empty column name.", option);
            if (!used.Add(column)) throw new ArgumentException($"Column '{column}' is named twice ({option}); each column takes one role.", option);
            reads.Add((column, "FeaturizerOptions." + option));
        }
        if (options.UserIdColumn is not null) { Use(options.UserIdColumn, nameof(options.UserIdColumn)); steps.Add(ml.Transforms.Conversion.MapValueToKey(options.UserIdColumn + "Key", options.UserIdColumn)); }
        if (options.ItemIdColumn is not null) { Use(options.ItemIdColumn, nameof(options.ItemIdColumn)); steps.Add(ml.Transforms.Conversion.MapValueToKey(options.ItemIdColumn + "Key", options.ItemIdColumn)); }
        foreach (var c in options.CategoricalColumns)
        {
            Use(c, nameof(options.CategoricalColumns));
            steps.Add(ml.Transforms.Conversion.MapValueToKey(c + "Key", c));
        }
        // A copy: the tokenizer keeps the array it is given, so a later change to the options would change the fit.
        char[] separators = [.. options.BagSeparators ?? []];
        // Without separators ML.NET splits on spaces, not what a bag of "A|B" means.
        if (options.BagColumns.Count > 0 && separators.Length == 0)
            throw new ArgumentException("BagSeparators is empty; bag columns need at least one separator (default '|' and ',').", nameof(options));
        foreach (var c in options.BagColumns)
        {
            Use(c, nameof(options.BagColumns));
            typed.Add((c, "FeaturizerOptions." + nameof(options.BagColumns), true));
            steps.Add(ml.Transforms.Text.TokenizeIntoWords(c + "Bag", c, separators));
            steps.Add(ml.Transforms.Conversion.MapValueToKey(c + "Bag"));
        }
        foreach (var c in options.TextColumns)
        {
            Use(c, nameof(options.TextColumns));
            typed.Add((c, "FeaturizerOptions." + nameof(options.TextColumns), true));
            steps.Add(ml.Transforms.Text.NormalizeText(c + "Tokens", c, TextNormalizingEstimator.CaseMode.Lower, keepDiacritics: false, keepPunctuations: false, keepNumbers: true));
            steps.Add(ml.Transforms.Text.TokenizeIntoWords(c + "Tokens"));
            steps.Add(ml.Transforms.Conversion.MapValueToKey(c + "Tokens"));
        }
        foreach (var c in options.NumericColumns)
        {
            Use(c, nameof(options.NumericColumns));
            typed.Add((c, "FeaturizerOptions." + nameof(options.NumericColumns), false));
            // The towers read float features, and NormalizeMeanVariance refuses integers and keeps doubles double: convert first.
            steps.Add(ml.Transforms.Conversion.ConvertType(c + "Normalized", c, DataKind.Single));
            // fixZero: false subtracts the mean; ML.NET's default only divides by the root mean square.
            steps.Add(ml.Transforms.NormalizeMeanVariance(c + "Normalized", fixZero: false));
        }
        if (steps.Count == 0) throw new ArgumentException("FeaturizerOptions names no column; set the id, categorical, bag, text or numeric columns.", nameof(options));
        IEstimator<ITransformer> chain = steps[0];
        for (var i = 1; i < steps.Count; i++) chain = chain.Append(steps[i]);
        return new FeaturizeEstimator(chain, reads.ToArray(), typed.ToArray());
    }
}
