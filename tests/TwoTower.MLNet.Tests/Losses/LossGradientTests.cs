using TwoTower.MLNet.Losses;

namespace TwoTower.MLNet.Tests.Losses;

[TestClass]
public sealed class LossGradientTests
{
    private const int Rows = 3, Columns = 5;
    private static readonly int[] ExRows = { 0, 0, 1, 2, 2 };
    private static readonly int[] ExCols = { 0, 1, 2, 3, 0 };

    private static float[] RandomScores(int seed)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, Rows * Columns).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
    }

    private static void CheckGradient(IRetrievalLoss loss, float[] logQ, double tolerance = 2e-3)
    {
        var s = RandomScores(42);
        var grad = new float[Rows * Columns];
        loss.Compute(s, Rows, Columns, ExRows, ExCols, logQ, grad);
        var scratch = new float[Rows * Columns];
        const float eps = 1e-2f;
        for (var i = 0; i < s.Length; i++)
        {
            var orig = s[i];
            s[i] = orig + eps;
            var plus = loss.Compute(s, Rows, Columns, ExRows, ExCols, logQ, scratch);
            s[i] = orig - eps;
            var minus = loss.Compute(s, Rows, Columns, ExRows, ExCols, logQ, scratch);
            s[i] = orig;
            var numeric = (plus - minus) / (2 * eps);
            Assert.AreEqual(numeric, grad[i], tolerance, $"{loss.Name}: ∂loss/∂s[{i}] analytic {grad[i]} vs finite difference {numeric}");
        }
    }

    private static float[] LogQ() => new[] { -1f, -2f, -0.5f, -3f, -1.5f };

    [TestMethod]
    public void InBatchSoftmax_Gradient_MatchesFiniteDifferences() => CheckGradient(new InBatchSoftmaxLoss(0.5f), Array.Empty<float>());

    [TestMethod]
    public void InBatchSoftmax_GradientWithLogQ_MatchesFiniteDifferences() => CheckGradient(new InBatchSoftmaxLoss(0.5f), LogQ());

    [TestMethod]
    public void InBatchSoftmax_MaskOtherPositives_GradientMatchesFiniteDifferences() => CheckGradient(new InBatchSoftmaxLoss(0.5f, maskOtherPositives: true), LogQ());

    [TestMethod]
    public void InBatchSoftmax_MaskOtherPositives_HandComputed()
    {
        // One user with positives in columns 0 and 1 of three; T = 1. Example 0: softmax over {0, 2}; example 1: over {1, 2}.
        var s = new[] { 1f, 0f, 0.5f };
        var grad = new float[3];
        var loss = new InBatchSoftmaxLoss(1f, maskOtherPositives: true).Compute(s, 1, 3, new[] { 0, 0 }, new[] { 0, 1 }, ReadOnlySpan<float>.Empty, grad);
        double e0 = Math.Exp(1), e1 = 1, e2 = Math.Exp(0.5);
        var expected = (-Math.Log(e0 / (e0 + e2)) - Math.Log(e1 / (e1 + e2))) / 2;
        Assert.AreEqual(expected, loss, 1e-5);
        Assert.AreEqual((e0 / (e0 + e2) - 1) / 2, grad[0], 1e-5);
        Assert.AreEqual((e1 / (e1 + e2) - 1) / 2, grad[1], 1e-5);
        Assert.AreEqual((e2 / (e0 + e2) + e2 / (e1 + e2)) / 2, grad[2], 1e-5);
    }

    [TestMethod]
    [DataRow(false)]
    [DataRow(true)]
    public void InBatchSoftmax_MaskOtherPositives_DominantOtherPositive_WeakExampleStillLearns(bool rowUsers)
    {
        // Found by an audit: the negatives' sum was the row's sum minus its positives', which cancels to 0 once another
        // positive of the user dominates the row (logits ±20 at the default-like T = 0.05): the weak example's loss came out 0
        // and its positive got no gradient, the case where the user most needs it. Columns: 0 the strong positive, 1 the weak
        // one, 2 and 3 negatives scored like it; so the weak example's softmax over {1, 2, 3} has three equal logits.
        var s = rowUsers ? new[] { 1f, -1f, -1f, -1f, 1f, -1f, -1f, -1f } : new[] { 1f, -1f, -1f, -1f };
        var grad = new float[s.Length];
        var loss = new InBatchSoftmaxLoss(0.05f, maskOtherPositives: true);
        var value = rowUsers
            ? loss.Compute(s, 2, 4, new[] { 0, 1 }, new[] { 0, 1 }, ReadOnlySpan<float>.Empty, ReadOnlySpan<float>.Empty, new[] { 0, 0 }, grad)
            : loss.Compute(s, 1, 4, new[] { 0, 0 }, new[] { 0, 1 }, ReadOnlySpan<float>.Empty, grad);
        // The strong example (logit 20 against two of −20) adds about 2e−18.
        Assert.AreEqual(Math.Log(3) / 2, value, 1e-5);
        var weakRow = rowUsers ? 4 : 0;
        Assert.AreEqual((1.0 / 3 - 1) / 0.05 / 2, grad[weakRow + 1], 1e-4, "the weak positive is pushed up");
        Assert.AreEqual(1.0 / 3 / 0.05 / 2, grad[weakRow + 2], 1e-4, "each negative is pushed down by a third");
        Assert.AreEqual(1.0 / 3 / 0.05 / 2, grad[weakRow + 3], 1e-4);
    }

    [TestMethod]
    public void InBatchSoftmax_TwoThreads_SameLossAndGradientAsOne()
    {
        // Large enough (≥ 65,536 scores) for the rows to be split over threads.
        const int rows = 300, cols = 300;
        var rng = new Random(3);
        var s = Enumerable.Range(0, rows * cols).Select(_ => (float)rng.NextDouble()).ToArray();
        var exRows = Enumerable.Range(0, 500).Select(b => b % rows).ToArray();
        var exCols = Enumerable.Range(0, 500).Select(b => (b * 7) % cols).ToArray();
        var logQ = Enumerable.Range(0, cols).Select(c => -1f - c % 5).ToArray();
        var g1 = new float[rows * cols];
        var g2 = new float[rows * cols];
        var l1 = new InBatchSoftmaxLoss(0.1f, 1, maskOtherPositives: true).Compute(s, rows, cols, exRows, exCols, logQ, g1);
        var l2 = new InBatchSoftmaxLoss(0.1f, 2, maskOtherPositives: true).Compute(s, rows, cols, exRows, exCols, logQ, g2);
        Assert.AreEqual(l1, l2);
        CollectionAssert.AreEqual(g1, g2);
    }

    [TestMethod]
    public void SampledBce_Gradient_MatchesFiniteDifferences() => CheckGradient(new SampledBceLoss(0.5f), Array.Empty<float>());

    [TestMethod]
    public void Bpr_Gradient_MatchesFiniteDifferences() => CheckGradient(new BprLoss(0.5f), Array.Empty<float>());

    [TestMethod]
    public void Hinge_Gradient_MatchesFiniteDifferences()
    {
        // Random scores in ±1 with margin 0.3: for this seed no pair lies within eps of the kink (the margin itself is pinned by Hinge_GapInsideTheMargin_LossIsTheShortfall).
        CheckGradient(new HingeLoss(0.3f), Array.Empty<float>(), 5e-3);
    }

    [TestMethod]
    public void InBatchSoftmax_TwoColumns_HandComputed()
    {
        var grad = new float[2];
        var loss = new InBatchSoftmaxLoss(1f).Compute(new[] { 1f, 0f }, 1, 2, new[] { 0 }, new[] { 0 }, ReadOnlySpan<float>.Empty, grad);
        Assert.AreEqual(Math.Log(1 + Math.Exp(-1)), loss, 1e-6);
        var p1 = 1 / (1 + Math.Exp(-1));
        Assert.AreEqual(p1 - 1, grad[0], 1e-6);
        Assert.AreEqual(1 - p1, grad[1], 1e-6);
    }

    [TestMethod]
    public void InBatchSoftmax_TemperatureHalf_HandComputed()
    {
        // Logits are scores / T: (2, 0), so the loss is log(1 + e^-2) and each gradient carries 1/T.
        var grad = new float[2];
        var loss = new InBatchSoftmaxLoss(0.5f).Compute(new[] { 1f, 0f }, 1, 2, new[] { 0 }, new[] { 0 }, ReadOnlySpan<float>.Empty, grad);
        Assert.AreEqual(Math.Log(1 + Math.Exp(-2)), loss, 1e-6);
        var p0 = 1 / (1 + Math.Exp(-2));
        Assert.AreEqual((p0 - 1) * 2, grad[0], 1e-5);
        Assert.AreEqual((1 - p0) * 2, grad[1], 1e-5);
    }

    [TestMethod]
    public void Bpr_TwoColumns_HandComputedAndPushesTheNegativeDown()
    {
        // One user, positive in column 0 (score 1), negative column 1 (score 0.2), T = 0.5: x = (1 − 0.2) / 0.5 = 1.6.
        var grad = new float[2];
        var loss = new BprLoss(0.5f).Compute(new[] { 1f, 0.2f }, 1, 2, new[] { 0 }, new[] { 0 }, ReadOnlySpan<float>.Empty, grad);
        var x = 1.6;
        Assert.AreEqual(Math.Log(1 + Math.Exp(-x)), loss, 1e-5);
        var sig = 1 / (1 + Math.Exp(x)); // σ(−x)
        Assert.AreEqual(-sig * 2, grad[0], 1e-5, "descent raises the positive");
        Assert.AreEqual(sig * 2, grad[1], 1e-5, "descent lowers the negative");
    }

    [TestMethod]
    public void SampledBce_ThreeColumns_HandComputedWithTheMeanOverNegatives()
    {
        // softplus(−s⁺/T) + mean over the two negatives of softplus(s⁻/T), T = 0.5.
        var s = new[] { 0.5f, -0.25f, 1f };
        var grad = new float[3];
        var loss = new SampledBceLoss(0.5f).Compute(s, 1, 3, new[] { 0 }, new[] { 0 }, ReadOnlySpan<float>.Empty, grad);
        static double Softplus(double z) => Math.Log(1 + Math.Exp(z));
        static double Sigmoid(double z) => 1 / (1 + Math.Exp(-z));
        Assert.AreEqual(Softplus(-1) + (Softplus(-0.5) + Softplus(2)) / 2, loss, 1e-5);
        Assert.AreEqual(-Sigmoid(-1) * 2, grad[0], 1e-5);
        Assert.AreEqual(Sigmoid(-0.5) * 2 / 2, grad[1], 1e-5);
        Assert.AreEqual(Sigmoid(2) * 2 / 2, grad[2], 1e-5);
    }

    [TestMethod]
    public void Hinge_GapInsideTheMargin_LossIsTheShortfall()
    {
        // Scores 1 and 0.8 with margin 0.5: the gap 0.2 falls 0.3 short; the gradient pushes the pair apart.
        var grad = new float[2];
        var loss = new HingeLoss(0.5f).Compute(new[] { 1f, 0.8f }, 1, 2, new[] { 0 }, new[] { 0 }, ReadOnlySpan<float>.Empty, grad);
        Assert.AreEqual(0.3, loss, 1e-6);
        Assert.AreEqual(-1f, grad[0], 1e-6f);
        Assert.AreEqual(1f, grad[1], 1e-6f);
    }

    [TestMethod]
    public void InBatchSoftmax_LogQ_SubtractsLogProbability()
    {
        var grad = new float[2];
        var logQ = new[] { 0f, MathF.Log(0.25f) };
        var loss = new InBatchSoftmaxLoss(1f).Compute(new[] { 1f, 0f }, 1, 2, new[] { 0 }, new[] { 0 }, logQ, grad);
        // Logits: 1 − 0 and 0 − log 0.25: the rare item's logit rises by log 4.
        var expected = Math.Log(Math.Exp(1) + Math.Exp(-Math.Log(0.25))) - 1;
        Assert.AreEqual(expected, loss, 1e-5);
    }

    [TestMethod]
    public void Hinge_SatisfiedMargin_ZeroLoss()
    {
        var grad = new float[2];
        var loss = new HingeLoss(0.5f).Compute(new[] { 1f, 0.2f }, 1, 2, new[] { 0 }, new[] { 0 }, ReadOnlySpan<float>.Empty, grad);
        Assert.AreEqual(0f, loss);
        Assert.AreEqual(0f, grad[0]);
    }

    [TestMethod]
    public void Bpr_OtherPositiveOfSameUser_IsNotANegative()
    {
        // User 0 has positives in both columns: no negatives remain, so the loss is 0.
        var grad = new float[2];
        var loss = new BprLoss().Compute(new[] { 0f, 3f }, 1, 2, new[] { 0, 0 }, new[] { 0, 1 }, ReadOnlySpan<float>.Empty, grad);
        Assert.AreEqual(0f, loss);
    }

    [TestMethod]
    public void Compute_ColumnOutOfRange_ThrowsNamingExample()
    {
        var ex = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() =>
            new InBatchSoftmaxLoss(1f).Compute(new float[4], 2, 2, new[] { 0 }, new[] { 2 }, ReadOnlySpan<float>.Empty, new float[4]));
        StringAssert.Contains(ex.Message, "Example 0");
    }

    [TestMethod]
    public void Constructor_NonPositiveTemperature_Throws()
    {
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new InBatchSoftmaxLoss(0f));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new SampledBceLoss(float.NaN));
    }

    [TestMethod]
    public void NegativeSampler_NegativeCount_ThrowsNamingTheItem()
    {
        // Found by an audit: a negative count made the cumulative counts fall, so the binary search drew the wrong items and
        // Probability was negative for that item (here −0.5) without a word.
        var ex = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new NegativeSampler(new[] { 5, -3, 4 }, NegativeSampling.Popularity));
        Assert.AreEqual("itemCounts", ex.ParamName);
        StringAssert.Contains(ex.Message, "item 1");
        // Uniform sampling does not read the counts.
        Assert.AreEqual(1 / 3.0, new NegativeSampler(new[] { 5, -3, 4 }, NegativeSampling.Uniform).Probability(1), 1e-12);
    }

    [TestMethod]
    public void NegativeSampler_Popularity_FollowsCounts()
    {
        var sampler = new NegativeSampler(new[] { 0, 1, 3 }, NegativeSampling.Popularity);
        Assert.AreEqual(0.75, sampler.Probability(2), 1e-12);
        var rng = new Random(3);
        var counts = new int[3];
        for (var i = 0; i < 4000; i++) counts[sampler.Sample(rng)]++;
        Assert.AreEqual(0, counts[0]);
        Assert.AreEqual(0.75, counts[2] / 4000.0, 0.03);
    }
}
