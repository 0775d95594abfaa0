using System.Numerics.Tensors;
using TwoTower.MLNet.Index.Common;
using TwoTower.MLNet.Index.Kernels;
using TwoTower.MLNet.Training;

namespace TwoTower.MLNet.MatrixFactorization;

/// <summary>
/// Inverse of a dense symmetric positive definite matrix (the EASE item Gram matrix): blocked right-looking
/// Cholesky A = LLᵀ, blocked triangular inverse Z = L⁻¹, then A⁻¹ = ZᵀZ. The O(n³) work runs in <see cref="Gemm"/>;
/// the O(n² · block) panel solves run in parallel over rows. Cancellation is checked between blocks, so a cancelled fit
/// stops within one block's work (n² · 256 multiply-adds at most) rather than after the whole O(n³) inverse.
/// </summary>
internal static class DenseSpdInverse
{
    internal const int Block = 128;

    // Rows of Z per step of ZᵀZ: a multiple of the GEMM's depth block (256), so the steps add up as one call does, bit for bit.
    private const int ProductRows = 2 * Block;

    /// <summary>Returns A⁻¹ (n × n, row-major, symmetric). <paramref name="a"/> is overwritten (its lower triangle holds L).</summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public static float[] Invert(float[] a, int n, int threads, CancellationToken cancellationToken = default)
    {
        if (a.Length != (long)n * n) throw new ArgumentException($"a has {a.Length} values; expected n² = {(long)n * n}.", nameof(a));
        FactorLower(a, n, threads, cancellationToken);
        var z = InvertLower(a, n, threads, cancellationToken);
        var p = new float[(long)n * n];
        for (var r0 = 0; r0 < n; r0 += ProductRows)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var rows = Math.Min(ProductRows, n - r0);
            var zRows = z.AsSpan(r0 * n, rows * n);
            Gemm.MultiplyTransposedA(zRows, zRows, p, n, n, rows, accumulate: r0 > 0, maxThreads: threads);
        }
        return p;
    }

    /// <summary>In-place blocked Cholesky: the lower triangle of <paramref name="a"/> becomes L (the upper triangle is left as is).</summary>
    public static void FactorLower(float[] a, int n, int threads, CancellationToken cancellationToken = default)
    {
        var panel = new float[(long)n * Block];
        var trailing = new float[(long)n * n];
        for (var k0 = 0; k0 < n; k0 += Block)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var kb = Math.Min(Block, n - k0);
            FactorDiagonalBlock(a, n, k0, kb);
            var r0 = k0 + kb;
            var r = n - r0;
            if (r == 0) break;
            // Panel: L[i, k0:k0+kb] solves x · L_kkᵀ = A[i, k0:k0+kb]; copied to a contiguous panel for the GEMM.
            // The caller takes rows too: Parallel.For waited for a pool thread when a fit was called from outside a busy pool.
            CallerLedLoop.For(r, threads, q =>
            {
                cancellationToken.ThrowIfCancellationRequested();
                var i = r0 + q;
                var row = a.AsSpan(i * n + k0, kb);
                for (var j = 0; j < kb; j++)
                {
                    var s = row[j] - TensorPrimitives.Dot(row[..j], a.AsSpan((k0 + j) * n + k0, j));
                    row[j] = s / a[(k0 + j) * n + k0 + j];
                }
                row.CopyTo(panel.AsSpan(q * kb, kb));
            });
            // Trailing update A22 -= L21 L21ᵀ (lower triangle only is kept).
            var pan = panel.AsSpan(0, r * kb);
            var t = trailing.AsSpan(0, r * r);
            Gemm.MultiplyTransposedB(pan, pan, t, r, r, kb, maxThreads: threads);
            CallerLedLoop.For(r, threads, q =>
            {
                cancellationToken.ThrowIfCancellationRequested();
                var dst = a.AsSpan((r0 + q) * n + r0, q + 1);
                TensorPrimitives.Subtract(dst, trailing.AsSpan(q * r, q + 1), dst);
            });
        }
    }

    private static void FactorDiagonalBlock(float[] a, int n, int k0, int kb)
    {
        // Unblocked in double: the diagonal blocks carry all pivots, so their rounding matters most.
        var d = new double[kb * kb];
        for (var i = 0; i < kb; i++)
            for (var j = 0; j <= i; j++) d[i * kb + j] = a[(k0 + i) * n + k0 + j];
        for (var j = 0; j < kb; j++)
        {
            var s = d[j * kb + j];
            for (var l = 0; l < j; l++) s -= d[j * kb + l] * d[j * kb + l];
            if (!(s > 0) || !double.IsFinite(s))
                throw new TrainingFailedException($"The matrix is not positive definite (pivot {k0 + j} is {s}); increase the regularisation.");
            var piv = Math.Sqrt(s);
            d[j * kb + j] = piv;
            for (var i = j + 1; i < kb; i++)
            {
                var t = d[i * kb + j];
                for (var l = 0; l < j; l++) t -= d[i * kb + l] * d[j * kb + l];
                d[i * kb + j] = t / piv;
            }
        }
        for (var i = 0; i < kb; i++)
            for (var j = 0; j <= i; j++) a[(k0 + i) * n + k0 + j] = (float)d[i * kb + j];
    }

    /// <summary>
    /// Z = L⁻¹ by row blocks: Z[I, :] = L_II⁻¹ (E_I − L[I, 0:i0] · Z[0:i0, 0:i0]), reading L from the lower triangle of <paramref name="l"/>.
    /// </summary>
    public static float[] InvertLower(float[] l, int n, int threads, CancellationToken cancellationToken = default)
    {
        var z = new float[(long)n * n];
        var lBlock = new float[(long)Block * n];
        var zTop = new float[(long)n * n];
        var prod = new float[(long)Block * n];
        var rhsBuf = new float[(long)Block * n];
        for (var i0 = 0; i0 < n; i0 += Block)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var ib = Math.Min(Block, n - i0);
            var width = i0 + ib;
            var rhs = rhsBuf.AsSpan(0, ib * width);
            rhs.Clear();
            if (i0 > 0)
            {
                // S = L[I, 0:i0] · Z[0:i0, 0:i0], both copied to contiguous buffers for the GEMM.
                for (var q = 0; q < ib; q++) l.AsSpan((i0 + q) * n, i0).CopyTo(lBlock.AsSpan(q * i0, i0));
                for (var q = 0; q < i0; q++) z.AsSpan(q * n, i0).CopyTo(zTop.AsSpan(q * i0, i0));
                Gemm.Multiply(lBlock.AsSpan(0, ib * i0), zTop.AsSpan(0, i0 * i0), prod.AsSpan(0, ib * i0), ib, i0, i0, maxThreads: threads);
            }
            // RHS row q: [−S[q, :], e_q] over columns 0..width.
            for (var q = 0; q < ib; q++)
            {
                var dst = rhs.Slice(q * width, width);
                if (i0 > 0) TensorPrimitives.Negate(prod.AsSpan(q * i0, i0), dst[..i0]);
                dst[i0 + q] = 1f;
            }
            // Forward substitution with the diagonal block; each step is one vector operation over the row.
            for (var q = 0; q < ib; q++)
            {
                var row = rhs.Slice(q * width, width);
                for (var j = 0; j < q; j++)
                {
                    var lij = l[(i0 + q) * n + i0 + j];
                    if (lij != 0f) TensorPrimitives.MultiplyAdd(rhs.Slice(j * width, width), -lij, row, row);
                }
                TensorPrimitives.Multiply(row, 1f / l[(i0 + q) * n + i0 + q], row);
                row.CopyTo(z.AsSpan((i0 + q) * n, width));
            }
        }
        return z;
    }
}
