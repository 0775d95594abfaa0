using TwoTower.MLNet.Losses;

namespace TwoTower.MLNet.Tests.Losses;

// Found by an audit: with the held-out history (one score row per example) the losses were not told which rows are the same
// user, so MaskSameUserPositives did nothing and BPR, hinge and BCE used a user's other positives of the batch as its negatives.
[TestClass]
public sealed class RowUsersLossTests
{
    private const int Columns = 5;

    // User A has examples at columns 0 and 1, user B one at column 2; columns 3 and 4 are extra negatives.
    private static readonly float[] ScoresA = { 0.3f, -0.2f, 0.5f, 0.1f, -0.4f };
    private static readonly float[] ScoresB = { -0.1f, 0.6f, 0.2f, -0.3f, 0.4f };

    private static IRetrievalLoss Create(string kind) => kind switch
    {
        "bce" => new SampledBceLoss(0.5f),
        "bpr" => new BprLoss(0.5f),
        "hinge" => new HingeLoss(0.7f),
        "softmax" => new InBatchSoftmaxLoss(0.5f),
        _ => new InBatchSoftmaxLoss(0.5f, maskOtherPositives: true),
    };

    [TestMethod]
    [DataRow("masked softmax")]
    [DataRow("softmax")]
    [DataRow("bce")]
    [DataRow("bpr")]
    [DataRow("hinge")]
    public void Compute_OneRowPerExampleWithRowUsers_SameAsOneRowPerUser(string kind)
    {
        // Per user: rows A, B with examples (A,0), (A,1), (B,2).
        var perUser = new float[2 * Columns];
        ScoresA.CopyTo(perUser, 0);
        ScoresB.CopyTo(perUser, Columns);
        var gradPerUser = new float[2 * Columns];
        var lossPerUser = Create(kind).Compute(perUser, 2, Columns, new[] { 0, 0, 1 }, new[] { 0, 1, 2 }, ReadOnlySpan<float>.Empty, gradPerUser);

        // Per example: rows A, A, B (the same user vectors), the first two of user 0.
        var perExample = new float[3 * Columns];
        ScoresA.CopyTo(perExample, 0);
        ScoresA.CopyTo(perExample, Columns);
        ScoresB.CopyTo(perExample, 2 * Columns);
        var gradPerExample = new float[3 * Columns];
        var lossPerExample = Create(kind).Compute(perExample, 3, Columns, new[] { 0, 1, 2 }, new[] { 0, 1, 2 }, ReadOnlySpan<float>.Empty,
            ReadOnlySpan<float>.Empty, new[] { 0, 0, 1 }, gradPerExample);

        Assert.AreEqual(lossPerUser, lossPerExample, 1e-6f, $"{kind}: loss");
        for (var c = 0; c < Columns; c++)
        {
            Assert.AreEqual(gradPerUser[c], gradPerExample[c] + gradPerExample[Columns + c], 1e-6f, $"{kind}: user A's gradient, column {c}");
            Assert.AreEqual(gradPerUser[Columns + c], gradPerExample[2 * Columns + c], 1e-6f, $"{kind}: user B's gradient, column {c}");
        }
    }

    [TestMethod]
    [DataRow("masked softmax")]
    [DataRow("bce")]
    [DataRow("bpr")]
    public void Compute_RowUsers_GradientMatchesFiniteDifferences(string kind)
    {
        var loss = Create(kind);
        var rng = new Random(5);
        var s = Enumerable.Range(0, 4 * Columns).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
        int[] rows = { 0, 1, 2, 3 }, columns = { 0, 1, 2, 1 }, users = { 1, 1, 0, 1 };
        float[] logQ = { -1f, -2f, -0.5f, -3f, -1.5f }, weights = { 1f, 2f, 0.5f, 1.5f };
        var grad = new float[s.Length];
        loss.Compute(s, 4, Columns, rows, columns, logQ, weights, users, grad);
        var scratch = new float[s.Length];
        const float eps = 1e-2f;
        for (var i = 0; i < s.Length; i++)
        {
            var orig = s[i];
            s[i] = orig + eps;
            var plus = loss.Compute(s, 4, Columns, rows, columns, logQ, weights, users, scratch);
            s[i] = orig - eps;
            var minus = loss.Compute(s, 4, Columns, rows, columns, logQ, weights, users, scratch);
            s[i] = orig;
            var numeric = (plus - minus) / (2 * eps);
            Assert.AreEqual(numeric, grad[i], 2e-3, $"{kind}: ∂loss/∂s[{i}] analytic {grad[i]} vs finite difference {numeric}");
        }
    }

    [TestMethod]
    public void Compute_RowUserOutOfRange_ThrowsNamingRow()
    {
        var ex = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() =>
            new BprLoss().Compute(new float[2 * Columns], 2, Columns, new[] { 0, 1 }, new[] { 0, 1 }, ReadOnlySpan<float>.Empty, ReadOnlySpan<float>.Empty, new[] { 0, 2 }, new float[2 * Columns]));
        StringAssert.Contains(ex.Message, "Row 1: user index must be in [0, 2)");
    }
}
