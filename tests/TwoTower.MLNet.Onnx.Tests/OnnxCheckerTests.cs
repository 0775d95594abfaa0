using TwoTower.MLNet.Onnx.Scoring;
using TwoTower.MLNet.Onnx.Towers;

namespace TwoTower.MLNet.Onnx.Tests;

/// <summary>Runs ONNX's own checker (Debian python3-onnx) over exported files; Inconclusive when it is not installed.</summary>
[TestClass]
public sealed class OnnxCheckerTests
{
    [TestMethod]
    public void CheckModel_ExportedTowersAndScorers_Pass()
    {
        OnnxChecker.Require();
        var dir = Directory.CreateTempSubdirectory("onnx-checker-");
        try
        {
            foreach (var (seed, layers, l2) in new[] { (21, 1, true), (22, 3, false), (23, 0, true) })
                OnnxTowerExporter.Export(RandomTowerCase.Create(seed, layers, l2, withId: true).Spec, Path.Combine(dir.FullName, $"tower{seed}.onnx"));
            var items = new float[] { 1, 0, 0, 1, 1, 1 };
            OnnxScorerExporter.Export(new OnnxScorerSpec { ItemVectors = items, ItemCount = 3, Dimension = 2, K = 2 }, Path.Combine(dir.FullName, "scorer.onnx"));
            OnnxScorerExporter.Export(new OnnxScorerSpec { ItemVectors = items, ItemCount = 3, Dimension = 2, K = 3, UseExclusionMask = true }, Path.Combine(dir.FullName, "scorer_mask.onnx"));
            var files = Directory.GetFiles(dir.FullName, "*.onnx");
            Assert.HasCount(5, files);
            OnnxChecker.AssertValid(files);
        }
        finally { dir.Delete(recursive: true); }
    }

    [TestMethod]
    public void CheckModel_CorruptFile_Fails()
    {
        // Guards the checker test itself: a broken graph (node reading an undefined value) must be rejected.
        OnnxChecker.Require();
        var path = Path.Combine(Path.GetTempPath(), $"corrupt-{Guid.NewGuid():N}.onnx");
        try
        {
            var g = new Graph.OnnxGraphBuilder("bad");
            g.AddInput("x", Model.OnnxDataType.Float, Model.OnnxDimension.Fixed(1));
            g.AddNode("Relu", ["undefined_value"], outputName: "y");
            g.AddOutput("y", Model.OnnxDataType.Float, Model.OnnxDimension.Fixed(1));
            File.WriteAllBytes(path, g.ToModel([]).ToBytes());
            const string script = "import sys, onnx\nonnx.checker.check_model(onnx.load(sys.argv[1]), full_check=True)";
            var (code, _) = OnnxChecker.RunPython("-c", script, path);
            Assert.AreNotEqual(0, code);
        }
        finally { File.Delete(path); }
    }
}
