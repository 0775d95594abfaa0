using TwoTower.MLNet.Onnx.Protobuf;

namespace TwoTower.MLNet.Onnx.Model;

/// <summary>TensorShapeProto.Dimension: dim_value = 1 (fixed size) or dim_param = 2 (symbolic name such as "N").</summary>
internal sealed record OnnxDimension(long? Value, string? Symbol) : IProtobufMessage
{
    /// <summary>A fixed-size dimension.</summary>
    public static OnnxDimension Fixed(long value) => new(value, null);

    /// <summary>A symbolic dimension, e.g. the batch size "N".</summary>
    public static OnnxDimension Symbolic(string symbol) => new(null, symbol);

    /// <inheritdoc />
    public void WriteTo(ProtobufWriter writer)
    {
        if (Value is { } v) writer.WriteInt64(1, v);
        else writer.WriteString(2, Symbol ?? throw new InvalidOperationException("A dimension needs a value or a symbol."));
    }
}
