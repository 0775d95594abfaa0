using Microsoft.ML;
using Microsoft.ML.Data;

namespace TwoTower.MLNet;

/// <summary>
/// Id columns of any type (text, key with values, scalar number) turned into the raw-id text column the
/// ONNX graphs take, with ML.NET's own (savable) conversion transforms; and the schema checks that name
/// the missing or mistyped column exactly.
/// </summary>
internal static class IdColumn
{
    // ML.NET's annotation kind of a key column's values (AnnotationUtils.Kinds is internal).
    private const string KeyValuesAnnotation = "KeyValues";

    private const string Expected = "text (string), a key with key values, or a scalar number";

    /// <summary>Checks that <paramref name="column"/> exists with a supported type; returns it.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Missing or mistyped, naming the column, its type and the option that named it.</exception>
    public static DataViewSchema.Column Check(DataViewSchema schema, string column, string role, string optionName)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(column, optionName);
        var col = schema.GetColumnOrNull(column)
            ?? throw new ArgumentOutOfRangeException(optionName, column,
                $"The {role} column '{column}' ({optionName}) is not in the input schema. Available columns: {string.Join(", ", schema.Where(c => !c.IsHidden).Select(c => $"'{c.Name}'"))}.");
        if (!IsSupported(col.Type))
            throw new ArgumentOutOfRangeException(optionName, column,
                $"The {role} column '{column}' ({optionName}) has type {col.Type}; expected {Expected}.");
        if (col.Type is KeyDataViewType && col.Annotations.Schema.GetColumnOrNull(KeyValuesAnnotation) is null) throw NoKeyValues(role, column, optionName);
        return col;
    }

    // Keys of a hash or a loader's KeyType carry no values: the raw ids the model and its graphs are keyed by are lost.
    private static ArgumentOutOfRangeException NoKeyValues(string role, string column, string optionName) =>
        new(optionName, column, $"The {role} column '{column}' ({optionName}) is a key without key values, so raw ids cannot be recovered; give the original id column instead (expected {Expected}).");

    /// <summary>The same check on a <see cref="SchemaShape"/> (estimator-level schema propagation).</summary>
    public static void Check(SchemaShape schema, string column, string role, string optionName)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(column, optionName);
        if (SchemaShapes.Find(schema, column) is not { } col)
            throw new ArgumentOutOfRangeException(optionName, column,
                $"The {role} column '{column}' ({optionName}) is not in the input schema. Available columns: {string.Join(", ", schema.Select(c => $"'{c.Name}'"))}.");
        var ok = col.Kind == SchemaShape.Column.VectorKind.Scalar &&
                 (col.IsKey || col.ItemType is TextDataViewType || col.ItemType is NumberDataViewType);
        if (!ok)
            throw new ArgumentOutOfRangeException(optionName, column,
                $"The {role} column '{column}' ({optionName}) has type {Describe(col)}; expected {Expected}.");
        if (col.IsKey && SchemaShapes.Find(col.Annotations, KeyValuesAnnotation) is null) throw NoKeyValues(role, column, optionName);
    }

    private static bool IsSupported(DataViewType t) =>
        t is TextDataViewType || t is NumberDataViewType || (t is KeyDataViewType);

    private static string Describe(SchemaShape.Column c) =>
        c.Kind == SchemaShape.Column.VectorKind.Scalar ? (c.IsKey ? $"Key<{c.ItemType}>" : $"{c.ItemType}") : $"{c.Kind}<{c.ItemType}>";

    /// <summary>
    /// An estimator turning <paramref name="column"/> into a text column (null when it already is text),
    /// and the name of that text column: keys go back to their values, numbers are formatted.
    /// </summary>
    public static (IEstimator<ITransformer>? Converter, string TextColumn) ToText(MLContext ml, DataViewSchema.Column column)
    {
        if (column.Type is TextDataViewType) return (null, column.Name);
        var text = column.Name + "Text";
        if (column.Type is KeyDataViewType)
        {
            var valuesType = column.Annotations.Schema.GetColumnOrNull(KeyValuesAnnotation)?.Type as VectorDataViewType;
            if (valuesType is null)
                throw new ArgumentOutOfRangeException(nameof(column), column.Name,
                    $"The key column '{column.Name}' has no key values, so raw ids cannot be recovered; give the original id column instead.");
            var values = column.Name + "Value";
            IEstimator<ITransformer> est = ml.Transforms.Conversion.MapKeyToValue(values, column.Name);
            if (valuesType.ItemType is TextDataViewType)
                return (est.Append(ml.Transforms.CopyColumns(text, values)), text);
            return (est.Append(ml.Transforms.Conversion.ConvertType(text, values, DataKind.String)), text);
        }
        return (ml.Transforms.Conversion.ConvertType(text, column.Name, DataKind.String), text);
    }

    /// <summary>
    /// The columns <see cref="ToText"/>'s converter adds for <paramref name="column"/> of <paramref name="schema"/>, for
    /// schema propagation: none for text; the text column for numbers; for keys, the key-value column too (declared when
    /// the values are text, as from MapValueToKey on text ids).
    /// </summary>
    public static IEnumerable<(string Name, DataViewType Type)> TextColumnsOf(SchemaShape schema, string column)
    {
        if (SchemaShapes.Find(schema, column) is not { } col || (col.ItemType is TextDataViewType && !col.IsKey)) yield break;
        if (col.IsKey && SchemaShapes.Find(col.Annotations, KeyValuesAnnotation) is { ItemType: TextDataViewType })
            yield return (column + "Value", TextDataViewType.Instance);
        yield return (column + "Text", TextDataViewType.Instance);
    }

    /// <summary>The shape-level check of <see cref="ToSingle"/>: the rating column exists and is a scalar number (or boolean).</summary>
    public static void CheckRating(SchemaShape schema, string column, string optionName)
    {
        if (SchemaShapes.Find(schema, column) is not { } col)
            throw new ArgumentOutOfRangeException(optionName, column,
                $"The rating column '{column}' ({optionName}) is not in the input schema. Available columns: {string.Join(", ", schema.Select(c => $"'{c.Name}'"))}.");
        if (col.Kind != SchemaShape.Column.VectorKind.Scalar || col.IsKey || col.ItemType is not (NumberDataViewType or BooleanDataViewType))
            throw new ArgumentOutOfRangeException(optionName, column, $"The rating column '{column}' ({optionName}) has type {Describe(col)}; expected a scalar number.");
    }

    /// <summary>A float rating column (converted when it is another number type).</summary>
    public static (IEstimator<ITransformer>? Converter, string FloatColumn) ToSingle(MLContext ml, DataViewSchema schema, string column, string optionName)
    {
        var col = schema.GetColumnOrNull(column)
            ?? throw new ArgumentOutOfRangeException(optionName, column,
                $"The rating column '{column}' ({optionName}) is not in the input schema. Available columns: {string.Join(", ", schema.Where(c => !c.IsHidden).Select(c => $"'{c.Name}'"))}.");
        if (col.Type == NumberDataViewType.Single) return (null, column);
        if (col.Type is not NumberDataViewType && col.Type is not BooleanDataViewType)
            throw new ArgumentOutOfRangeException(optionName, column, $"The rating column '{column}' ({optionName}) has type {col.Type}; expected a scalar number.");
        var f = column + "Single";
        return (ml.Transforms.Conversion.ConvertType(f, column, DataKind.Single), f);
    }
}
