using TwoTower.MLNet.Onnx.Protobuf;

namespace TwoTower.MLNet.Onnx.Tests;

[TestClass]
public sealed class ProtobufWriterTests
{
    private static byte[] Write(Action<ProtobufWriter> write)
    {
        var w = new ProtobufWriter();
        write(w);
        return w.ToArray();
    }

    private static byte[] Hex(string hex) => Convert.FromHexString(hex.Replace(" ", ""));

    [TestMethod]
    [DataRow(0UL, "00")]
    [DataRow(1UL, "01")]
    [DataRow(127UL, "7F")]
    [DataRow(128UL, "8001")]
    [DataRow(150UL, "9601")]
    [DataRow(300UL, "AC02")]
    [DataRow(16384UL, "808001")]
    [DataRow(ulong.MaxValue, "FFFFFFFFFFFFFFFFFF01")]
    public void WriteRawVarint_KnownValues_SpecEncoding(ulong value, string hex)
    {
        CollectionAssert.AreEqual(Hex(hex), Write(w => w.WriteRawVarint(value)));
    }

    [TestMethod]
    public void WriteInt64_Field1Value150_SpecExample()
    {
        // The protobuf encoding guide's first example: field 1 = 150 → 08 96 01.
        CollectionAssert.AreEqual(Hex("08 96 01"), Write(w => w.WriteInt64(1, 150)));
    }

    [TestMethod]
    public void WriteInt64_MinusOne_TenByteTwosComplement()
    {
        CollectionAssert.AreEqual(Hex("08 FF FF FF FF FF FF FF FF FF 01"), Write(w => w.WriteInt64(1, -1)));
    }

    [TestMethod]
    public void WriteInt32_MinusTwo_SignExtendedToTenBytes()
    {
        CollectionAssert.AreEqual(Hex("08 FE FF FF FF FF FF FF FF FF 01"), Write(w => w.WriteInt32(1, -2)));
    }

    [TestMethod]
    public void WriteTag_Field20Varint_TwoByteKey()
    {
        // (20 << 3) | 0 = 160 = A0 01.
        CollectionAssert.AreEqual(Hex("A0 01"), Write(w => w.WriteTag(20, ProtobufWireType.Varint)));
    }

    [TestMethod]
    public void WriteTag_FieldZero_Throws()
    {
        var ex = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new ProtobufWriter().WriteTag(0, ProtobufWireType.Varint));
        Assert.AreEqual("fieldNumber", ex.ParamName);
    }

    [TestMethod]
    public void WriteString_Testing_SpecExample()
    {
        CollectionAssert.AreEqual(Hex("12 07 74 65 73 74 69 6E 67"), Write(w => w.WriteString(2, "testing")));
    }

    [TestMethod]
    public void WriteString_NonAscii_Utf8LengthInBytes()
    {
        // "é" is C3 A9 in UTF-8: the length prefix counts bytes, not chars.
        CollectionAssert.AreEqual(Hex("0A 02 C3 A9"), Write(w => w.WriteString(1, "é")));
    }

    [TestMethod]
    public void WriteFloat_One_Fixed32LittleEndian()
    {
        // (2 << 3) | 5 = 0x15; 1.0f = 0x3F800000.
        CollectionAssert.AreEqual(Hex("15 00 00 80 3F"), Write(w => w.WriteFloat(2, 1f)));
    }

    [TestMethod]
    public void WritePackedInt64_SpecExample_OneLengthDelimitedRun()
    {
        // The encoding guide's packed example: field 4 = [3, 270, 86942] → 22 06 03 8E 02 9E A7 05.
        CollectionAssert.AreEqual(Hex("22 06 03 8E 02 9E A7 05"), Write(w => w.WritePackedInt64(4, [3, 270, 86942])));
    }

    [TestMethod]
    public void WritePackedFloat_TwoValues_EightBytePayload()
    {
        CollectionAssert.AreEqual(Hex("3A 08 00 00 80 3F 00 00 00 C0"), Write(w => w.WritePackedFloat(7, [1f, -2f])));
    }

    [TestMethod]
    public void WritePacked_Empty_WritesNothing()
    {
        Assert.IsEmpty(Write(w => { w.WritePackedInt64(1, []); w.WritePackedFloat(2, []); }));
    }

    [TestMethod]
    public void WriteMessage_Nested_SpecExample()
    {
        // Field 3 holding a message with field 1 = 150 → 1A 03 08 96 01.
        CollectionAssert.AreEqual(Hex("1A 03 08 96 01"), Write(w => w.WriteMessage(3, new Inner())));
    }

    private sealed class Inner : IProtobufMessage
    {
        public void WriteTo(ProtobufWriter writer) => writer.WriteInt64(1, 150);
    }
}
