using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace TwoTower.MLNet.Index.Kernels;

/// <summary>
/// Single-precision matrix multiply on row-major matrices: the one dense kernel that exact search,
/// evaluation and tower training share. All variants compute C = A·B (with the named operand
/// transposed), adding to C when <c>accumulate</c> is true. <c>maxThreads</c> &gt; 1 splits rows of C
/// over threads.
/// </summary>
/// <remarks>
/// GotoBLAS/BLIS structure: panels of B (KC × NR) and A (MC × KC) are packed into contiguous buffers,
/// and an MR × NR register-blocked micro-kernel (8 rows × 32 columns = 16 AVX-512 accumulators, FMA)
/// sweeps them. Edge tiles run the same kernel on zero-padded panels into a scratch tile.
/// </remarks>
public static class Gemm
{
    internal const int MR = 8, NR = 32, KC = 256, MC = 128, NC = 4096;

    /// <summary>C[m×n] (+)= A[m×k] · B[n×k]ᵀ (B holds one row per output column: query × base search, logits).</summary>
    public static void MultiplyTransposedB(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, int m, int n, int k, bool accumulate = false, int maxThreads = 1)
    {
        CheckShape(m, n, k, maxThreads);
        Check(a.Length, (long)m * k, nameof(a)); Check(b.Length, (long)n * k, nameof(b)); Check(c.Length, (long)m * n, nameof(c));
        Run(a, k, 1, b, 1, k, c, m, n, k, accumulate, maxThreads);
    }

    /// <summary>C[m×n] (+)= A[m×k] · B[k×n].</summary>
    public static void Multiply(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, int m, int n, int k, bool accumulate = false, int maxThreads = 1)
    {
        CheckShape(m, n, k, maxThreads);
        Check(a.Length, (long)m * k, nameof(a)); Check(b.Length, (long)k * n, nameof(b)); Check(c.Length, (long)m * n, nameof(c));
        Run(a, k, 1, b, n, 1, c, m, n, k, accumulate, maxThreads);
    }

    /// <summary>C[m×n] (+)= A[k×m]ᵀ · B[k×n] (weight gradients: inputsᵀ · output gradients).</summary>
    public static void MultiplyTransposedA(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, int m, int n, int k, bool accumulate = false, int maxThreads = 1)
    {
        CheckShape(m, n, k, maxThreads);
        Check(a.Length, (long)k * m, nameof(a)); Check(b.Length, (long)k * n, nameof(b)); Check(c.Length, (long)m * n, nameof(c));
        Run(a, 1, m, b, n, 1, c, m, n, k, accumulate, maxThreads);
    }

    // A(i,p) = a[i*rsA + p*csA]; B(p,j) = b[p*rsB + j*csB]; C is m×n row-major.
    private static unsafe void Run(ReadOnlySpan<float> a, int rsA, int csA, ReadOnlySpan<float> b, int rsB, int csB, Span<float> c, int m, int n, int k, bool accumulate, int maxThreads)
    {
        if (m == 0 || n == 0) return;
        if (k == 0)
        {
            if (!accumulate) c[..(m * n)].Clear();
            return;
        }
        // One row of C (a single query): packing would copy all of B to fill one of the kernel's eight rows.
        if (m == 1 && !accumulate && (rsB == 1 || csB == 1))
        {
            var row = a[..k]; // A(0, p) = a[p·csA], and csA is 1 whenever m is 1
            if (rsB == 1) Gemv.Multiply(b, n, k, row, c);
            else Gemv.MultiplyTransposed(b, k, n, row, c);
            return;
        }
        // Each thread needs a few MR-row (or NR-column) blocks to be worth its own packing.
        var rowThreads = (int)Math.Min(maxThreads, Math.Max(1, (m + 4 * MR - 1) / (4 * MR)));
        var columnThreads = (int)Math.Min(maxThreads, Math.Max(1, (n + 2 * NR - 1) / (2 * NR)));
        // Every thread packs the whole of the operand it does not split: split the one whose other operand is smaller.
        var byColumns = m < n && columnThreads > 1;
        var threads = byColumns ? columnThreads : rowThreads;
        if ((long)m * n * k < 1L << 18) threads = 1;
        fixed (float* pa = a, pb = b, pc = c)
        {
            if (threads == 1)
            {
                RunBlock(pa, rsA, csA, pb, rsB, csB, pc, n, 0, m, n, k, accumulate);
                return;
            }
            var (ia, ib, ic) = ((nint)pa, (nint)pb, (nint)pc);
            if (byColumns)
            {
                var colsPer = RoundUp((n + threads - 1) / threads, NR);
                Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, t =>
                {
                    var c0 = t * colsPer;
                    var c1 = Math.Min(n, c0 + colsPer);
                    if (c0 < c1) RunBlock((float*)ia, rsA, csA, (float*)ib + (long)c0 * csB, rsB, csB, (float*)ic + c0, n, 0, m, c1 - c0, k, accumulate);
                });
                return;
            }
            var rowsPer = RoundUp((m + threads - 1) / threads, MR);
            Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, t =>
            {
                var r0 = t * rowsPer;
                var r1 = Math.Min(m, r0 + rowsPer);
                if (r0 < r1) RunBlock((float*)ia, rsA, csA, (float*)ib, rsB, csB, (float*)ic, n, r0, r1, n, k, accumulate);
            });
        }
    }

    // Rows row0..row1 of C (row stride ldc) over its first n columns, B and C already offset to the block's first column.
    private static unsafe void RunBlock(float* a, int rsA, int csA, float* b, int rsB, int csB, float* c, int ldc, int row0, int row1, int n, int k, bool accumulate)
    {
        var bufB = ArrayPool<float>.Shared.Rent(KC * Math.Min(RoundUp(n, NR), NC));
        var bufA = ArrayPool<float>.Shared.Rent(KC * MC);
        var tile = stackalloc float[MR * NR];
        try
        {
            fixed (float* pb = bufB, pa = bufA)
            {
                for (var jc = 0; jc < n; jc += NC)
                {
                    var nc = Math.Min(NC, n - jc);
                    for (var pc = 0; pc < k; pc += KC)
                    {
                        var kc = Math.Min(KC, k - pc);
                        var add = accumulate || pc > 0;
                        PackB(b + (long)pc * rsB + (long)jc * csB, rsB, csB, kc, nc, pb);
                        for (var ic = row0; ic < row1; ic += MC)
                        {
                            var mc = Math.Min(MC, row1 - ic);
                            PackA(a + (long)ic * rsA + (long)pc * csA, rsA, csA, mc, kc, pa);
                            for (var jr = 0; jr < nc; jr += NR)
                            {
                                var nr = Math.Min(NR, nc - jr);
                                for (var ir = 0; ir < mc; ir += MR)
                                {
                                    var mr = Math.Min(MR, mc - ir);
                                    Tile(pa + ir * kc, pb + jr * kc, kc, c + (long)(ic + ir) * ldc + jc + jr, ldc, mr, nr, add, tile);
                                }
                            }
                        }
                    }
                }
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(bufA);
            ArrayPool<float>.Shared.Return(bufB);
        }
    }

    /// <summary>Length of the packed form of n rows of k values (see <see cref="PackRows"/>).</summary>
    internal static long PackedLength(int n, int k) => (long)RoundUp(n, NR) * k;

    /// <summary>Packs rows (n × k, one row per output column) into the NR-column panel layout the kernel reads:
    /// value (j, p) goes to [(j / NR)·NR·k + p·NR + j % NR]; padding columns are zero.</summary>
    internal static unsafe void PackRows(ReadOnlySpan<float> rows, int n, int k, Span<float> dst)
    {
        Check(rows.Length, (long)n * k, nameof(rows)); Check(dst.Length, PackedLength(n, k), nameof(dst));
        fixed (float* r = rows, d = dst) PackB(r, 1, k, k, n, d);
    }

    /// <summary>C[m×nc] = A[m×k] · (packed columns col0 … col0+nc−1)ᵀ, C row-major with row stride ldc; single-threaded.</summary>
    internal static unsafe void MultiplyPackedB(ReadOnlySpan<float> a, int m, int k, ReadOnlySpan<float> packed, int col0, int nc, Span<float> c, int ldc)
    {
        if (m == 0 || nc == 0) return;
        Check(a.Length, (long)m * k, nameof(a)); Check(packed.Length, PackedLength(col0 + nc, k), nameof(packed)); Check(c.Length, (long)(m - 1) * ldc + nc, nameof(c));
        if (col0 % NR != 0) throw new ArgumentException($"col0 {col0} must be a multiple of {NR}.", nameof(col0));
        var bufA = ArrayPool<float>.Shared.Rent(KC * MC);
        var tile = stackalloc float[MR * NR];
        try
        {
            fixed (float* pa0 = a, pb0 = packed, pc0 = c, pa = bufA)
            {
                var pb = pb0 + (long)col0 * k;
                for (var ic = 0; ic < m; ic += MC)
                {
                    var mc = Math.Min(MC, m - ic);
                    for (var pc = 0; pc < k; pc += KC)
                    {
                        var kc = Math.Min(KC, k - pc);
                        PackA(pa0 + (long)ic * k + pc, k, 1, mc, kc, pa);
                        for (var jr = 0; jr < nc; jr += NR)
                        {
                            var nr = Math.Min(NR, nc - jr);
                            for (var ir = 0; ir < mc; ir += MR)
                                Tile(pa + ir * kc, pb + (long)jr * k + pc * NR, kc, pc0 + (long)(ic + ir) * ldc + jr, ldc, Math.Min(MR, mc - ir), nr, pc > 0, tile);
                        }
                    }
                }
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(bufA);
        }
    }

    // One MR × NR tile of C; partial tiles go through a scratch tile so the kernel never writes outside C.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Tile(float* a, float* b, int kc, float* c, int ldc, int mr, int nr, bool add, float* scratch)
    {
        if (mr == MR && nr == NR)
        {
            Kernel(a, b, kc, c, ldc, add);
            return;
        }
        Kernel(a, b, kc, scratch, NR, false);
        for (var r = 0; r < mr; r++)
            for (var j = 0; j < nr; j++)
                c[(long)r * ldc + j] = add ? c[(long)r * ldc + j] + scratch[r * NR + j] : scratch[r * NR + j];
    }

    private static int RoundUp(int x, int to) => (x + to - 1) / to * to;

    // Packs kc × nc of B into NR-column panels, each kc rows of NR contiguous values, zero-padded.
    private static unsafe void PackB(float* b, int rsB, int csB, int kc, int nc, float* dst)
    {
        for (var j0 = 0; j0 < nc; j0 += NR)
        {
            var nr = Math.Min(NR, nc - j0);
            var panel = dst + (long)j0 * kc;
            if (csB == 1)
            {
                for (var p = 0; p < kc; p++)
                {
                    var src = b + (long)p * rsB + j0;
                    var d = panel + p * NR;
                    if (nr == NR) { Buffer.MemoryCopy(src, d, NR * 4, NR * 4); continue; }
                    for (var j = 0; j < nr; j++) d[j] = src[j];
                    for (var j = nr; j < NR; j++) d[j] = 0f;
                }
            }
            else
            {
                // Rows of Bᵀ are contiguous: eight rows at a time go through an 8 × 8 register transpose.
                var j = 0;
                if (rsB == 1 && Avx.IsSupported)
                {
                    var kc8 = kc & ~7;
                    for (; j + 8 <= nr; j += 8)
                    {
                        var src = b + (long)(j0 + j) * csB;
                        for (var p = 0; p < kc8; p += 8) Transpose8x8(src + p, csB, panel + p * NR + j, NR);
                        for (var r = 0; r < 8; r++)
                            for (var p = kc8; p < kc; p++) panel[p * NR + j + r] = src[(long)r * csB + p];
                    }
                }
                for (; j < nr; j++)
                {
                    var src = b + (long)(j0 + j) * csB;
                    for (var p = 0; p < kc; p++) panel[p * NR + j] = src[p * rsB];
                }
                for (var pad = nr; pad < NR; pad++)
                    for (var p = 0; p < kc; p++) panel[p * NR + pad] = 0f;
            }
        }
    }

    // Packs mc × kc of A into MR-row panels, each kc columns of MR contiguous values, zero-padded.
    private static unsafe void PackA(float* a, int rsA, int csA, int mc, int kc, float* dst)
    {
        for (var i0 = 0; i0 < mc; i0 += MR)
        {
            var mr = Math.Min(MR, mc - i0);
            var panel = dst + i0 * kc;
            if (rsA == 1)
            {
                if (mr == MR) continue; // full panels are copied below, one source row at a time
                for (var p = 0; p < kc; p++)
                {
                    var src = a + (long)p * csA + i0;
                    var d = panel + p * MR;
                    for (var r = 0; r < mr; r++) d[r] = src[r];
                    for (var r = mr; r < MR; r++) d[r] = 0f;
                }
            }
            else if (csA == 1 && mr == MR && Avx.IsSupported)
            {
                // Row-major A: 8 × 8 blocks through a register transpose instead of strided scalar stores.
                var src = a + (long)i0 * rsA;
                var kc8 = kc & ~7;
                for (var p = 0; p < kc8; p += 8) Transpose8x8(src + p, rsA, panel + p * MR, MR);
                for (var r = 0; r < MR; r++)
                    for (var p = kc8; p < kc; p++) panel[p * MR + r] = src[(long)r * rsA + p];
            }
            else
            {
                for (var r = 0; r < mr; r++)
                {
                    var src = a + (long)(i0 + r) * rsA;
                    for (var p = 0; p < kc; p++) panel[p * MR + r] = src[p * csA];
                }
                for (var r = mr; r < MR; r++)
                    for (var p = 0; p < kc; p++) panel[p * MR + r] = 0f;
            }
        }
        if (rsA == 1)
        {
            // Column-major A (k × m source rows): read each source row once, across every full panel.
            var full = mc / MR * MR;
            for (var p = 0; p < kc; p++)
            {
                var src = a + (long)p * csA;
                var d = dst + p * MR;
                for (var i0 = 0; i0 < full; i0 += MR) Vector256.Store(Vector256.Load(src + i0), d + i0 * kc);
            }
        }
    }

    // dst[p·dstStride + r] = src[r·srcStride + p] for r, p < 8: unpack, shuffle and lane permute (24 shuffles for 64 values).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Transpose8x8(float* src, int srcStride, float* dst, int dstStride)
    {
        var r0 = Avx.LoadVector256(src);
        var r1 = Avx.LoadVector256(src + srcStride);
        var r2 = Avx.LoadVector256(src + 2L * srcStride);
        var r3 = Avx.LoadVector256(src + 3L * srcStride);
        var r4 = Avx.LoadVector256(src + 4L * srcStride);
        var r5 = Avx.LoadVector256(src + 5L * srcStride);
        var r6 = Avx.LoadVector256(src + 6L * srcStride);
        var r7 = Avx.LoadVector256(src + 7L * srcStride);
        var t0 = Avx.UnpackLow(r0, r1); var t1 = Avx.UnpackHigh(r0, r1);
        var t2 = Avx.UnpackLow(r2, r3); var t3 = Avx.UnpackHigh(r2, r3);
        var t4 = Avx.UnpackLow(r4, r5); var t5 = Avx.UnpackHigh(r4, r5);
        var t6 = Avx.UnpackLow(r6, r7); var t7 = Avx.UnpackHigh(r6, r7);
        var s0 = Avx.Shuffle(t0, t2, 0x44); var s1 = Avx.Shuffle(t0, t2, 0xEE);
        var s2 = Avx.Shuffle(t1, t3, 0x44); var s3 = Avx.Shuffle(t1, t3, 0xEE);
        var s4 = Avx.Shuffle(t4, t6, 0x44); var s5 = Avx.Shuffle(t4, t6, 0xEE);
        var s6 = Avx.Shuffle(t5, t7, 0x44); var s7 = Avx.Shuffle(t5, t7, 0xEE);
        Avx.Store(dst, Avx.Permute2x128(s0, s4, 0x20));
        Avx.Store(dst + dstStride, Avx.Permute2x128(s1, s5, 0x20));
        Avx.Store(dst + 2L * dstStride, Avx.Permute2x128(s2, s6, 0x20));
        Avx.Store(dst + 3L * dstStride, Avx.Permute2x128(s3, s7, 0x20));
        Avx.Store(dst + 4L * dstStride, Avx.Permute2x128(s0, s4, 0x31));
        Avx.Store(dst + 5L * dstStride, Avx.Permute2x128(s1, s5, 0x31));
        Avx.Store(dst + 6L * dstStride, Avx.Permute2x128(s2, s6, 0x31));
        Avx.Store(dst + 7L * dstStride, Avx.Permute2x128(s3, s7, 0x31));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Kernel(float* a, float* b, int kc, float* c, int ldc, bool add)
    {
        if (Vector512.IsHardwareAccelerated) Kernel512(a, b, kc, c, ldc, add);
        else if (Vector256.IsHardwareAccelerated) Kernel256(a, b, kc, c, ldc, add);
        else KernelScalar(a, b, kc, c, ldc, add);
    }

    // 8 × 32 tile: 16 zmm accumulators, two B loads and eight broadcasts per step of k.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void Kernel512(float* a, float* b, int kc, float* c, int ldc, bool add)
    {
        Vector512<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default, c30 = default, c31 = default;
        Vector512<float> c40 = default, c41 = default, c50 = default, c51 = default, c60 = default, c61 = default, c70 = default, c71 = default;
        for (var p = 0; p < kc; p++)
        {
            var b0 = Vector512.Load(b);
            var b1 = Vector512.Load(b + 16);
            var x = Vector512.Create(a[0]); c00 = Vector512.FusedMultiplyAdd(x, b0, c00); c01 = Vector512.FusedMultiplyAdd(x, b1, c01);
            x = Vector512.Create(a[1]); c10 = Vector512.FusedMultiplyAdd(x, b0, c10); c11 = Vector512.FusedMultiplyAdd(x, b1, c11);
            x = Vector512.Create(a[2]); c20 = Vector512.FusedMultiplyAdd(x, b0, c20); c21 = Vector512.FusedMultiplyAdd(x, b1, c21);
            x = Vector512.Create(a[3]); c30 = Vector512.FusedMultiplyAdd(x, b0, c30); c31 = Vector512.FusedMultiplyAdd(x, b1, c31);
            x = Vector512.Create(a[4]); c40 = Vector512.FusedMultiplyAdd(x, b0, c40); c41 = Vector512.FusedMultiplyAdd(x, b1, c41);
            x = Vector512.Create(a[5]); c50 = Vector512.FusedMultiplyAdd(x, b0, c50); c51 = Vector512.FusedMultiplyAdd(x, b1, c51);
            x = Vector512.Create(a[6]); c60 = Vector512.FusedMultiplyAdd(x, b0, c60); c61 = Vector512.FusedMultiplyAdd(x, b1, c61);
            x = Vector512.Create(a[7]); c70 = Vector512.FusedMultiplyAdd(x, b0, c70); c71 = Vector512.FusedMultiplyAdd(x, b1, c71);
            a += MR;
            b += NR;
        }
        Store512(c, c00, c01, add); c += ldc;
        Store512(c, c10, c11, add); c += ldc;
        Store512(c, c20, c21, add); c += ldc;
        Store512(c, c30, c31, add); c += ldc;
        Store512(c, c40, c41, add); c += ldc;
        Store512(c, c50, c51, add); c += ldc;
        Store512(c, c60, c61, add); c += ldc;
        Store512(c, c70, c71, add);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Store512(float* c, Vector512<float> v0, Vector512<float> v1, bool add)
    {
        if (add) { v0 += Vector512.Load(c); v1 += Vector512.Load(c + 16); }
        v0.Store(c);
        v1.Store(c + 16);
    }

    // AVX2 fallback: the 8 × 32 tile as four passes of 2 rows × 4 ymm (8 accumulators; AVX2 has 16 registers).
    private static unsafe void Kernel256(float* a, float* b, int kc, float* c, int ldc, bool add)
    {
        for (var r = 0; r < MR; r += 2)
        {
            Vector256<float> c00 = default, c01 = default, c02 = default, c03 = default, c10 = default, c11 = default, c12 = default, c13 = default;
            var ap = a + r;
            var bp = b;
            for (var p = 0; p < kc; p++)
            {
                var b0 = Vector256.Load(bp); var b1 = Vector256.Load(bp + 8); var b2 = Vector256.Load(bp + 16); var b3 = Vector256.Load(bp + 24);
                var x = Vector256.Create(ap[0]);
                c00 = Vector256.FusedMultiplyAdd(x, b0, c00); c01 = Vector256.FusedMultiplyAdd(x, b1, c01); c02 = Vector256.FusedMultiplyAdd(x, b2, c02); c03 = Vector256.FusedMultiplyAdd(x, b3, c03);
                x = Vector256.Create(ap[1]);
                c10 = Vector256.FusedMultiplyAdd(x, b0, c10); c11 = Vector256.FusedMultiplyAdd(x, b1, c11); c12 = Vector256.FusedMultiplyAdd(x, b2, c12); c13 = Vector256.FusedMultiplyAdd(x, b3, c13);
                ap += MR;
                bp += NR;
            }
            var c0 = c + (long)r * ldc;
            var c1 = c0 + ldc;
            if (add)
            {
                c00 += Vector256.Load(c0); c01 += Vector256.Load(c0 + 8); c02 += Vector256.Load(c0 + 16); c03 += Vector256.Load(c0 + 24);
                c10 += Vector256.Load(c1); c11 += Vector256.Load(c1 + 8); c12 += Vector256.Load(c1 + 16); c13 += Vector256.Load(c1 + 24);
            }
            c00.Store(c0); c01.Store(c0 + 8); c02.Store(c0 + 16); c03.Store(c0 + 24);
            c10.Store(c1); c11.Store(c1 + 8); c12.Store(c1 + 16); c13.Store(c1 + 24);
        }
    }

    private static unsafe void KernelScalar(float* a, float* b, int kc, float* c, int ldc, bool add)
    {
        for (var r = 0; r < MR; r++)
            for (var j = 0; j < NR; j++)
            {
                var s = 0f;
                for (var p = 0; p < kc; p++) s += a[p * MR + r] * b[p * NR + j];
                c[(long)r * ldc + j] = add ? c[(long)r * ldc + j] + s : s;
            }
    }

    private static void CheckShape(int m, int n, int k, int maxThreads)
    {
        if (m < 0) throw new ArgumentOutOfRangeException(nameof(m), m, "Row count m must be ≥ 0.");
        if (n < 0) throw new ArgumentOutOfRangeException(nameof(n), n, "Column count n must be ≥ 0.");
        if (k < 0) throw new ArgumentOutOfRangeException(nameof(k), k, "Inner dimension k must be ≥ 0.");
        if (maxThreads < 1) throw new ArgumentOutOfRangeException(nameof(maxThreads), maxThreads, "maxThreads must be ≥ 1.");
        if ((long)m * n > int.MaxValue) throw new ArgumentException($"C would have {(long)m * n} elements (m={m}, n={n}); at most {int.MaxValue} fit in a span.", nameof(m));
    }

    private static void Check(int actual, long needed, string name)
    {
        if (actual < needed) throw new ArgumentException($"Buffer '{name}' has {actual} elements; the shape needs {needed}.", name);
    }
}
