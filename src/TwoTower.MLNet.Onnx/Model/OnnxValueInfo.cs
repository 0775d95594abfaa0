using TwoTower.MLNet.Onnx.Protobuf;

namespace TwoTower.MLNet.Onnx.Model;

/// <summary>
/// ValueInfoProto (name = 1, type = 2) with its TypeProto (tensor_type = 1), TypeProto.Tensor
/// (elem_type = 1, shape = 2) and TensorShapeProto (dim = 1).
/// </summary>
internal sealed record OnnxValueInfo(string Name, OnnxDataType ElementType, IReadOnlyList<OnnxDimension> Shape) : IProtobufMessage
{
    /// <inheritdoc />
    public void WriteTo(ProtobufWriter writer)
    {
        writer.WriteString(1, Name);
        writer.WriteMessage(2, new TypeMessage(this));
    }

    private sealed class TypeMessage(OnnxValueInfo info) : IProtobufMessage
    {
        public void WriteTo(ProtobufWriter writer) => writer.WriteMessage(1, new TensorTypeMessage(info));
    }

    private sealed class TensorTypeMessage(OnnxValueInfo info) : IProtobufMessage
    {
        public void WriteTo(ProtobufWriter writer)
        {
            writer.WriteInt32(1, (int)info.ElementType);
            writer.WriteMessage(2, new ShapeMessage(info.Shape));
        }
    }

    private sealed class ShapeMessage(IReadOnlyList<OnnxDimension> dims) : IProtobufMessage
    {
        public void WriteTo(ProtobufWriter writer)
        {
            foreach (var d in dims) writer.WriteMessage(1, d);
        }
    }
}
