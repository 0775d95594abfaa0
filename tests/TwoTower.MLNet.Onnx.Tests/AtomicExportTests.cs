using TwoTower.MLNet.Onnx.Scoring;
using TwoTower.MLNet.Onnx.Towers;

namespace TwoTower.MLNet.Onnx.Tests;

[TestClass]
public sealed class AtomicExportTests
{
    private static readonly TowerGraphSpec Good = new() { NumericInputs = [new TowerNumericInput("x", [0f], [1f])] };
    private static readonly TowerGraphSpec Bad = new() { NumericInputs = [new TowerNumericInput("x", [0f], [float.NaN])] };

    private static DirectoryInfo NewDir() => Directory.CreateTempSubdirectory("onnx-export-");

    [TestMethod]
    public void Export_InvalidSpec_NoFileCreated()
    {
        var dir = NewDir();
        try
        {
            var path = Path.Combine(dir.FullName, "tower.onnx");
            Assert.ThrowsExactly<ArgumentException>(() => OnnxTowerExporter.Export(Bad, path));
            Assert.IsEmpty(dir.GetFiles());
        }
        finally { dir.Delete(true); }
    }

    [TestMethod]
    public void Export_InvalidSpecOverExistingFile_ExistingFileUnchanged()
    {
        var dir = NewDir();
        try
        {
            var path = Path.Combine(dir.FullName, "tower.onnx");
            OnnxTowerExporter.Export(Good, path);
            var before = File.ReadAllBytes(path);
            Assert.ThrowsExactly<ArgumentException>(() => OnnxTowerExporter.Export(Bad, path));
            CollectionAssert.AreEqual(before, File.ReadAllBytes(path));
            Assert.HasCount(1, dir.GetFiles());
        }
        finally { dir.Delete(true); }
    }

    [TestMethod]
    public void Export_RenameFails_TemporaryRemovedAndTargetUntouched()
    {
        // The target is a directory: the final rename fails after the temporary was written.
        var dir = NewDir();
        try
        {
            var target = Directory.CreateDirectory(Path.Combine(dir.FullName, "tower.onnx"));
            Assert.Throws<IOException>(() => OnnxTowerExporter.Export(Good, target.FullName));
            Assert.IsEmpty(dir.GetFiles());
            Assert.IsTrue(target.Exists);
        }
        finally { dir.Delete(true); }
    }

    [TestMethod]
    public void Export_MissingDirectory_ThrowsNamingIt()
    {
        var ex = Assert.ThrowsExactly<DirectoryNotFoundException>(() => OnnxScorerExporter.Export(
            new OnnxScorerSpec { ItemVectors = [1f], ItemCount = 1, Dimension = 1, K = 1 }, "/nonexistent-dir-xyz/scorer.onnx"));
        StringAssert.Contains(ex.Message, "/nonexistent-dir-xyz");
    }

    [TestMethod]
    public void Export_Overwrite_ReplacesContentAndLeavesNoTemporary()
    {
        var dir = NewDir();
        try
        {
            var path = Path.Combine(dir.FullName, "tower.onnx");
            File.WriteAllText(path, "old");
            OnnxTowerExporter.Export(Good, path);
            CollectionAssert.AreEqual(OnnxTowerExporter.ToBytes(Good), File.ReadAllBytes(path));
            Assert.HasCount(1, dir.GetFiles());
        }
        finally { dir.Delete(true); }
    }
}
