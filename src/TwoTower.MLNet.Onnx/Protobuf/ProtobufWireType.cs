namespace TwoTower.MLNet.Onnx.Protobuf;

/// <summary>Protocol Buffers wire types (the low three bits of a field key).</summary>
internal enum ProtobufWireType
{
    /// <summary>int32, int64, uint32, uint64, sint*, bool, enum.</summary>
    Varint = 0,

    /// <summary>fixed64, sfixed64, double.</summary>
    Fixed64 = 1,

    /// <summary>string, bytes, embedded messages, packed repeated fields.</summary>
    LengthDelimited = 2,

    /// <summary>fixed32, sfixed32, float.</summary>
    Fixed32 = 5,
}
