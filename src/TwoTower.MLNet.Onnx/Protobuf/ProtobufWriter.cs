using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace TwoTower.MLNet.Onnx.Protobuf;

/// <summary>
/// Minimal Protocol Buffers encoder: varints, length-delimited fields, fixed32 floats and packed
/// repeated scalars, written from the wire-format specification.
/// </summary>
internal sealed class ProtobufWriter
{
    private readonly ArrayBufferWriter<byte> _buffer;

    /// <summary>Creates an empty writer.</summary>
    public ProtobufWriter(int initialCapacity = 256) => _buffer = new ArrayBufferWriter<byte>(Math.Max(16, initialCapacity));

    /// <summary>Bytes written so far.</summary>
    public ReadOnlySpan<byte> WrittenSpan => _buffer.WrittenSpan;

    /// <summary>Number of bytes written so far.</summary>
    public int Length => _buffer.WrittenCount;

    /// <summary>Copy of the bytes written so far.</summary>
    public byte[] ToArray() => _buffer.WrittenSpan.ToArray();

    /// <summary>Serialises a whole message to bytes.</summary>
    public static byte[] Serialize(IProtobufMessage message)
    {
        var writer = new ProtobufWriter();
        message.WriteTo(writer);
        return writer.ToArray();
    }

    /// <summary>Writes a base-128 varint (7 bits per byte, least significant group first).</summary>
    public void WriteRawVarint(ulong value)
    {
        var span = _buffer.GetSpan(10);
        int n = 0;
        while (value >= 0x80)
        {
            span[n++] = (byte)(value | 0x80);
            value >>= 7;
        }
        span[n++] = (byte)value;
        _buffer.Advance(n);
    }

    /// <summary>Writes a field key: (field number &lt;&lt; 3) | wire type.</summary>
    public void WriteTag(int fieldNumber, ProtobufWireType wireType)
    {
        if (fieldNumber < 1 || fieldNumber > 536_870_911)
            throw new ArgumentOutOfRangeException(nameof(fieldNumber), fieldNumber, "Protobuf field numbers are 1..2^29-1.");
        WriteRawVarint(((ulong)(uint)fieldNumber << 3) | (uint)wireType);
    }

    /// <summary>Writes an int64 field; negative values take ten bytes (two's complement), as the spec says.</summary>
    public void WriteInt64(int fieldNumber, long value)
    {
        WriteTag(fieldNumber, ProtobufWireType.Varint);
        WriteRawVarint(unchecked((ulong)value));
    }

    /// <summary>Writes an int32 or enum field; negative values are sign-extended to 64 bits.</summary>
    public void WriteInt32(int fieldNumber, int value) => WriteInt64(fieldNumber, value);

    /// <summary>Writes a float field as fixed32 little-endian.</summary>
    public void WriteFloat(int fieldNumber, float value)
    {
        WriteTag(fieldNumber, ProtobufWireType.Fixed32);
        BinaryPrimitives.WriteSingleLittleEndian(_buffer.GetSpan(4), value);
        _buffer.Advance(4);
    }

    /// <summary>Writes a length-delimited bytes field.</summary>
    public void WriteBytes(int fieldNumber, ReadOnlySpan<byte> value)
    {
        WriteTag(fieldNumber, ProtobufWireType.LengthDelimited);
        WriteRawVarint((ulong)value.Length);
        _buffer.Write(value);
    }

    /// <summary>Writes a UTF-8 string field.</summary>
    public void WriteString(int fieldNumber, string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        WriteBytes(fieldNumber, Encoding.UTF8.GetBytes(value));
    }

    /// <summary>Writes an embedded message as a length-delimited field.</summary>
    public void WriteMessage(int fieldNumber, IProtobufMessage message)
    {
        // The length prefix needs the encoded size first: encode the child into its own buffer.
        var child = new ProtobufWriter();
        message.WriteTo(child);
        WriteBytes(fieldNumber, child.WrittenSpan);
    }

    /// <summary>Writes a packed repeated int64 field (one length-delimited run of varints); nothing when empty.</summary>
    public void WritePackedInt64(int fieldNumber, ReadOnlySpan<long> values)
    {
        if (values.IsEmpty) return;
        var payload = new ProtobufWriter(values.Length * 2);
        foreach (var v in values) payload.WriteRawVarint(unchecked((ulong)v));
        WriteBytes(fieldNumber, payload.WrittenSpan);
    }

    /// <summary>Writes a packed repeated float field (fixed32 little-endian each); nothing when empty.</summary>
    public void WritePackedFloat(int fieldNumber, ReadOnlySpan<float> values)
    {
        if (values.IsEmpty) return;
        WriteTag(fieldNumber, ProtobufWireType.LengthDelimited);
        WriteRawVarint((ulong)values.Length * 4);
        var span = _buffer.GetSpan(values.Length * 4);
        for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(span.Slice(i * 4, 4), values[i]);
        _buffer.Advance(values.Length * 4);
    }
}
