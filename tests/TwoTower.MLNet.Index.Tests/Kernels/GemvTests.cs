using TwoTower.MLNet.Index.Kernels;

namespace TwoTower.MLNet.Index.Tests.Kernels;

[TestClass]
public sealed class GemvTests
{
    // Row counts around the four-row block, column counts around the 16- and 64-wide vector blocks.
    private static readonly int[] Rows = [0, 1, 3, 4, 5, 9, 17];
    private static readonly int[] Columns = [0, 1, 15, 16, 17, 63, 64, 65, 100, 129];

    private static float[] Random(int count, Random rng)
    {
        var x = new float[count];
        for (var i = 0; i < x.Length; i++) x[i] = (float)(rng.NextDouble() * 2 - 1);
        return x;
    }

    private static void AssertClose(double expected, float actual, int terms, string where)
    {
        var tol = 1e-5 * (terms + 1) * (1 + Math.Abs(expected));
        Assert.IsLessThanOrEqualTo(tol, Math.Abs(expected - actual), $"{where}: expected {expected}, got {actual}.");
    }

    [TestMethod]
    public void Multiply_EveryShape_MatchesRowDotProducts()
    {
        var rng = new Random(3);
        foreach (var n in Rows)
            foreach (var k in Columns)
            {
                var m = Random(n * k, rng);
                var x = Random(k, rng);
                var y = Random(n + 2, rng); // longer than needed: the extra values must stay untouched
                var tail = y[n..].ToArray();
                Gemv.Multiply(m, n, k, x, y);
                for (var r = 0; r < n; r++)
                {
                    double s = 0;
                    for (var j = 0; j < k; j++) s += (double)m[r * k + j] * x[j];
                    AssertClose(s, y[r], k, $"n={n} k={k} row {r}");
                }
                CollectionAssert.AreEqual(tail, y[n..], $"n={n} k={k}: values past the result changed.");
            }
    }

    [TestMethod]
    public void MultiplyTransposed_EveryShape_MatchesWeightedRowSum()
    {
        var rng = new Random(4);
        foreach (var n in Rows)
            foreach (var k in Columns)
            {
                var m = Random(n * k, rng);
                var w = Random(n, rng);
                var y = Random(k, rng); // stale values: the product overwrites, it does not accumulate
                Gemv.MultiplyTransposed(m, n, k, w, y);
                for (var j = 0; j < k; j++)
                {
                    double s = 0;
                    for (var r = 0; r < n; r++) s += (double)m[r * k + j] * w[r];
                    AssertClose(s, y[j], n, $"n={n} k={k} column {j}");
                }
            }
    }

    [TestMethod]
    public void Multiply_ShortBuffers_NameTheArgument()
    {
        var m = new float[12];
        var ex = Assert.ThrowsExactly<ArgumentException>(() => Gemv.Multiply(m, 4, 4, new float[4], new float[4]));
        Assert.AreEqual("matrix", ex.ParamName);
        StringAssert.Contains(ex.Message, "needs 16");
        Assert.AreEqual("x", Assert.ThrowsExactly<ArgumentException>(() => Gemv.Multiply(m, 3, 4, new float[3], new float[3])).ParamName);
        Assert.AreEqual("y", Assert.ThrowsExactly<ArgumentException>(() => Gemv.Multiply(m, 3, 4, new float[4], new float[2])).ParamName);
        Assert.AreEqual("w", Assert.ThrowsExactly<ArgumentException>(() => Gemv.MultiplyTransposed(m, 3, 4, new float[2], new float[4])).ParamName);
        Assert.AreEqual("y", Assert.ThrowsExactly<ArgumentException>(() => Gemv.MultiplyTransposed(m, 3, 4, new float[3], new float[3])).ParamName);
        Assert.AreEqual("rows", Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => Gemv.Multiply(m, -1, 4, new float[4], new float[4])).ParamName);
    }
}
