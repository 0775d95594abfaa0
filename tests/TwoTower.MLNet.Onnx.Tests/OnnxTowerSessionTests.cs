using Microsoft.ML.OnnxRuntime;
using TwoTower.MLNet.Onnx.Execution;
using TwoTower.MLNet.Onnx.Scoring;
using TwoTower.MLNet.Onnx.Towers;

namespace TwoTower.MLNet.Onnx.Tests;

[TestClass]
public sealed class OnnxTowerSessionTests
{
    private static readonly TowerGraphSpec Spec = new()
    {
        IdInput = new TowerEmbeddingInput("user_id", new EmbeddingTable(3, 2, [1, 2, 3, 4, 5, 6])),
        BagInputs = [new TowerBagInput("genres", new EmbeddingTable(2, 1, [0, 10]))],
        NumericInputs = [new TowerNumericInput("age", [1f], [2f])],
    };

    private static OnnxTowerSession Open() => new(OnnxSessionFactory.Create(OnnxTowerExporter.ToBytes(Spec), OnnxExecution.Cpu));

    [TestMethod]
    public void Inputs_ReportNamesTypesAndWidths()
    {
        using var s = Open();
        Assert.AreEqual(4, s.Dimension);
        CollectionAssert.AreEqual(new[]
        {
            new OnnxTowerInputInfo("user_id", true, 1),
            new OnnxTowerInputInfo("genres", true, -1),
            new OnnxTowerInputInfo("age", false, 1),
        }, s.Inputs.ToArray());
    }

    [TestMethod]
    public void Run_HandComputed_ConcatenatedFeatures()
    {
        using var s = Open();
        var batch = new OnnxTowerBatch(2).SetInt64("user_id", [2, 0]).SetInt64("genres", [1, 0, 0, 0, 0, 0], width: 3).SetFloat("age", [5f, 0f], width: 1);
        // Row 0: id 2 → (5,6); bag {1} → 10; age (5-1)/2 = 2. Row 1: id 0 → (1,2); bag all padding → 0; age (0-1)/2 = -0.5.
        CollectionAssert.AreEqual(new float[] { 5, 6, 10, 2, 1, 2, 0, -0.5f }, s.Run(batch));
    }

    [TestMethod]
    public void Run_DestinationBufferReused_WritesInPlaceAndLeavesTail()
    {
        using var s = Open();
        var batch = new OnnxTowerBatch(1).SetInt64("user_id", [1]).SetInt64("genres", [1], width: 1).SetFloat("age", [3f], width: 1);
        var destination = Enumerable.Repeat(-7f, 6).ToArray();
        s.Run(batch, destination);
        CollectionAssert.AreEqual(new float[] { 3, 4, 10, 1, -7, -7 }, destination);
        batch.SetInt64("user_id", [0]);
        s.Run(batch, destination);
        CollectionAssert.AreEqual(new float[] { 1, 2, 10, 1, -7, -7 }, destination);
    }

    [TestMethod]
    public void Run_MissingInput_ThrowsNamingIt()
    {
        using var s = Open();
        var ex = Assert.ThrowsExactly<ArgumentException>(() => s.Run(new OnnxTowerBatch(1).SetInt64("user_id", [0]).SetFloat("age", [1f], 1)));
        StringAssert.Contains(ex.Message, "Batch is missing input 'genres' (int64 [N,L])");
    }

    [TestMethod]
    public void Run_UnknownInput_ThrowsListingModelInputs()
    {
        using var s = Open();
        var batch = new OnnxTowerBatch(1).SetInt64("user_id", [0]).SetInt64("genres", [0]).SetFloat("age", [1f], 1).SetFloat("height", [1f], 1);
        var ex = Assert.ThrowsExactly<ArgumentException>(() => s.Run(batch));
        StringAssert.Contains(ex.Message, "Batch sets input 'height', which the model does not have (inputs: user_id, genres, age)");
    }

    [TestMethod]
    public void Run_WrongType_Throws()
    {
        using var s = Open();
        var batch = new OnnxTowerBatch(1).SetFloat("user_id", [0f], 1).SetInt64("genres", [0]).SetFloat("age", [1f], 1);
        var ex = Assert.ThrowsExactly<ArgumentException>(() => s.Run(batch));
        StringAssert.Contains(ex.Message, "Batch input 'user_id' is float; the model expects int64 [N,1]");
    }

    [TestMethod]
    public void Run_WrongWidth_Throws()
    {
        using var s = Open();
        var batch = new OnnxTowerBatch(1).SetInt64("user_id", [0, 1], width: 2).SetInt64("genres", [0]).SetFloat("age", [1f], 1);
        var ex = Assert.ThrowsExactly<ArgumentException>(() => s.Run(batch));
        StringAssert.Contains(ex.Message, "Batch input 'user_id' has width 2; the model expects int64 [N,1]");
    }

    [TestMethod]
    public void Run_DestinationTooShort_Throws()
    {
        using var s = Open();
        var batch = new OnnxTowerBatch(2).SetInt64("user_id", [0, 1]).SetInt64("genres", [0, 0]).SetFloat("age", [1f, 2f], 1);
        var ex = Assert.ThrowsExactly<ArgumentException>(() => s.Run(batch, new float[7]));
        StringAssert.Contains(ex.Message, "Destination has 7 floats; expected at least RowCount*Dimension = 2*4 = 8");
    }

    [TestMethod]
    public void Run_IdOutsideTable_OnnxRuntimeError()
    {
        using var s = Open();
        var batch = new OnnxTowerBatch(1).SetInt64("user_id", [3]).SetInt64("genres", [0]).SetFloat("age", [1f], 1);
        Assert.ThrowsExactly<OnnxRuntimeException>(() => s.Run(batch));
    }

    [TestMethod]
    [DataRow(-1L, 0L)]
    [DataRow(-3L, 0L)]
    [DataRow(0L, -1L)]
    [DataRow(0L, -2L)]
    public void Run_NegativeIdOrToken_OnnxRuntimeErrorInsteadOfARowFromTheEnd(long id, long token)
    {
        // ONNX Gather reads index −i as row RowCount − i: unguarded, −1 (the managed "unknown") gave the last user's
        // vector, and a bag token −1 counted the padding row into the mean.
        using var s = Open();
        var batch = new OnnxTowerBatch(1).SetInt64("user_id", [id]).SetInt64("genres", [token, 1], width: 2).SetFloat("age", [1f], 1);
        Assert.ThrowsExactly<OnnxRuntimeException>(() => s.Run(batch));
    }

    [TestMethod]
    public void SetInt64_WrongLength_Throws()
    {
        var ex = Assert.ThrowsExactly<ArgumentException>(() => new OnnxTowerBatch(2).SetInt64("genres", [1, 2, 3], width: 2));
        StringAssert.Contains(ex.Message, "Input 'genres' has 3 values; expected RowCount*width = 2*2 = 4");
    }

    [TestMethod]
    public void Constructor_ModelWithoutEmbeddingOutput_Throws()
    {
        var scorer = OnnxScorerExporter.ToBytes(new OnnxScorerSpec { ItemVectors = [1, 0], ItemCount = 1, Dimension = 2, K = 1 });
        using var session = new InferenceSession(scorer);
        var ex = Assert.ThrowsExactly<ArgumentException>(() => new OnnxTowerSession(session, ownsSession: false));
        StringAssert.Contains(ex.Message, "no float output 'embedding'");
    }

    [TestMethod]
    public void Constructor_NewerFormatVersion_Throws()
    {
        var bytes = OnnxTowerExporter.ToBytes(Spec);
        // The metadata entry is key, then field 2 (0x12) of length 1 holding "1": make it "2".
        var key = System.Text.Encoding.ASCII.GetBytes(OnnxMetadataKeys.FormatVersion);
        var at = bytes.AsSpan().IndexOf(key) + key.Length;
        CollectionAssert.AreEqual(new byte[] { 0x12, 1, (byte)'1' }, bytes[at..(at + 3)]);
        bytes[at + 2] = (byte)'2';
        using var session = new InferenceSession(bytes);
        var ex = Assert.ThrowsExactly<ArgumentException>(() => new OnnxTowerSession(session, ownsSession: false));
        StringAssert.Contains(ex.Message, "format version is '2'; this library reads version 1");
    }

    [TestMethod]
    public void Run_AfterDispose_Throws()
    {
        var s = Open();
        s.Dispose();
        Assert.ThrowsExactly<ObjectDisposedException>(() => s.Run(new OnnxTowerBatch(1)));
    }

    [TestMethod]
    public void Open_FromFile_SameAsInMemory()
    {
        var path = Path.Combine(Path.GetTempPath(), $"tower-{Guid.NewGuid():N}.onnx");
        try
        {
            OnnxTowerExporter.Export(Spec, path);
            using var s = OnnxTowerSession.Open(path, OnnxExecution.Cpu);
            var batch = new OnnxTowerBatch(1).SetInt64("user_id", [1]).SetInt64("genres", [1], width: 1).SetFloat("age", [3f], width: 1);
            CollectionAssert.AreEqual(new float[] { 3, 4, 10, 1 }, s.Run(batch));
        }
        finally { File.Delete(path); }
    }

    [TestMethod]
    public void Open_ScorerFile_ThrowsNamingTheFile()
    {
        var path = Path.Combine(Path.GetTempPath(), $"scorer-{Guid.NewGuid():N}.onnx");
        try
        {
            OnnxScorerExporter.Export(new OnnxScorerSpec { ItemVectors = [1, 0], ItemCount = 1, Dimension = 2, K = 1 }, path);
            var ex = Assert.ThrowsExactly<ArgumentException>(() => OnnxTowerSession.Open(path));
            StringAssert.Contains(ex.Message, $"'{path}' is not a tower model: The model has no float output 'embedding'");
        }
        finally { File.Delete(path); }
    }
}
