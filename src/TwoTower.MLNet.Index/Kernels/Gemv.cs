using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace TwoTower.MLNet.Index.Kernels;

/// <summary>
/// Single-precision matrix–vector products on a row-major matrix, for one query at a time (a new user's fold-in, one
/// score row). <see cref="Gemm"/> would pack the whole matrix on every call and fill only one of its eight kernel rows.
/// </summary>
public static class Gemv
{
    /// <summary>y[n] = M[n×k] · x[k]: one dot product per row of M.</summary>
    public static void Multiply(ReadOnlySpan<float> matrix, int rows, int columns, ReadOnlySpan<float> x, Span<float> y)
    {
        CheckShape(matrix.Length, rows, columns);
        Check(x.Length, columns, nameof(x)); Check(y.Length, rows, nameof(y));
        if (!Vector512.IsHardwareAccelerated || !Avx.IsSupported || columns < Vector512<float>.Count)
        {
            for (var r = 0; r < rows; r++) y[r] = TensorPrimitives.Dot(matrix.Slice(r * columns, columns), x[..columns]);
            return;
        }
        ref var m0 = ref MemoryMarshal.GetReference(matrix);
        ref var x0 = ref MemoryMarshal.GetReference(x);
        ref var y0 = ref MemoryMarshal.GetReference(y);
        var body = columns & ~(Vector512<float>.Count - 1);
        var r4 = 0;
        // Four rows share each load of x; four accumulators hide the FMA latency.
        for (; r4 + 4 <= rows; r4 += 4)
        {
            ref var a = ref Unsafe.Add(ref m0, r4 * columns);
            ref var b = ref Unsafe.Add(ref a, columns);
            ref var c = ref Unsafe.Add(ref b, columns);
            ref var d = ref Unsafe.Add(ref c, columns);
            Vector512<float> s0 = default, s1 = default, s2 = default, s3 = default;
            for (var j = 0; j < body; j += Vector512<float>.Count)
            {
                var xv = Vector512.LoadUnsafe(ref x0, (nuint)j);
                s0 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref a, (nuint)j), xv, s0);
                s1 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref b, (nuint)j), xv, s1);
                s2 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref c, (nuint)j), xv, s2);
                s3 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref d, (nuint)j), xv, s3);
            }
            // The four horizontal sums in one tree (halves, then pairwise adds): four separate sums took a third of the time at k = 64.
            var h = Avx.HorizontalAdd(Avx.HorizontalAdd(s0.GetLower() + s0.GetUpper(), s1.GetLower() + s1.GetUpper()),
                Avx.HorizontalAdd(s2.GetLower() + s2.GetUpper(), s3.GetLower() + s3.GetUpper()));
            var t = h.GetLower() + h.GetUpper();
            if (body < columns)
            {
                float t0 = 0, t1 = 0, t2 = 0, t3 = 0;
                for (var j = body; j < columns; j++)
                {
                    var xj = Unsafe.Add(ref x0, j);
                    t0 += Unsafe.Add(ref a, j) * xj; t1 += Unsafe.Add(ref b, j) * xj; t2 += Unsafe.Add(ref c, j) * xj; t3 += Unsafe.Add(ref d, j) * xj;
                }
                t += Vector128.Create(t0, t1, t2, t3);
            }
            t.StoreUnsafe(ref y0, (nuint)r4);
        }
        for (; r4 < rows; r4++) y[r4] = TensorPrimitives.Dot(matrix.Slice(r4 * columns, columns), x[..columns]);
    }

    /// <summary>y[k] = M[n×k]ᵀ · w[n] = Σ_r w_r · M_r: a weighted sum of the rows of M.</summary>
    public static void MultiplyTransposed(ReadOnlySpan<float> matrix, int rows, int columns, ReadOnlySpan<float> w, Span<float> y)
    {
        CheckShape(matrix.Length, rows, columns);
        Check(w.Length, rows, nameof(w)); Check(y.Length, columns, nameof(y));
        y[..columns].Clear();
        if (!Vector512.IsHardwareAccelerated || columns < Vector512<float>.Count)
        {
            for (var r = 0; r < rows; r++) TensorPrimitives.MultiplyAdd(matrix.Slice(r * columns, columns), w[r], y[..columns], y[..columns]);
            return;
        }
        ref var m0 = ref MemoryMarshal.GetReference(matrix);
        ref var w0 = ref MemoryMarshal.GetReference(w);
        ref var y0 = ref MemoryMarshal.GetReference(y);
        const int V = 16; // Vector512<float>.Count
        var c0 = 0;
        // Sixty-four columns stay in four registers across every row, so y is written once.
        for (; c0 + 4 * V <= columns; c0 += 4 * V)
        {
            Vector512<float> s0 = default, s1 = default, s2 = default, s3 = default;
            ref var row = ref Unsafe.Add(ref m0, c0);
            for (var r = 0; r < rows; r++, row = ref Unsafe.Add(ref row, columns))
            {
                var wr = Vector512.Create(Unsafe.Add(ref w0, r));
                s0 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref row), wr, s0);
                s1 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref row, V), wr, s1);
                s2 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref row, 2 * V), wr, s2);
                s3 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref row, 3 * V), wr, s3);
            }
            s0.StoreUnsafe(ref y0, (nuint)c0); s1.StoreUnsafe(ref y0, (nuint)(c0 + V)); s2.StoreUnsafe(ref y0, (nuint)(c0 + 2 * V)); s3.StoreUnsafe(ref y0, (nuint)(c0 + 3 * V));
        }
        for (; c0 + V <= columns; c0 += V)
        {
            Vector512<float> s = default;
            ref var row = ref Unsafe.Add(ref m0, c0);
            for (var r = 0; r < rows; r++, row = ref Unsafe.Add(ref row, columns))
                s = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref row), Vector512.Create(Unsafe.Add(ref w0, r)), s);
            s.StoreUnsafe(ref y0, (nuint)c0);
        }
        for (; c0 < columns; c0++)
        {
            var s = 0f;
            for (var r = 0; r < rows; r++) s += Unsafe.Add(ref m0, r * columns + c0) * Unsafe.Add(ref w0, r);
            Unsafe.Add(ref y0, c0) = s;
        }
    }

    private static void CheckShape(int length, int rows, int columns)
    {
        if (rows < 0) throw new ArgumentOutOfRangeException(nameof(rows), rows, "Row count must be ≥ 0.");
        if (columns < 0) throw new ArgumentOutOfRangeException(nameof(columns), columns, "Column count must be ≥ 0.");
        Check(length, (long)rows * columns, "matrix");
    }

    private static void Check(int actual, long needed, string name)
    {
        if (actual < needed) throw new ArgumentException($"Buffer '{name}' has {actual} elements; the shape needs {needed}.", name);
    }
}
