using TwoTower.MLNet.Onnx.Protobuf;

namespace TwoTower.MLNet.Onnx.Model;

/// <summary>
/// ModelProto subset: ir_version = 1, producer_name = 2, producer_version = 3, graph = 7,
/// opset_import = 8, metadata_props = 14.
/// </summary>
internal sealed record OnnxModel(
    long IrVersion,
    IReadOnlyList<OnnxOperatorSetId> OpsetImports,
    string ProducerName,
    string ProducerVersion,
    OnnxGraph Graph,
    IReadOnlyList<OnnxStringEntry> Metadata) : IProtobufMessage
{
    /// <summary>IR version we emit (measured to load in ONNX Runtime 1.31 and pass onnx 1.12's checker).</summary>
    public const long DefaultIrVersion = 8;

    /// <summary>Default-domain opset we emit.</summary>
    public const long DefaultOpset = 17;

    /// <inheritdoc />
    public void WriteTo(ProtobufWriter writer)
    {
        writer.WriteInt64(1, IrVersion);
        writer.WriteString(2, ProducerName);
        writer.WriteString(3, ProducerVersion);
        writer.WriteMessage(7, Graph);
        foreach (var o in OpsetImports) writer.WriteMessage(8, o);
        foreach (var m in Metadata) writer.WriteMessage(14, m);
    }

    /// <summary>Serialises the model to ONNX file bytes.</summary>
    public byte[] ToBytes() => ProtobufWriter.Serialize(this);
}
