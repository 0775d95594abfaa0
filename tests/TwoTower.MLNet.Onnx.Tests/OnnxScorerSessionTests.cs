using Microsoft.ML.OnnxRuntime;
using TwoTower.MLNet.Onnx.Execution;
using TwoTower.MLNet.Onnx.Scoring;
using TwoTower.MLNet.Onnx.Towers;

namespace TwoTower.MLNet.Onnx.Tests;

[TestClass]
public sealed class OnnxScorerSessionTests
{
    private static readonly float[] Items = [1, 0, 0, 1, 1, 1];

    private static OnnxScorerSession Open(bool mask, int k = 2) =>
        new(OnnxSessionFactory.Create(OnnxScorerExporter.ToBytes(new OnnxScorerSpec { ItemVectors = Items, ItemCount = 3, Dimension = 2, K = k, UseExclusionMask = mask }), OnnxExecution.Cpu));

    [TestMethod]
    public void Run_TwoQueries_HandComputedTopK()
    {
        using var s = Open(mask: false);
        Assert.AreEqual(2, s.Dimension);
        Assert.AreEqual(3, s.ItemCount);
        Assert.AreEqual(2, s.K);
        Assert.IsFalse(s.HasMask);
        // Query (2,1): scores 2,1,3 → items 2,0. Query (0,-1): scores 0,-1,-1 → item 0 then a tie at -1.
        var (scores, indices) = s.Run([2, 1, 0, -1], 2);
        CollectionAssert.AreEqual(new float[] { 3, 2, 0, -1 }, scores);
        CollectionAssert.AreEqual(new long[] { 2, 0 }, indices[..2]);
        Assert.AreEqual(0L, indices[2]);
        Assert.IsTrue(indices[3] is 1 or 2);
    }

    [TestMethod]
    public void Run_MaskExcludesItems_IntoReusedBuffers()
    {
        using var s = Open(mask: true);
        Assert.IsTrue(s.HasMask);
        var scores = new float[4];
        var indices = new long[4];
        s.Run(new float[] { 2, 1 }, 1, new float[] { float.NegativeInfinity, 0, 0 }, scores, indices);
        CollectionAssert.AreEqual(new float[] { 3, 1, 0, 0 }, scores);
        CollectionAssert.AreEqual(new long[] { 2, 1, 0, 0 }, indices);
    }

    [TestMethod]
    public void Run_MaskMissing_Throws()
    {
        using var s = Open(mask: true);
        var ex = Assert.ThrowsExactly<ArgumentNullException>(() => s.Run([2, 1], 1));
        StringAssert.Contains(ex.Message, "has a mask input 'mask' [N,3]");
    }

    [TestMethod]
    public void Run_UnexpectedMask_Throws()
    {
        using var s = Open(mask: false);
        var ex = Assert.ThrowsExactly<ArgumentException>(() => s.Run([2, 1], 1, [0f, 0f, 0f]));
        StringAssert.Contains(ex.Message, "without an exclusion mask");
    }

    [TestMethod]
    public void Run_QueriesTooShort_Throws()
    {
        using var s = Open(mask: false);
        var ex = Assert.ThrowsExactly<ArgumentException>(() => s.Run([2, 1, 0], 2));
        StringAssert.Contains(ex.Message, "queries has 3 elements; expected at least rowCount*Dimension = 2*2 = 4");
    }

    [TestMethod]
    [DataRow("query,v2", false)]
    [DataRow("q", true)]
    [DataRow("user, item", true)]
    public void Run_InputNamesWithCommas_TakenFromTheGraph(string queryName, bool mask)
    {
        // The metadata lists the inputs joined by commas, so a name holding one read as two inputs (a mask the graph lacks).
        var spec = new OnnxScorerSpec { ItemVectors = Items, ItemCount = 3, Dimension = 2, K = 1, QueryInputName = queryName, UseExclusionMask = mask, MaskInputName = "mask,allowed" };
        using var s = new OnnxScorerSession(OnnxSessionFactory.Create(OnnxScorerExporter.ToBytes(spec), OnnxExecution.Cpu));
        Assert.AreEqual(mask, s.HasMask);
        var (scores, indices) = s.Run([2, 1], 1, mask ? [0, 0, float.NegativeInfinity] : null);
        CollectionAssert.AreEqual(new[] { mask ? 2f : 3f }, scores);
        CollectionAssert.AreEqual(new[] { mask ? 0L : 2L }, indices);
    }

    [TestMethod]
    public void Constructor_TowerModel_Throws()
    {
        var tower = OnnxTowerExporter.ToBytes(new TowerGraphSpec { NumericInputs = [new TowerNumericInput("x", [0f], [1f])] });
        using var session = new InferenceSession(tower);
        var ex = Assert.ThrowsExactly<ArgumentException>(() => new OnnxScorerSession(session, ownsSession: false));
        StringAssert.Contains(ex.Message, "is 'tower'; expected 'scorer'");
    }

    [TestMethod]
    public void Open_TowerFile_ThrowsNamingTheFile()
    {
        var path = Path.Combine(Path.GetTempPath(), $"tower-{Guid.NewGuid():N}.onnx");
        try
        {
            OnnxTowerExporter.Export(new TowerGraphSpec { NumericInputs = [new TowerNumericInput("x", [0f], [1f])] }, path);
            var ex = Assert.ThrowsExactly<ArgumentException>(() => OnnxScorerSession.Open(path));
            StringAssert.Contains(ex.Message, $"'{path}' is not a scorer model: The model's metadata 'twotower.kind' is 'tower'");
        }
        finally { File.Delete(path); }
    }

    [TestMethod]
    public void Constructor_NewerFormatVersion_Throws()
    {
        var bytes = OnnxScorerExporter.ToBytes(new OnnxScorerSpec { ItemVectors = Items, ItemCount = 3, Dimension = 2, K = 1 });
        // The metadata entry is key, then field 2 (0x12) of length 1 holding "1": make it "2".
        var key = System.Text.Encoding.ASCII.GetBytes(OnnxMetadataKeys.FormatVersion);
        var at = bytes.AsSpan().IndexOf(key) + key.Length;
        CollectionAssert.AreEqual(new byte[] { 0x12, 1, (byte)'1' }, bytes[at..(at + 3)]);
        bytes[at + 2] = (byte)'2';
        using var session = new InferenceSession(bytes);
        var ex = Assert.ThrowsExactly<ArgumentException>(() => new OnnxScorerSession(session, ownsSession: false));
        StringAssert.Contains(ex.Message, "format version is '2'; this library reads version 1");
    }
}
