using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace TwoTower.MLNet.MatrixFactorization;

/// <summary>
/// In-place Cholesky factorisation and solve of one small symmetric positive definite k × k system
/// (the per-row normal equations of ALS). Row-major, upper factor A = UᵀU so that every inner loop runs over a
/// contiguous row. Only the upper triangle is meaningful; the strict lower triangle is scratch.
/// </summary>
internal static class SmallCholesky
{
    /// <summary>
    /// Overwrites the upper triangle of <paramref name="a"/> (k × k, only the upper triangle is read) with U.
    /// Returns false when a pivot is not positive (the matrix is not positive definite).
    /// </summary>
    public static unsafe bool Factor(Span<float> a, int k)
    {
        if (a.Length < k * k) throw new ArgumentException($"a has {a.Length} values; expected k² = {k * k}.", nameof(a));
        fixed (float* pa = a)
        {
            for (var j = 0; j < k; j++)
            {
                var rowJ = pa + j * k;
                var d = rowJ[j];
                if (!(d > 0f) || !float.IsFinite(d)) return false;
                var inv = 1f / MathF.Sqrt(d);
                for (var c = j; c < k; c++) rowJ[c] *= inv;
                // Right-looking update of the trailing rows: A[i, i..] -= U[j, i] · U[j, i..]. The update starts at an
                // aligned-down column so whole vectors are used; the extra columns are in the (unused) lower triangle.
                for (var i = j + 1; i < k; i++)
                {
                    var u = rowJ[i];
                    if (u != 0f) AxpyFrom(pa + i * k, rowJ, -u, i, k);
                }
            }
        }
        return true;
    }

    /// <summary>Solves UᵀU x = b with the factor from <see cref="Factor"/>; <paramref name="b"/> is overwritten by x.</summary>
    public static void Solve(ReadOnlySpan<float> u, int k, Span<float> b)
    {
        // Forward: Uᵀ z = b, column j of Uᵀ is row j of U.
        for (var j = 0; j < k; j++)
        {
            var z = b[j] / u[j * k + j];
            b[j] = z;
            for (var c = j + 1; c < k; c++) b[c] -= u[j * k + c] * z;
        }
        // Backward: U x = z.
        for (var i = k - 1; i >= 0; i--)
        {
            var s = b[i];
            if (i + 1 < k) s -= TensorPrimitives.Dot(u.Slice(i * k + i + 1, k - i - 1), b.Slice(i + 1));
            b[i] = s / u[i * k + i];
        }
    }

    // dst[c] += s · src[c] for c in [start aligned down to the vector width, k).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void AxpyFrom(float* dst, float* src, float s, int start, int k)
    {
        var c = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            c = start & ~15;
            var vs = Vector512.Create(s);
            for (; c + 16 <= k; c += 16)
                Vector512.FusedMultiplyAdd(Vector512.Load(src + c), vs, Vector512.Load(dst + c)).Store(dst + c);
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            c = start & ~7;
            var vs = Vector256.Create(s);
            for (; c + 8 <= k; c += 8)
                Vector256.FusedMultiplyAdd(Vector256.Load(src + c), vs, Vector256.Load(dst + c)).Store(dst + c);
        }
        else c = start;
        for (c = Math.Max(c, start); c < k; c++) dst[c] += s * src[c];
    }
}
