using TwoTower.MLNet.Data;
using TwoTower.MLNet.TwoTowerModel;

namespace TwoTower.MLNet.Tests.Catalog;

/// <summary>A refused ONNX export writes nothing: an earlier export in the folder stays whole, a missing folder is not made.</summary>
[TestClass]
public sealed class OnnxExportRefusalTests
{
    // 3 users × 4 items in 2 dimensions; the values only need to differ between the two models.
    private static TwoTowerRecommender Model(float scale) => new(
        new IdMap("user", ["u1", "u2", "u3"]), new IdMap("item", ["a", "b", "c", "d"]), 2,
        [1 * scale, 0, 0, 1 * scale, 1, 1], [1, 0, 0, 1, 1, 1, scale, 2], [0.5f, 0.5f]);

    [TestMethod]
    public void Export_SeenWiderThanTheModel_RefusedBeforeAnEarlierExportIsTouched()
    {
        var dir = Path.Combine(TestPaths.TempDir(), "onnx");
        OnnxModelExporter.Export(Model(1), dir, k: 2);
        var before = Directory.GetFiles(dir).Order(StringComparer.Ordinal).Select(f => (f, File.ReadAllBytes(f))).ToArray();
        var tooManyUsers = SparseMatrix.FromCoordinates(5, 4, [4], [0], [1f]);

        var ex = Assert.ThrowsExactly<ArgumentException>(() => OnnxModelExporter.Export(Model(3), dir, tooManyUsers, k: 2));

        StringAssert.Contains(ex.Message, "seen is 5 × 4");
        CollectionAssert.AreEqual(before.Select(b => b.f).ToArray(), Directory.GetFiles(dir).Order(StringComparer.Ordinal).ToArray());
        foreach (var (file, bytes) in before) CollectionAssert.AreEqual(bytes, File.ReadAllBytes(file), $"{Path.GetFileName(file)} was replaced by a refused export");
    }

    [TestMethod]
    public void Export_LastFileFailsToWrite_EarlierExportStaysWhole()
    {
        // A folder where metadata.json should go stands for any failed write (disk full, permissions) of the last file.
        var dir = Path.Combine(TestPaths.TempDir(), "onnx");
        OnnxModelExporter.Export(Model(1), dir, k: 2);
        File.Delete(Path.Combine(dir, OnnxModelExporter.ManifestFile));
        Directory.CreateDirectory(Path.Combine(dir, OnnxModelExporter.ManifestFile));
        var before = Directory.GetFiles(dir).Order(StringComparer.Ordinal).Select(f => (f, File.ReadAllBytes(f))).ToArray();
        Assert.HasCount(3, before);

        Assert.ThrowsExactly<IOException>(() => OnnxModelExporter.Export(Model(3), dir, k: 2));

        CollectionAssert.AreEqual(before.Select(b => b.f).ToArray(), Directory.GetFiles(dir).Order(StringComparer.Ordinal).ToArray(), "no temporary left behind");
        foreach (var (file, bytes) in before) CollectionAssert.AreEqual(bytes, File.ReadAllBytes(file), $"{Path.GetFileName(file)} was replaced by a failed export");
    }

    [TestMethod]
    public void Export_Refused_DoesNotCreateTheFolder()
    {
        var dir = Path.Combine(TestPaths.TempDir(), "never");
        Assert.ThrowsExactly<ArgumentException>(() => OnnxModelExporter.Export(Model(1), dir, SparseMatrix.FromCoordinates(5, 4, [4], [0], [1f]), k: 2));
        Assert.IsFalse(Directory.Exists(dir));
    }
}
