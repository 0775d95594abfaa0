using TwoTower.MLNet.Onnx.Protobuf;

namespace TwoTower.MLNet.Onnx.Model;

/// <summary>GraphProto subset: node = 1, name = 2, initializer = 5, input = 11, output = 12.</summary>
internal sealed record OnnxGraph(
    string Name,
    IReadOnlyList<OnnxNode> Nodes,
    IReadOnlyList<OnnxTensor> Initializers,
    IReadOnlyList<OnnxValueInfo> Inputs,
    IReadOnlyList<OnnxValueInfo> Outputs) : IProtobufMessage
{
    /// <inheritdoc />
    public void WriteTo(ProtobufWriter writer)
    {
        foreach (var n in Nodes) writer.WriteMessage(1, n);
        writer.WriteString(2, Name);
        foreach (var t in Initializers) writer.WriteMessage(5, t);
        foreach (var i in Inputs) writer.WriteMessage(11, i);
        foreach (var o in Outputs) writer.WriteMessage(12, o);
    }
}
