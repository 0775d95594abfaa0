namespace TwoTower.MLNet.Onnx.Protobuf;

/// <summary>A message that can serialise its fields with a <see cref="ProtobufWriter"/>.</summary>
internal interface IProtobufMessage
{
    /// <summary>Writes this message's fields (not a length prefix) to <paramref name="writer"/>.</summary>
    void WriteTo(ProtobufWriter writer);
}
