using TwoTower.MLNet.Onnx.Protobuf;

namespace TwoTower.MLNet.Onnx.Model;

/// <summary>OperatorSetIdProto: domain = 1, version = 2. An empty domain means the default "ai.onnx".</summary>
internal sealed record OnnxOperatorSetId(string Domain, long Version) : IProtobufMessage
{
    /// <inheritdoc />
    public void WriteTo(ProtobufWriter writer)
    {
        if (Domain.Length > 0) writer.WriteString(1, Domain);
        writer.WriteInt64(2, Version);
    }
}
