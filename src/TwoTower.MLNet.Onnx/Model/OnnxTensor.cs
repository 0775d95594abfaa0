using System.Buffers.Binary;
using TwoTower.MLNet.Onnx.Protobuf;

namespace TwoTower.MLNet.Onnx.Model;

/// <summary>
/// TensorProto subset: dims = 1 (packed int64), data_type = 2, string_data = 6 (string tensors),
/// name = 8, raw_data = 9 (little-endian element bytes, row-major).
/// </summary>
internal sealed class OnnxTensor : IProtobufMessage
{
    private byte[][] _strings = [];

    private OnnxTensor(string name, long[] dims, OnnxDataType dataType, byte[] rawData)
    {
        Name = name;
        Dims = dims;
        DataType = dataType;
        RawData = rawData;
    }

    /// <summary>Tensor name (initializer name).</summary>
    public string Name { get; }

    /// <summary>Shape; empty for a scalar.</summary>
    public long[] Dims { get; }

    /// <summary>Element type.</summary>
    public OnnxDataType DataType { get; }

    /// <summary>Little-endian element bytes.</summary>
    public byte[] RawData { get; }

    /// <summary>A float tensor; <paramref name="values"/> length must equal the product of <paramref name="dims"/>.</summary>
    public static OnnxTensor FromFloats(string name, long[] dims, ReadOnlySpan<float> values)
    {
        CheckCount(name, dims, values.Length);
        var raw = new byte[values.Length * 4];
        for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(raw.AsSpan(i * 4), values[i]);
        return new OnnxTensor(name, dims, OnnxDataType.Float, raw);
    }

    /// <summary>An int64 tensor; <paramref name="values"/> length must equal the product of <paramref name="dims"/>.</summary>
    public static OnnxTensor FromInt64s(string name, long[] dims, ReadOnlySpan<long> values)
    {
        CheckCount(name, dims, values.Length);
        var raw = new byte[values.Length * 8];
        for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteInt64LittleEndian(raw.AsSpan(i * 8), values[i]);
        return new OnnxTensor(name, dims, OnnxDataType.Int64, raw);
    }

    /// <summary>A string tensor (UTF-8, written to string_data); <paramref name="values"/> length must equal the product of <paramref name="dims"/>.</summary>
    public static OnnxTensor FromStrings(string name, long[] dims, IReadOnlyList<string> values)
    {
        CheckCount(name, dims, values.Count);
        return new OnnxTensor(name, dims, OnnxDataType.String, []) { _strings = values.Select(v => System.Text.Encoding.UTF8.GetBytes(v)).ToArray() };
    }

    private static void CheckCount(string name, long[] dims, int count)
    {
        long expected = 1;
        foreach (var d in dims) expected *= d;
        if (expected != count)
            throw new ArgumentException($"Tensor '{name}' has {count} values but its shape [{string.Join(',', dims)}] needs {expected}.", nameof(dims));
    }

    /// <inheritdoc />
    public void WriteTo(ProtobufWriter writer)
    {
        writer.WritePackedInt64(1, Dims);
        writer.WriteInt32(2, (int)DataType);
        foreach (var s in _strings) writer.WriteBytes(6, s);
        writer.WriteString(8, Name);
        // String tensors carry their values in string_data only (raw_data is not allowed for them).
        if (DataType != OnnxDataType.String) writer.WriteBytes(9, RawData);
    }
}
