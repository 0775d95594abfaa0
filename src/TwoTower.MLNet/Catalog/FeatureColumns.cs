using Microsoft.ML;
using Microsoft.ML.Data;
using TwoTower.MLNet.Data;
using TwoTower.MLNet.Features;

namespace TwoTower.MLNet;

/// <summary>
/// Reads tower features from columns of the interaction rows — typically the outputs of
/// <see cref="TwoTowerTransformsCatalog.Featurize(FeaturizerOptions)"/> — into a <see cref="FeatureTable"/> keyed by the
/// training id map. A key column is a categorical (key k is code k, 0 = missing), a vector of keys a bag (key k is token
/// k − 1), a float a numeric column (standardised here), a fixed-size float vector one numeric column per slot. Key
/// values, when the column has them, become the feature's vocabulary, so new entities can be encoded from raw values.
/// Features belong to the entity, not the row: the first row of each entity gives its values.
/// </summary>
internal static class FeatureColumns
{
    /// <summary>Checks that every column exists with a supported type; the message names the column, its type and the role.</summary>
    public static void Check(DataViewSchema schema, IReadOnlyList<string> columns, string option)
    {
        foreach (var name in columns)
        {
            var col = schema.GetColumnOrNull(name) ?? throw Missing(name, option, schema.Where(c => !c.IsHidden).Select(c => c.Name));
            if (!Supported(col.Type))
                throw new ArgumentOutOfRangeException(option, name, $"The feature column '{name}' ({option}) has type {col.Type}; expected a key (categorical), a vector of keys (bag), a float or a fixed-size float vector (numeric).");
        }
    }

    /// <summary>Checks the columns of a schema shape (before fitting).</summary>
    public static void Check(SchemaShape schema, IReadOnlyList<string> columns, string option)
    {
        foreach (var name in columns)
        {
            if (SchemaShapes.Find(schema, name) is not { } col) throw Missing(name, option, schema.Select(c => c.Name));
            var ok = col.IsKey || col.ItemType == NumberDataViewType.Single;
            if (!ok || (!col.IsKey && col.Kind == SchemaShape.Column.VectorKind.VariableVector))
                throw new ArgumentOutOfRangeException(option, name, $"The feature column '{name}' ({option}) is {col.Kind} of {col.ItemType}; expected a key (categorical), a vector of keys (bag), a float or a fixed-size float vector (numeric).");
        }
    }

    // The available columns show a misspelt name's right spelling (e.g. "YearNormalized", Featurize's output, for "YearNorm").
    private static ArgumentOutOfRangeException Missing(string name, string option, IEnumerable<string> available) =>
        new(option, name, $"The feature column '{name}' ({option}) is not in the input schema. Available columns: {string.Join(", ", available.Select(c => $"'{c}'"))}.");

    /// <summary>Reads the features of every entity of <paramref name="entities"/> (ids in text column <paramref name="idText"/>).</summary>
    /// <exception cref="ArgumentException">A numeric feature is NaN or infinite (the message names the column and the entity).</exception>
    public static FeatureTable Read(IDataView data, string idText, IdMap entities, IReadOnlyList<string> columns, string option)
    {
        Check(data.Schema, columns, option);
        var n = entities.Count;
        var schema = data.Schema;
        var cols = columns.Select(c => schema[c]).ToArray();
        var idCol = schema[idText];
        var cats = new List<(string Name, int Cardinality, int[] Values, string[]? Vocab, int Column)>();
        var bags = new List<(string Name, int Size, List<int>[] Tokens, string[]? Vocab, int Column)>();
        var nums = new List<(string Name, double?[] Values, int Column, int Slot)>();
        for (var c = 0; c < cols.Length; c++)
        {
            var col = cols[c];
            switch (col.Type)
            {
                case KeyDataViewType key:
                    cats.Add((col.Name, checked((int)key.Count + 1), new int[n], Vocabulary(col, (int)key.Count), c));
                    break;
                case VectorDataViewType { ItemType: KeyDataViewType key }:
                    bags.Add((col.Name, Math.Max(1, (int)key.Count), new List<int>[n], Vocabulary(col, (int)key.Count), c));
                    break;
                case VectorDataViewType v:
                    for (var j = 0; j < v.Size; j++) nums.Add(($"{col.Name}[{j}]", new double?[n], c, j));
                    break;
                default:
                    nums.Add((col.Name, new double?[n], c, -1));
                    break;
            }
        }

        var seen = new bool[n];
        using var cursor = data.GetRowCursor(cols.Append(idCol));
        var getId = cursor.GetGetter<ReadOnlyMemory<char>>(idCol);
        var keyGetters = cats.Select(x => KeyColumn.Getter(cursor, cols[x.Column])).ToArray();
        var bagGetters = bags.Select(x => KeyColumn.BagGetter(cursor, cols[x.Column])).ToArray();
        var floatGetters = cols.Select(col => col.Type == NumberDataViewType.Single ? cursor.GetGetter<float>(col) : null).ToArray();
        var vectorGetters = cols.Select(col => col.Type is VectorDataViewType { ItemType: NumberDataViewType } ? cursor.GetGetter<VBuffer<float>>(col) : null).ToArray();
        ReadOnlyMemory<char> id = default;
        uint k = 0;
        var keys = new List<uint>();
        float f = 0;
        VBuffer<float> fv = default;
        while (cursor.MoveNext())
        {
            getId(ref id);
            if (!entities.TryGetKey(id.ToString(), out var e) || seen[e]) continue;
            seen[e] = true;
            for (var i = 0; i < cats.Count; i++)
            {
                keyGetters[i](ref k);
                cats[i].Values[e] = (int)k;
            }
            for (var i = 0; i < bags.Count; i++)
            {
                bagGetters[i](keys);
                var tokens = new SortedSet<int>();
                foreach (var t in keys)
                    if (t > 0) tokens.Add((int)t - 1);
                bags[i].Tokens[e] = [.. tokens];
            }
            foreach (var x in nums)
            {
                double value;
                if (x.Slot < 0)
                {
                    floatGetters[x.Column]!(ref f);
                    value = f;
                }
                else
                {
                    vectorGetters[x.Column]!(ref fv);
                    value = fv.GetItemOrDefault(x.Slot);
                }
                if (!double.IsFinite(value))
                    throw new ArgumentException($"Feature column '{x.Name}' ({option}) is {value} for id '{id}'; features must be finite (impute missing values first).", nameof(data));
                x.Values[e] = value;
            }
        }

        var numeric = new float[n * nums.Count];
        var scaling = new NumericScaling[nums.Count];
        for (var j = 0; j < nums.Count; j++)
        {
            var z = NumericStandardizer.Standardize(nums[j].Values, out var mean, out var std);
            scaling[j] = new NumericScaling(mean, std);
            for (var e = 0; e < n; e++) numeric[e * nums.Count + j] = z[e];
        }
        return new FeatureTable(n,
            cats.Select(x => new CategoricalFeature(x.Name, x.Cardinality, x.Values, x.Vocab)).ToArray(),
            bags.Select(x =>
            {
                var offsets = new int[n + 1];
                var tokens = new List<int>();
                for (var e = 0; e < n; e++)
                {
                    if (x.Tokens[e] is { } t) tokens.AddRange(t);
                    offsets[e + 1] = tokens.Count;
                }
                return new BagFeature(x.Name, x.Size, offsets, [.. tokens], x.Vocab is { Length: > 0 } ? x.Vocab : null);
            }).ToArray(),
            nums.Count, numeric, nums.Select(x => x.Name).ToArray(), scaling);
    }

    private static bool Supported(DataViewType type) => type switch
    {
        KeyDataViewType => true,
        VectorDataViewType { ItemType: KeyDataViewType } => true,
        VectorDataViewType { ItemType: var t, IsKnownSize: true } => t == NumberDataViewType.Single,
        _ => type == NumberDataViewType.Single,
    };

    // The key values of a key column (or vector of keys) as strings, or null when the column has none. Number values
    // (MapValueToKey of an int column) are written invariantly: the codes in their place encoded a new entity's 27 as code 27.
    private static string[]? Vocabulary(DataViewSchema.Column column, int count)
    {
        if (column.Annotations.Schema.GetColumnOrNull("KeyValues") is not { Type: VectorDataViewType { ItemType: var itemType } }) return null;
        var raw = itemType.RawType;
        var result = raw == typeof(ReadOnlyMemory<char>) ? Values<ReadOnlyMemory<char>>(column)
            : raw == typeof(int) ? Values<int>(column)
            : raw == typeof(long) ? Values<long>(column)
            : raw == typeof(uint) ? Values<uint>(column)
            : raw == typeof(ulong) ? Values<ulong>(column)
            : raw == typeof(short) ? Values<short>(column)
            : raw == typeof(ushort) ? Values<ushort>(column)
            : raw == typeof(byte) ? Values<byte>(column)
            : raw == typeof(sbyte) ? Values<sbyte>(column)
            : raw == typeof(float) ? Values<float>(column)
            : raw == typeof(double) ? Values<double>(column)
            : raw == typeof(bool) ? Values<bool>(column)
            : null;
        return result is not null && result.Length == count ? result : null;
    }

    private static string[] Values<T>(DataViewSchema.Column column)
    {
        VBuffer<T> values = default;
        column.Annotations.GetValue("KeyValues", ref values);
        return values.DenseValues().Select(v => v is IFormattable f ? f.ToString(null, System.Globalization.CultureInfo.InvariantCulture) : v!.ToString()!).ToArray();
    }
}
