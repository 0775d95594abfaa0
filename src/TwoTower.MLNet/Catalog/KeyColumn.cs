using Microsoft.ML;
using Microsoft.ML.Data;

namespace TwoTower.MLNet;

/// <summary>Reads key columns, and vectors of keys, of every raw type the schema checks accept (MapValueToKey makes uint; a loader's KeyType may be byte, ushort or ulong).</summary>
internal static class KeyColumn
{
    /// <summary>The column's value at the cursor's row as a uint code (0 = missing).</summary>
    public static ValueGetter<uint> Getter(DataViewRowCursor cursor, DataViewSchema.Column column)
    {
        var raw = column.Type.RawType;
        return raw == typeof(uint) ? cursor.GetGetter<uint>(column)
            : raw == typeof(byte) ? Widened<byte>(cursor, column)
            : raw == typeof(ushort) ? Widened<ushort>(cursor, column)
            : Widened<ulong>(cursor, column);
    }

    /// <summary>Whether the column's value at the cursor's row is the missing key (0).</summary>
    public static Func<bool> IsMissing(DataViewRowCursor cursor, DataViewSchema.Column column)
    {
        var get = Getter(cursor, column);
        uint v = 0;
        return () =>
        {
            get(ref v);
            return v == 0;
        };
    }

    /// <summary>The keys of a vector-of-keys column's row, as uint codes, into a list (implicit zeros of a sparse vector included).</summary>
    public static Action<List<uint>> BagGetter(DataViewRowCursor cursor, DataViewSchema.Column column)
    {
        var raw = ((VectorDataViewType)column.Type).ItemType.RawType;
        return raw == typeof(uint) ? Bag<uint>(cursor, column)
            : raw == typeof(byte) ? Bag<byte>(cursor, column)
            : raw == typeof(ushort) ? Bag<ushort>(cursor, column)
            : Bag<ulong>(cursor, column);
    }

    private static Action<List<uint>> Bag<T>(DataViewRowCursor cursor, DataViewSchema.Column column) where T : struct, System.Numerics.INumberBase<T>
    {
        var get = cursor.GetGetter<VBuffer<T>>(column);
        VBuffer<T> v = default;
        return keys =>
        {
            get(ref v);
            keys.Clear();
            foreach (var t in v.DenseValues()) keys.Add(uint.CreateChecked(t));
        };
    }

    private static ValueGetter<uint> Widened<T>(DataViewRowCursor cursor, DataViewSchema.Column column) where T : struct, System.Numerics.INumberBase<T>
    {
        var get = cursor.GetGetter<T>(column);
        T v = default;
        // A key's value is at most its count, which the id maps and feature vocabularies take as an int.
        return (ref uint dst) =>
        {
            get(ref v);
            dst = uint.CreateChecked(v);
        };
    }
}
