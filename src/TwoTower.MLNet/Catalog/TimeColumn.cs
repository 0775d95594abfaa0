using Microsoft.ML;
using Microsoft.ML.Data;

namespace TwoTower.MLNet;

/// <summary>
/// The optional time column of a trainer's input: a scalar number (seconds, as in MovieLens, or any unit that orders the
/// rows) or a DateTime (read as Unix seconds). It orders each user's interactions for the recency weights.
/// </summary>
internal static class TimeColumn
{
    /// <summary>Checks that <paramref name="column"/> exists as a scalar number or DateTime.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Missing or mistyped, naming the column and the option.</exception>
    public static void Check(SchemaShape schema, string column, string optionName)
    {
        if (SchemaShapes.Find(schema, column) is not { } col) throw Missing(column, optionName, schema.Select(c => c.Name));
        if (col.Kind != SchemaShape.Column.VectorKind.Scalar || col.IsKey || !IsSupported(col.ItemType)) throw Mistyped(column, optionName, col.ItemType);
    }

    /// <summary>The same check on a data view's schema.</summary>
    public static void Check(DataViewSchema schema, string column, string optionName)
    {
        var col = schema.GetColumnOrNull(column) ?? throw Missing(column, optionName, schema.Where(c => !c.IsHidden).Select(c => c.Name));
        if (!IsSupported(col.Type)) throw Mistyped(column, optionName, col.Type);
    }

    private static ArgumentOutOfRangeException Missing(string column, string optionName, IEnumerable<string> available) =>
        new(optionName, column, $"The timestamp column '{column}' ({optionName}) is not in the input schema. Available columns: {string.Join(", ", available.Select(c => $"'{c}'"))}.");

    private static ArgumentOutOfRangeException Mistyped(string column, string optionName, DataViewType type) =>
        new(optionName, column, $"The timestamp column '{column}' ({optionName}) has type {type}; expected a scalar number or DateTime.");

    /// <summary>A reader of the column's value at the cursor's row, as whole seconds (numbers are rounded; NaN and infinities refused).</summary>
    public static Func<long> Getter(DataViewRowCursor cursor, DataViewSchema.Column column)
    {
        var t = column.Type;
        if (t == NumberDataViewType.Int64) return Read<long>(cursor, column, v => v);
        if (t == NumberDataViewType.Int32) return Read<int>(cursor, column, v => v);
        if (t == NumberDataViewType.Int16) return Read<short>(cursor, column, v => v);
        if (t == NumberDataViewType.SByte) return Read<sbyte>(cursor, column, v => v);
        if (t == NumberDataViewType.Byte) return Read<byte>(cursor, column, v => v);
        if (t == NumberDataViewType.UInt16) return Read<ushort>(cursor, column, v => v);
        if (t == NumberDataViewType.UInt32) return Read<uint>(cursor, column, v => v);
        if (t == NumberDataViewType.UInt64) return Read<ulong>(cursor, column, v => checked((long)v));
        if (t == NumberDataViewType.Double) return Read<double>(cursor, column, v => Round(v, column.Name));
        if (t == NumberDataViewType.Single) return Read<float>(cursor, column, v => Round(v, column.Name));
        if (t is DateTimeDataViewType) return Read<DateTime>(cursor, column, v => new DateTimeOffset(DateTime.SpecifyKind(v, v.Kind == DateTimeKind.Unspecified ? DateTimeKind.Utc : v.Kind)).ToUnixTimeSeconds());
        throw new ArgumentOutOfRangeException(nameof(column), column.Name, $"The timestamp column '{column.Name}' has type {t}; expected a scalar number or DateTime.");
    }

    private static bool IsSupported(DataViewType t) =>
        // Every number type, as the messages promise ("a scalar number"): small integers order rows too, e.g. a day of a short log.
        t is NumberDataViewType
        || t is DateTimeDataViewType;

    private static long Round(double v, string column) =>
        double.IsFinite(v) && Math.Abs(v) < 9e18 ? (long)Math.Round(v) : throw new ArgumentException($"The timestamp column '{column}' holds {v}; expected a finite time.");

    private static Func<long> Read<T>(DataViewRowCursor cursor, DataViewSchema.Column column, Func<T, long> convert)
    {
        var get = cursor.GetGetter<T>(column);
        T value = default!;
        return () =>
        {
            get(ref value);
            return convert(value);
        };
    }
}
