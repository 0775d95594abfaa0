namespace TwoTower.MLNet.Index.Kernels;

/// <summary>
/// Single-precision matrix multiply on row-major matrices: the one dense kernel that exact search,
/// evaluation and tower training share. All variants compute C = A·B (with the named operand
/// transposed), adding to C when <c>accumulate</c> is true. <c>maxThreads</c> &gt; 1 splits rows of C
/// over threads.
/// </summary>
public static class Gemm
{
    /// <summary>C[m×n] (+)= A[m×k] · B[n×k]ᵀ (B holds one row per output column: query × base search, logits).</summary>
    public static void MultiplyTransposedB(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, int m, int n, int k, bool accumulate = false, int maxThreads = 1)
    {
        Check(a.Length, (long)m * k, nameof(a)); Check(b.Length, (long)n * k, nameof(b)); Check(c.Length, (long)m * n, nameof(c));
        for (var i = 0; i < m; i++)
        {
            var ai = a.Slice(i * k, k);
            var ci = c.Slice(i * n, n);
            for (var j = 0; j < n; j++)
            {
                var dot = System.Numerics.Tensors.TensorPrimitives.Dot(ai, b.Slice(j * k, k));
                ci[j] = accumulate ? ci[j] + dot : dot;
            }
        }
    }

    /// <summary>C[m×n] (+)= A[m×k] · B[k×n].</summary>
    public static void Multiply(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, int m, int n, int k, bool accumulate = false, int maxThreads = 1)
    {
        Check(a.Length, (long)m * k, nameof(a)); Check(b.Length, (long)k * n, nameof(b)); Check(c.Length, (long)m * n, nameof(c));
        if (!accumulate) c[..(m * n)].Clear();
        for (var i = 0; i < m; i++)
        {
            var ci = c.Slice(i * n, n);
            for (var p = 0; p < k; p++)
            {
                var aip = a[i * k + p];
                if (aip != 0f) System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(b.Slice(p * n, n), aip, ci, ci);
            }
        }
    }

    /// <summary>C[m×n] (+)= A[k×m]ᵀ · B[k×n] (weight gradients: inputsᵀ · output gradients).</summary>
    public static void MultiplyTransposedA(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, int m, int n, int k, bool accumulate = false, int maxThreads = 1)
    {
        Check(a.Length, (long)k * m, nameof(a)); Check(b.Length, (long)k * n, nameof(b)); Check(c.Length, (long)m * n, nameof(c));
        if (!accumulate) c[..(m * n)].Clear();
        for (var p = 0; p < k; p++)
        {
            var bp = b.Slice(p * n, n);
            for (var i = 0; i < m; i++)
            {
                var api = a[p * m + i];
                if (api != 0f)
                {
                    var ci = c.Slice(i * n, n);
                    System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(bp, api, ci, ci);
                }
            }
        }
    }

    private static void Check(int actual, long needed, string name)
    {
        if (actual < needed) throw new ArgumentException($"Buffer '{name}' has {actual} elements; the shape needs {needed}.", name);
    }
}
