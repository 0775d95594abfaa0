using TwoTower.MLNet.Onnx.Scoring;
using TwoTower.MLNet.Onnx.Towers;

namespace TwoTower.MLNet.Onnx.Tests;

[TestClass]
public sealed class ExportDeterminismTests
{
    [TestMethod]
    public void ToBytes_SameSpecTwice_IdenticalBytes()
    {
        var a = OnnxTowerExporter.ToBytes(RandomTowerCase.Create(5).Spec);
        var b = OnnxTowerExporter.ToBytes(RandomTowerCase.Create(5).Spec);
        CollectionAssert.AreEqual(a, b);
        CollectionAssert.AreNotEqual(a, OnnxTowerExporter.ToBytes(RandomTowerCase.Create(6).Spec));
    }
}
