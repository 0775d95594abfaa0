using TwoTower.MLNet.Losses;

namespace TwoTower.MLNet.Tests.Losses;

[TestClass]
public sealed class WeightedLossTests
{
    private const int Rows = 3, Columns = 5;
    private static readonly int[] ExRows = { 0, 0, 1, 2, 2 };
    private static readonly int[] ExCols = { 0, 1, 2, 3, 0 };
    private static readonly float[] Weights = { 1f, 3f, 0.5f, 2f, 1.25f };
    private static readonly float[] LogQ = { -1f, -2f, -0.5f, -3f, -1.5f };

    private static float[] RandomScores(int seed)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, Rows * Columns).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
    }

    [TestMethod]
    [DataRow(false)]
    [DataRow(true)]
    public void Compute_Weighted_GradientMatchesFiniteDifferences(bool mask)
    {
        var loss = new InBatchSoftmaxLoss(0.5f, maskOtherPositives: mask);
        var s = RandomScores(7);
        var grad = new float[Rows * Columns];
        loss.Compute(s, Rows, Columns, ExRows, ExCols, LogQ, Weights, grad);
        var scratch = new float[Rows * Columns];
        const float eps = 1e-2f;
        for (var i = 0; i < s.Length; i++)
        {
            var orig = s[i];
            s[i] = orig + eps;
            var plus = loss.Compute(s, Rows, Columns, ExRows, ExCols, LogQ, Weights, scratch);
            s[i] = orig - eps;
            var minus = loss.Compute(s, Rows, Columns, ExRows, ExCols, LogQ, Weights, scratch);
            s[i] = orig;
            var numeric = (plus - minus) / (2 * eps);
            Assert.AreEqual(numeric, grad[i], 2e-3, $"∂loss/∂s[{i}] analytic {grad[i]} vs finite difference {numeric}");
        }
    }

    private static IRetrievalLoss Create(string kind) => kind switch
    {
        "bce" => new SampledBceLoss(0.5f),
        "bpr" => new BprLoss(0.5f),
        "hinge" => new HingeLoss(0.7f),
        _ => new InBatchSoftmaxLoss(0.5f),
    };

    [TestMethod]
    [DataRow("bce")]
    [DataRow("bpr")]
    [DataRow("hinge")]
    public void Compute_OtherLossesWeighted_GradientMatchesFiniteDifferences(string kind)
    {
        var loss = Create(kind);
        var s = RandomScores(9);
        var grad = new float[Rows * Columns];
        loss.Compute(s, Rows, Columns, ExRows, ExCols, ReadOnlySpan<float>.Empty, Weights, grad);
        var scratch = new float[Rows * Columns];
        const float eps = 1e-2f;
        for (var i = 0; i < s.Length; i++)
        {
            var orig = s[i];
            s[i] = orig + eps;
            var plus = loss.Compute(s, Rows, Columns, ExRows, ExCols, ReadOnlySpan<float>.Empty, Weights, scratch);
            s[i] = orig - eps;
            var minus = loss.Compute(s, Rows, Columns, ExRows, ExCols, ReadOnlySpan<float>.Empty, Weights, scratch);
            s[i] = orig;
            var numeric = (plus - minus) / (2 * eps);
            Assert.AreEqual(numeric, grad[i], 2e-3, $"{kind}: ∂loss/∂s[{i}] analytic {grad[i]} vs finite difference {numeric}");
        }
    }

    [TestMethod]
    [DataRow("softmax")]
    [DataRow("bce")]
    [DataRow("bpr")]
    [DataRow("hinge")]
    public void Compute_EveryLossWeightTwo_SameAsTheExampleRepeated(string kind)
    {
        var s = RandomScores(13);
        var weighted = new float[Rows * Columns];
        var repeated = new float[Rows * Columns];
        var loss = Create(kind);
        var a = loss.Compute(s, Rows, Columns, new[] { 0, 1, 2 }, new[] { 4, 2, 3 }, ReadOnlySpan<float>.Empty, new[] { 2f, 1f, 1f }, weighted);
        var b = loss.Compute(s, Rows, Columns, new[] { 0, 0, 1, 2 }, new[] { 4, 4, 2, 3 }, ReadOnlySpan<float>.Empty, repeated);
        Assert.AreEqual(b, a, 1e-6, kind);
        for (var i = 0; i < weighted.Length; i++) Assert.AreEqual(repeated[i], weighted[i], 1e-6, $"{kind}: gradient {i}");
    }

    [TestMethod]
    public void Compute_TwoExamplesWeightedThreeToOne_HandComputed()
    {
        // Two users, two columns, T = 1; user 0's positive is column 0 (weight 3), user 1's is column 1 (weight 1).
        var s = new[] { 1f, 0f, 0.5f, 2f };
        var grad = new float[4];
        var loss = new InBatchSoftmaxLoss(1f).Compute(s, 2, 2, new[] { 0, 1 }, new[] { 0, 1 }, ReadOnlySpan<float>.Empty, new[] { 3f, 1f }, grad);
        var p0 = Math.Exp(1) / (Math.Exp(1) + 1);           // user 0: softmax of column 0
        var p1 = Math.Exp(2) / (Math.Exp(0.5) + Math.Exp(2)); // user 1: softmax of column 1
        Assert.AreEqual((3 * -Math.Log(p0) + 1 * -Math.Log(p1)) / 4, loss, 1e-5);
        Assert.AreEqual(3 * (p0 - 1) / 4, grad[0], 1e-5);
        Assert.AreEqual(3 * (1 - p0) / 4, grad[1], 1e-5);
        Assert.AreEqual(1 * (1 - p1) / 4, grad[2], 1e-5);
        Assert.AreEqual(1 * (p1 - 1) / 4, grad[3], 1e-5);
    }

    [TestMethod]
    public void Compute_WeightTwo_SameAsTheExampleRepeated()
    {
        var s = RandomScores(11);
        var weighted = new float[Rows * Columns];
        var repeated = new float[Rows * Columns];
        var loss = new InBatchSoftmaxLoss(0.5f);
        var a = loss.Compute(s, Rows, Columns, new[] { 0, 1, 2 }, new[] { 4, 2, 3 }, LogQ, new[] { 2f, 1f, 1f }, weighted);
        var b = loss.Compute(s, Rows, Columns, new[] { 0, 0, 1, 2 }, new[] { 4, 4, 2, 3 }, LogQ, repeated);
        Assert.AreEqual(b, a, 1e-6);
        for (var i = 0; i < weighted.Length; i++) Assert.AreEqual(repeated[i], weighted[i], 1e-6, $"gradient {i}");
    }

    [TestMethod]
    public void Compute_AllWeightsOne_SameAsUnweighted()
    {
        var s = RandomScores(5);
        var g1 = new float[Rows * Columns];
        var g2 = new float[Rows * Columns];
        var loss = new InBatchSoftmaxLoss(0.25f, maskOtherPositives: true);
        var a = loss.Compute(s, Rows, Columns, ExRows, ExCols, LogQ, g1);
        var b = loss.Compute(s, Rows, Columns, ExRows, ExCols, LogQ, Enumerable.Repeat(1f, ExRows.Length).ToArray(), g2);
        Assert.AreEqual(a, b, 1e-6);
        for (var i = 0; i < g1.Length; i++) Assert.AreEqual(g1[i], g2[i], 1e-6, $"gradient {i}");
    }

    [TestMethod]
    public void Compute_WrongNumberOfWeights_ThrowsNamingCounts()
    {
        var ex = Assert.ThrowsExactly<ArgumentException>(() =>
            new InBatchSoftmaxLoss(1f).Compute(RandomScores(1), Rows, Columns, ExRows, ExCols, LogQ, new[] { 1f, 1f }, new float[Rows * Columns]));
        Assert.AreEqual("exampleWeights", ex.ParamName);
        StringAssert.Contains(ex.Message, "exampleWeights has 2 values; one per example (5) or none expected.");
    }

    [TestMethod]
    [DataRow(0f)]
    [DataRow(-1f)]
    [DataRow(float.NaN)]
    [DataRow(float.PositiveInfinity)]
    public void Compute_NonPositiveOrNonFiniteWeight_ThrowsNamingExample(float bad)
    {
        var weights = new[] { 1f, 1f, bad, 1f, 1f };
        var ex = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() =>
            new InBatchSoftmaxLoss(1f).Compute(RandomScores(1), Rows, Columns, ExRows, ExCols, LogQ, weights, new float[Rows * Columns]));
        Assert.AreEqual("exampleWeights", ex.ParamName);
        StringAssert.Contains(ex.Message, "Example 2: weight must be a finite number > 0.");
    }
}
