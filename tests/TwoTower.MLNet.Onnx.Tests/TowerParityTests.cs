using FsCheck;
using FsCheck.Fluent;
using Microsoft.ML.OnnxRuntime;
using TwoTower.MLNet.Onnx.Execution;
using TwoTower.MLNet.Onnx.Towers;

namespace TwoTower.MLNet.Onnx.Tests;

[TestClass]
public sealed class TowerParityTests
{
    private const double Tolerance = 1e-5;

    private static double MaxAbsDifference(RandomTowerCase c, float[] onnx)
    {
        int d = c.Spec.OutputDimension;
        Assert.HasCount(c.Rows * d, onnx);
        double max = 0;
        for (int r = 0; r < c.Rows; r++)
        {
            var expected = c.Reference(r);
            for (int j = 0; j < d; j++) max = Math.Max(max, Math.Abs(expected[j] - onnx[r * d + j]));
        }
        return max;
    }

    private static float[] RunOnnx(RandomTowerCase c)
    {
        using var session = new OnnxTowerSession(OnnxSessionFactory.Create(OnnxTowerExporter.ToBytes(c.Spec), OnnxExecution.Cpu));
        return session.Run(c.ToBatch());
    }

    [TestMethod]
    public void Export_RandomSpecs_MatchManagedForwardWithin1e5()
    {
        var prop = Prop.ForAll(Arb.From(Gen.Choose(1, 1_000_000)), seed =>
        {
            var c = RandomTowerCase.Create(seed);
            double diff = MaxAbsDifference(c, RunOnnx(c));
            return (diff <= Tolerance).Label($"seed {seed}: max abs diff {diff}");
        });
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(40), prop);
    }

    [TestMethod]
    [DataRow(11, 1, true)]
    [DataRow(12, 2, false)]
    [DataRow(13, 3, true)]
    [DataRow(14, 0, false)]
    [DataRow(15, 0, true)]
    public void Export_FixedSeedsAllBranches_MatchManagedForward(int seed, int layers, bool l2)
    {
        var c = RandomTowerCase.Create(seed, layers, l2, withId: true);
        Assert.IsNotNull(c.Spec.IdInput);
        var onnx = RunOnnx(c);
        Assert.IsLessThanOrEqualTo(Tolerance, MaxAbsDifference(c, onnx));
        if (l2)
            for (int r = 0; r < c.Rows; r++)
            {
                double norm = Math.Sqrt(onnx.AsSpan(r * c.Spec.OutputDimension, c.Spec.OutputDimension).ToArray().Sum(v => (double)v * v));
                Assert.AreEqual(1.0, norm, 1e-5, $"row {r} should be unit length");
            }
    }

    [TestMethod]
    public void Export_AllPaddingBag_GivesZeroFeatureNotNaN()
    {
        // Bag only, no layers: the output is the bag mean itself, so row 0 (all padding) must be exactly zero.
        var table = new EmbeddingTable(3, 2, [0, 0, 1, 2, 3, 4]);
        var spec = new TowerGraphSpec { BagInputs = [new TowerBagInput("tags", table, PaddingIndex: 0, Length: 3)] };
        using var s = new OnnxTowerSession(OnnxSessionFactory.Create(OnnxTowerExporter.ToBytes(spec), OnnxExecution.Cpu));
        var e = s.Run(new OnnxTowerBatch(2).SetInt64("tags", [0, 0, 0, 1, 2, 0], width: 3));
        CollectionAssert.AreEqual(new float[] { 0, 0, 2, 3 }, e); // row 1: mean of (1,2) and (3,4)
    }

    [TestMethod]
    public void Export_L2ZeroVector_DividesByEpsilonNotNaN()
    {
        // x / max(‖x‖, eps) with x = 0 stays 0 (LpNormalization semantics would not be guaranteed here).
        var spec = new TowerGraphSpec
        {
            NumericInputs = [new TowerNumericInput("x", [1f, 1f], [1f, 1f])],
            Normalization = TowerNormalization.L2,
        };
        using var s = new OnnxTowerSession(OnnxSessionFactory.Create(OnnxTowerExporter.ToBytes(spec), OnnxExecution.Cpu));
        var e = s.Run(new OnnxTowerBatch(2).SetFloat("x", [1f, 1f, 4f, 5f], width: 2));
        Assert.AreEqual(0f, e[0]);
        Assert.AreEqual(0f, e[1]);
        Assert.AreEqual(0.6f, e[2], 1e-6f);
        Assert.AreEqual(0.8f, e[3], 1e-6f);
    }

    [TestMethod]
    public void Export_Metadata_DimensionNormalisationInputs()
    {
        var c = RandomTowerCase.Create(7, layerCount: 2, l2: true, withId: true);
        using var session = OnnxSessionFactory.Create(OnnxTowerExporter.ToBytes(c.Spec), OnnxExecution.Cpu);
        var meta = session.ModelMetadata.CustomMetadataMap;
        Assert.AreEqual("tower", meta[OnnxMetadataKeys.Kind]);
        Assert.AreEqual(c.Spec.OutputDimension.ToString(), meta[OnnxMetadataKeys.Dimension]);
        Assert.AreEqual("l2", meta[OnnxMetadataKeys.Normalization]);
        Assert.AreEqual("1E-12", meta[OnnxMetadataKeys.NormalizationEpsilon]);
        Assert.AreEqual("user_id,occupation,genres,age", meta[OnnxMetadataKeys.Inputs]);
        Assert.AreEqual("embedding", meta[OnnxMetadataKeys.Outputs]);
        Assert.AreEqual("TwoTower.MLNet", session.ModelMetadata.ProducerName);
        CollectionAssert.AreEqual(new[] { "user_id", "occupation", "genres", "age" }, session.InputMetadata.Keys.ToArray());
        CollectionAssert.AreEqual(new[] { -1, 1 }, session.InputMetadata["user_id"].Dimensions);
        CollectionAssert.AreEqual(new[] { -1, c.Spec.OutputDimension }, session.OutputMetadata["embedding"].Dimensions);
    }
}
