using TwoTower.MLNet.Onnx.Protobuf;

namespace TwoTower.MLNet.Onnx.Model;

/// <summary>NodeProto subset: input = 1, output = 2, name = 3, op_type = 4, attribute = 5, domain = 7.</summary>
internal sealed record OnnxNode(
    string OpType,
    IReadOnlyList<string> Inputs,
    IReadOnlyList<string> Outputs,
    string Name,
    IReadOnlyList<OnnxAttribute> Attributes,
    string Domain = "") : IProtobufMessage
{
    /// <inheritdoc />
    public void WriteTo(ProtobufWriter writer)
    {
        foreach (var i in Inputs) writer.WriteString(1, i);
        foreach (var o in Outputs) writer.WriteString(2, o);
        if (Name.Length > 0) writer.WriteString(3, Name);
        writer.WriteString(4, OpType);
        foreach (var a in Attributes) writer.WriteMessage(5, a);
        if (Domain.Length > 0) writer.WriteString(7, Domain);
    }
}
