using System.Text;
using TwoTower.MLNet.Onnx.Protobuf;

namespace TwoTower.MLNet.Onnx.Model;

/// <summary>
/// AttributeProto subset: name = 1, f = 2, i = 3, s = 4, t = 5, ints = 8 (packed), strings = 9, type = 20.
/// The value field of the declared type is always written, even when it is zero.
/// </summary>
internal sealed class OnnxAttribute : IProtobufMessage
{
    private OnnxAttribute(string name, OnnxAttributeType type) { Name = name; Type = type; }

    /// <summary>Attribute name.</summary>
    public string Name { get; }

    /// <summary>Which value field is used.</summary>
    public OnnxAttributeType Type { get; }

    private float _f;
    private long _i;
    private byte[] _s = [];
    private OnnxTensor? _t;
    private long[] _ints = [];
    private byte[][] _strings = [];

    /// <summary>An INT attribute.</summary>
    public static OnnxAttribute Int(string name, long value) => new(name, OnnxAttributeType.Int) { _i = value };

    /// <summary>A FLOAT attribute.</summary>
    public static OnnxAttribute Float(string name, float value) => new(name, OnnxAttributeType.Float) { _f = value };

    /// <summary>A STRING attribute (UTF-8).</summary>
    public static OnnxAttribute String(string name, string value) => new(name, OnnxAttributeType.String) { _s = Encoding.UTF8.GetBytes(value) };

    /// <summary>A TENSOR attribute.</summary>
    public static OnnxAttribute Tensor(string name, OnnxTensor value) => new(name, OnnxAttributeType.Tensor) { _t = value };

    /// <summary>An INTS attribute.</summary>
    public static OnnxAttribute Ints(string name, params long[] values) => new(name, OnnxAttributeType.Ints) { _ints = values };

    /// <summary>A STRINGS attribute (each UTF-8).</summary>
    public static OnnxAttribute Strings(string name, IReadOnlyList<string> values) =>
        new(name, OnnxAttributeType.Strings) { _strings = values.Select(v => Encoding.UTF8.GetBytes(v)).ToArray() };

    /// <inheritdoc />
    public void WriteTo(ProtobufWriter writer)
    {
        writer.WriteString(1, Name);
        switch (Type)
        {
            case OnnxAttributeType.Float: writer.WriteFloat(2, _f); break;
            case OnnxAttributeType.Int: writer.WriteInt64(3, _i); break;
            case OnnxAttributeType.String: writer.WriteBytes(4, _s); break;
            case OnnxAttributeType.Tensor: writer.WriteMessage(5, _t!); break;
            case OnnxAttributeType.Ints: writer.WritePackedInt64(8, _ints); break;
            case OnnxAttributeType.Strings: foreach (var v in _strings) writer.WriteBytes(9, v); break;
        }
        writer.WriteInt32(20, (int)Type);
    }
}
