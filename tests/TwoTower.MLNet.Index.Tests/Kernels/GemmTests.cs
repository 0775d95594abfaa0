using TwoTower.MLNet.Index.Kernels;

namespace TwoTower.MLNet.Index.Tests.Kernels;

[TestClass]
public sealed class GemmTests
{
    private static readonly (int M, int N, int K)[] Shapes =
    [
        (1, 1, 1), (1, 17, 3), (3, 1, 5), (7, 33, 1), (8, 32, 16), (9, 31, 17), (17, 65, 300), (130, 70, 257), (5, 4100, 9), (64, 64, 64), (2, 3, 0),
        // Wide C with few rows: threads split the columns, and one thread's share crosses the NC block.
        (5, 4100, 64), (3, 9000, 40), (40, 200, 300),
        // One row of C: the matrix-vector path.
        (1, 1000, 64), (1, 33, 129),
    ];

    private static float[] Random(int count, int seed)
    {
        var rng = new Random(seed);
        var x = new float[count];
        for (var i = 0; i < x.Length; i++) x[i] = (float)(rng.NextDouble() * 2 - 1);
        return x;
    }

    // Reference: C(i,j) = Σ_p A(i,p)·B(p,j) with A and B given by element accessors.
    private static float[] Naive(int m, int n, int k, Func<int, int, float> a, Func<int, int, float> b, float[] c0, bool accumulate)
    {
        var c = (float[])c0.Clone();
        for (var i = 0; i < m; i++)
            for (var j = 0; j < n; j++)
            {
                double s = 0;
                for (var p = 0; p < k; p++) s += a(i, p) * b(p, j);
                c[i * n + j] = (float)(accumulate ? c[i * n + j] + s : s);
            }
        return c;
    }

    private static void AssertClose(float[] expected, float[] actual, int k)
    {
        var tol = 1e-5f * (k + 1) + 1e-5f;
        for (var i = 0; i < expected.Length; i++)
            if (Math.Abs(expected[i] - actual[i]) > tol * (1 + Math.Abs(expected[i])))
                Assert.Fail($"Element {i}: expected {expected[i]}, got {actual[i]}.");
    }

    [TestMethod]
    public void AllVariants_OddShapes_MatchNaiveTripleLoop()
    {
        var seed = 0;
        foreach (var (m, n, k) in Shapes)
            foreach (var accumulate in new[] { false, true })
                foreach (var threads in new[] { 1, 2 })
                {
                    var c0 = Random(m * n, ++seed);
                    // Multiply: A m×k, B k×n.
                    var a = Random(m * k, ++seed);
                    var b = Random(k * n, ++seed);
                    var c = (float[])c0.Clone();
                    Gemm.Multiply(a, b, c, m, n, k, accumulate, threads);
                    AssertClose(Naive(m, n, k, (i, p) => a[i * k + p], (p, j) => b[p * n + j], c0, accumulate), c, k);
                    // MultiplyTransposedB: B n×k.
                    var bt = Random(n * k, ++seed);
                    c = (float[])c0.Clone();
                    Gemm.MultiplyTransposedB(a, bt, c, m, n, k, accumulate, threads);
                    AssertClose(Naive(m, n, k, (i, p) => a[i * k + p], (p, j) => bt[j * k + p], c0, accumulate), c, k);
                    // MultiplyTransposedA: A k×m.
                    var at = Random(k * m, ++seed);
                    c = (float[])c0.Clone();
                    Gemm.MultiplyTransposedA(at, b, c, m, n, k, accumulate, threads);
                    AssertClose(Naive(m, n, k, (i, p) => at[p * m + i], (p, j) => b[p * n + j], c0, accumulate), c, k);
                }
    }

    [TestMethod]
    public void Multiply_HandComputed2x2_ExactProduct()
    {
        float[] a = [1, 2, 3, 4], b = [5, 6, 7, 8];
        var c = new float[4];
        Gemm.Multiply(a, b, c, 2, 2, 2);
        CollectionAssert.AreEqual(new float[] { 19, 22, 43, 50 }, c);
        Gemm.MultiplyTransposedB(a, b, c, 2, 2, 2, accumulate: true);
        CollectionAssert.AreEqual(new float[] { 19 + 17, 22 + 23, 43 + 39, 50 + 53 }, c);
    }

    [TestMethod]
    public void Multiply_LargeThreaded_EqualsSingleThreaded()
    {
        const int m = 300, n = 200, k = 100;
        var a = Random(m * k, 1); var b = Random(n * k, 2);
        var c1 = new float[m * n]; var c2 = new float[m * n];
        Gemm.MultiplyTransposedB(a, b, c1, m, n, k, maxThreads: 1);
        Gemm.MultiplyTransposedB(a, b, c2, m, n, k, maxThreads: 2);
        CollectionAssert.AreEqual(c1, c2);
    }

    [TestMethod]
    public void Multiply_TooSmallBuffers_ThrowWithArgumentName()
    {
        var ex = Assert.ThrowsExactly<ArgumentException>(() => Gemm.Multiply(new float[5], new float[6], new float[6], 2, 2, 3));
        Assert.AreEqual("a", ex.ParamName);
        StringAssert.Contains(ex.Message, "needs 6");
        ex = Assert.ThrowsExactly<ArgumentException>(() => Gemm.MultiplyTransposedB(new float[6], new float[5], new float[4], 2, 2, 3));
        Assert.AreEqual("b", ex.ParamName);
        ex = Assert.ThrowsExactly<ArgumentException>(() => Gemm.MultiplyTransposedA(new float[6], new float[6], new float[3], 2, 2, 3));
        Assert.AreEqual("c", ex.ParamName);
    }

    [TestMethod]
    public void Multiply_NegativeDimensionOrThreads_Throws()
    {
        Assert.AreEqual("m", Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => Gemm.Multiply([], [], new float[1], -1, 1, 1)).ParamName);
        Assert.AreEqual("n", Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => Gemm.MultiplyTransposedB([], [], new float[1], 1, -2, 1)).ParamName);
        Assert.AreEqual("k", Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => Gemm.MultiplyTransposedA([], [], new float[1], 1, 1, -3)).ParamName);
        Assert.AreEqual("maxThreads", Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => Gemm.Multiply(new float[1], new float[1], new float[1], 1, 1, 1, maxThreads: 0)).ParamName);
    }

    [TestMethod]
    public void Multiply_ZeroInnerDimension_ClearsOrKeepsC()
    {
        var c = new float[] { 1, 2 };
        Gemm.Multiply([], [], c, 1, 2, 0, accumulate: true);
        CollectionAssert.AreEqual(new float[] { 1, 2 }, c);
        Gemm.Multiply([], [], c, 1, 2, 0);
        CollectionAssert.AreEqual(new float[] { 0, 0 }, c);
    }
}
