using Microsoft.ML.OnnxRuntime;
using TwoTower.MLNet.Onnx.Execution;
using TwoTower.MLNet.Onnx.Scoring;
using TwoTower.MLNet.Onnx.Towers;

namespace TwoTower.MLNet.Onnx.Tests;

[TestClass]
public sealed class ScorerTests
{
    private static float[] RandomMatrix(Random rng, int rows, int cols) =>
        Enumerable.Range(0, rows * cols).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();

    private static (float[] Scores, long[] Indices) Run(InferenceSession session, OnnxScorerSpec spec, float[] queries, int n, float[]? mask)
    {
        var inputs = new Dictionary<string, OrtValue> { [spec.QueryInputName] = OrtValue.CreateTensorValueFromMemory(queries, [n, spec.Dimension]) };
        if (mask is not null) inputs[spec.MaskInputName] = OrtValue.CreateTensorValueFromMemory(mask, [n, spec.ItemCount]);
        using var options = new RunOptions();
        using var outputs = session.Run(options, inputs, [OnnxScorerSpec.ScoresOutputName, OnnxScorerSpec.IndicesOutputName]);
        foreach (var v in inputs.Values) v.Dispose();
        return (outputs[0].GetTensorDataAsSpan<float>().ToArray(), outputs[1].GetTensorDataAsSpan<long>().ToArray());
    }

    private static double[] BruteScores(float[] items, int count, int d, float[] q, int row, float[]? mask)
    {
        var s = new double[count];
        for (int i = 0; i < count; i++)
        {
            double dot = 0;
            for (int j = 0; j < d; j++) dot += (double)q[row * d + j] * items[i * d + j];
            s[i] = mask is null ? dot : dot + mask[row * count + i];
        }
        return s;
    }

    [TestMethod]
    [DataRow(1, false)]
    [DataRow(2, true)]
    [DataRow(3, true)]
    public void Export_RandomItems_TopKEqualsBruteForceAndRespectsMask(int seed, bool useMask)
    {
        var rng = new Random(seed);
        int count = rng.Next(20, 200), d = rng.Next(2, 17), k = rng.Next(1, 11), n = rng.Next(1, 6);
        var spec = new OnnxScorerSpec { ItemVectors = RandomMatrix(rng, count, d), ItemCount = count, Dimension = d, K = k, UseExclusionMask = useMask, QueryInputName = "UserVector" };
        var queries = RandomMatrix(rng, n, d);
        float[]? mask = null;
        if (useMask)
        {
            mask = new float[n * count];
            for (int i = 0; i < mask.Length; i++) if (rng.Next(3) == 0) mask[i] = float.NegativeInfinity;
        }
        using var session = OnnxSessionFactory.Create(OnnxScorerExporter.ToBytes(spec), OnnxExecution.Cpu);
        var (scores, indices) = Run(session, spec, queries, n, mask);
        Assert.HasCount(n * k, scores);
        Assert.HasCount(n * k, indices);
        for (int r = 0; r < n; r++)
        {
            var brute = BruteScores(spec.ItemVectors, count, d, queries, r, mask);
            var expected = Enumerable.Range(0, count).OrderByDescending(i => brute[i]).Take(k).ToArray();
            for (int j = 0; j < k; j++)
            {
                long got = indices[r * k + j];
                // Random floats have no ties, so the ranking must be identical.
                Assert.AreEqual(expected[j], got, $"row {r} rank {j}");
                Assert.AreEqual(brute[got], scores[r * k + j], 1e-5);
                if (mask is not null) Assert.AreEqual(0f, mask[r * count + got], $"row {r}: excluded item {got} returned");
            }
        }
    }

    [TestMethod]
    public void Export_HandComputed_ScoresAndIndices()
    {
        // Items (1,0), (0,1), (1,1); query (2,1): scores 2, 1, 3 → top-2 = items 2, 0.
        var spec = new OnnxScorerSpec { ItemVectors = [1, 0, 0, 1, 1, 1], ItemCount = 3, Dimension = 2, K = 2 };
        using var session = OnnxSessionFactory.Create(OnnxScorerExporter.ToBytes(spec), OnnxExecution.Cpu);
        var (scores, indices) = Run(session, spec, [2, 1], 1, null);
        CollectionAssert.AreEqual(new float[] { 3, 2 }, scores);
        CollectionAssert.AreEqual(new long[] { 2, 0 }, indices);
        var meta = session.ModelMetadata.CustomMetadataMap;
        Assert.AreEqual("scorer", meta[OnnxMetadataKeys.Kind]);
        Assert.AreEqual("3", meta[OnnxMetadataKeys.ItemCount]);
        Assert.AreEqual("2", meta[OnnxMetadataKeys.TopK]);
    }

    [TestMethod]
    public void Export_MaskExcludesBestItem_NextBestReturned()
    {
        var spec = new OnnxScorerSpec { ItemVectors = [1, 0, 0, 1, 1, 1], ItemCount = 3, Dimension = 2, K = 1, UseExclusionMask = true };
        using var session = OnnxSessionFactory.Create(OnnxScorerExporter.ToBytes(spec), OnnxExecution.Cpu);
        var (scores, indices) = Run(session, spec, [2, 1], 1, [0, 0, float.NegativeInfinity]);
        CollectionAssert.AreEqual(new long[] { 0 }, indices);
        CollectionAssert.AreEqual(new float[] { 2 }, scores);
    }

    [TestMethod]
    [DataRow(0, "K is 0")]
    [DataRow(4, "K is 4")]
    public void Validate_KOutOfRange_Throws(int k, string expected)
    {
        var spec = new OnnxScorerSpec { ItemVectors = [1, 0, 0, 1, 1, 1], ItemCount = 3, Dimension = 2, K = k };
        var ex = Assert.ThrowsExactly<ArgumentException>(() => OnnxScorerExporter.ToBytes(spec));
        StringAssert.Contains(ex.Message, expected);
        StringAssert.Contains(ex.Message, "1..ItemCount (3)");
    }

    [TestMethod]
    public void Validate_WrongItemMatrixLength_Throws()
    {
        var spec = new OnnxScorerSpec { ItemVectors = [1, 0, 0], ItemCount = 3, Dimension = 2, K = 1 };
        var ex = Assert.ThrowsExactly<ArgumentException>(() => OnnxScorerExporter.ToBytes(spec));
        StringAssert.Contains(ex.Message, "ItemVectors has length 3; expected ItemCount*Dimension = 3*2 = 6");
    }

    [TestMethod]
    public void Validate_NaNItem_ThrowsNamingItem()
    {
        var spec = new OnnxScorerSpec { ItemVectors = [1, 0, 0, float.NaN], ItemCount = 2, Dimension = 2, K = 1 };
        var ex = Assert.ThrowsExactly<ArgumentException>(() => OnnxScorerExporter.ToBytes(spec));
        StringAssert.Contains(ex.Message, "ItemVectors[3] (item 1) is NaN");
    }

    [TestMethod]
    public void Validate_MaskNameEqualsQueryName_Throws()
    {
        var spec = new OnnxScorerSpec { ItemVectors = [1, 0], ItemCount = 1, Dimension = 2, K = 1, UseExclusionMask = true, QueryInputName = "q", MaskInputName = "q" };
        var ex = Assert.ThrowsExactly<ArgumentException>(() => OnnxScorerExporter.ToBytes(spec));
        StringAssert.Contains(ex.Message, "MaskInputName is 'q'");
    }
}
