using TwoTower.MLNet.Onnx.Protobuf;

namespace TwoTower.MLNet.Onnx.Model;

/// <summary>StringStringEntryProto: key = 1, value = 2 (model metadata_props).</summary>
internal sealed record OnnxStringEntry(string Key, string Value) : IProtobufMessage
{
    /// <inheritdoc />
    public void WriteTo(ProtobufWriter writer)
    {
        writer.WriteString(1, Key);
        writer.WriteString(2, Value);
    }
}
