using TwoTower.MLNet.Onnx.Model;
using TwoTower.MLNet.Onnx.Protobuf;

namespace TwoTower.MLNet.Onnx.Tests;

[TestClass]
public sealed class OnnxMessageEncodingTests
{
    private static byte[] Hex(string hex) => Convert.FromHexString(hex.Replace(" ", ""));

    private static void AssertBytes(string hex, IProtobufMessage message) =>
        Assert.AreEqual(hex.Replace(" ", ""), Convert.ToHexString(ProtobufWriter.Serialize(message)));

    [TestMethod]
    public void OperatorSetId_DefaultDomain17_VersionOnly() => AssertBytes("10 11", new OnnxOperatorSetId("", 17));

    [TestMethod]
    public void OperatorSetId_NamedDomain_DomainThenVersion() =>
        AssertBytes("0A 0A 61 69 2E 6F 6E 6E 78 2E 6D 6C 10 03", new OnnxOperatorSetId("ai.onnx.ml", 3));

    [TestMethod]
    public void StringEntry_KeyValue_Fields1And2() => AssertBytes("0A 01 6B 12 01 76", new OnnxStringEntry("k", "v"));

    [TestMethod]
    public void Attribute_IntAxis1_NameValueAndType() =>
        AssertBytes("0A 04 61 78 69 73 18 01 A0 01 02", OnnxAttribute.Int("axis", 1));

    [TestMethod]
    public void Attribute_IntZero_ValueStillWritten() =>
        AssertBytes("0A 01 6B 18 00 A0 01 02", OnnxAttribute.Int("k", 0));

    [TestMethod]
    public void Attribute_FloatHalf_Fixed32Field2() =>
        AssertBytes("0A 01 61 15 00 00 00 3F A0 01 01", OnnxAttribute.Float("a", 0.5f));

    [TestMethod]
    public void Attribute_Ints_PackedField8() =>
        AssertBytes("0A 04 61 78 65 73 42 02 01 02 A0 01 07", OnnxAttribute.Ints("axes", 1, 2));

    [TestMethod]
    public void Attribute_String_BytesField4() =>
        AssertBytes("0A 01 6D 22 02 68 69 A0 01 03", OnnxAttribute.String("m", "hi"));

    [TestMethod]
    public void Tensor_Floats_DimsTypeNameRaw() =>
        AssertBytes("0A 01 02 10 01 42 01 77 4A 08 00 00 80 3F 00 00 00 40", OnnxTensor.FromFloats("w", [2], [1f, 2f]));

    [TestMethod]
    public void Tensor_Int64Scalar_NoDimsLittleEndianRaw() =>
        AssertBytes("10 07 42 01 6B 4A 08 05 00 00 00 00 00 00 00", OnnxTensor.FromInt64s("k", [], [5]));

    [TestMethod]
    public void Tensor_WrongValueCount_Throws()
    {
        var ex = Assert.ThrowsExactly<ArgumentException>(() => OnnxTensor.FromFloats("w", [2, 3], [1f]));
        StringAssert.Contains(ex.Message, "has 1 values");
        StringAssert.Contains(ex.Message, "needs 6");
    }

    [TestMethod]
    public void ValueInfo_Int64SymbolicBatch_NestedTypeShape() =>
        // name; TypeProto{ tensor_type{ elem_type=7; shape{ dim{param "N"}, dim{value 1} } } }
        AssertBytes("0A 01 78 12 0F 0A 0D 08 07 12 09 0A 03 12 01 4E 0A 02 08 01",
            new OnnxValueInfo("x", OnnxDataType.Int64, [OnnxDimension.Symbolic("N"), OnnxDimension.Fixed(1)]));

    [TestMethod]
    public void Node_Relu_InputsOutputsNameOpType() =>
        AssertBytes("0A 01 78 12 01 79 1A 01 72 22 04 52 65 6C 75", new OnnxNode("Relu", ["x"], ["y"], "r", []));

    [TestMethod]
    public void Node_WithAttributeAndDomain_Fields5And7() =>
        AssertBytes("0A 01 78 12 01 79 22 01 4F 2A 0B 0A 04 61 78 69 73 18 01 A0 01 02 3A 01 64",
            new OnnxNode("O", ["x"], ["y"], "", [OnnxAttribute.Int("axis", 1)], "d"));

    [TestMethod]
    public void Graph_NodeNameInitializerInputOutput_FieldNumbers1_2_5_11_12()
    {
        var graph = new OnnxGraph("g",
            [new OnnxNode("Relu", ["x"], ["y"], "r", [])],
            [OnnxTensor.FromFloats("w", [1], [0f])],
            [new OnnxValueInfo("x", OnnxDataType.Float, [OnnxDimension.Fixed(2)])],
            [new OnnxValueInfo("y", OnnxDataType.Float, [OnnxDimension.Fixed(2)])]);
        AssertBytes(
            "0A 0F 0A 01 78 12 01 79 1A 01 72 22 04 52 65 6C 75" +          // node (1)
            "12 01 67" +                                                      // name (2)
            "2A 0E 0A 01 01 10 01 42 01 77 4A 04 00 00 00 00" +             // initializer (5)
            "5A 0F 0A 01 78 12 0A 0A 08 08 01 12 04 0A 02 08 02" +          // input (11)
            "62 0F 0A 01 79 12 0A 0A 08 08 01 12 04 0A 02 08 02",           // output (12)
            graph);
    }

    [TestMethod]
    public void Model_Minimal_FieldOrderAndNumbers()
    {
        var model = new OnnxModel(8, [new OnnxOperatorSetId("", 17)], "p", "1",
            new OnnxGraph("g", [], [], [], []), [new OnnxStringEntry("k", "v")]);
        // ir_version(1)=8, producer_name(2), producer_version(3), graph(7), opset_import(8), metadata_props(14).
        CollectionAssert.AreEqual(Hex("08 08 12 01 70 1A 01 31 3A 03 12 01 67 42 02 10 11 72 06 0A 01 6B 12 01 76"), model.ToBytes());
    }
}
