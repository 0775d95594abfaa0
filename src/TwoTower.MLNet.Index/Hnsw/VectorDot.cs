using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace TwoTower.MLNet.Index.Hnsw;

/// <summary>Dot product of two padded rows (length a multiple of 16 floats, 64-byte aligned when possible): the HNSW hot loop.</summary>
internal static unsafe class VectorDot
{
    /// <summary>Row stride in floats: the dimension rounded up to 16 so that every SIMD loop runs without a tail.</summary>
    public static int PaddedLength(int dimension) => (dimension + 15) & ~15;

    /// <summary>Σ a[i]·b[i] over <paramref name="length"/> floats (a multiple of 16).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Dot(float* a, float* b, int length)
    {
        if (Vector512.IsHardwareAccelerated) return Dot512(a, b, length);
        if (Vector256.IsHardwareAccelerated) return Dot256(a, b, length);
        return DotScalar(a, b, length);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Dot512(float* a, float* b, int length)
    {
        // Four independent accumulators hide the FMA latency.
        Vector512<float> s0 = Vector512<float>.Zero, s1 = s0, s2 = s0, s3 = s0;
        int i = 0;
        for (; i <= length - 64; i += 64)
        {
            s0 = Vector512.FusedMultiplyAdd(Vector512.Load(a + i), Vector512.Load(b + i), s0);
            s1 = Vector512.FusedMultiplyAdd(Vector512.Load(a + i + 16), Vector512.Load(b + i + 16), s1);
            s2 = Vector512.FusedMultiplyAdd(Vector512.Load(a + i + 32), Vector512.Load(b + i + 32), s2);
            s3 = Vector512.FusedMultiplyAdd(Vector512.Load(a + i + 48), Vector512.Load(b + i + 48), s3);
        }
        for (; i < length; i += 16)
            s0 = Vector512.FusedMultiplyAdd(Vector512.Load(a + i), Vector512.Load(b + i), s0);
        return Vector512.Sum((s0 + s1) + (s2 + s3));
    }

    private static float Dot256(float* a, float* b, int length)
    {
        Vector256<float> s0 = Vector256<float>.Zero, s1 = s0, s2 = s0, s3 = s0;
        int i = 0;
        for (; i <= length - 32; i += 32)
        {
            s0 = Vector256.FusedMultiplyAdd(Vector256.Load(a + i), Vector256.Load(b + i), s0);
            s1 = Vector256.FusedMultiplyAdd(Vector256.Load(a + i + 8), Vector256.Load(b + i + 8), s1);
            s2 = Vector256.FusedMultiplyAdd(Vector256.Load(a + i + 16), Vector256.Load(b + i + 16), s2);
            s3 = Vector256.FusedMultiplyAdd(Vector256.Load(a + i + 24), Vector256.Load(b + i + 24), s3);
        }
        for (; i < length; i += 8)
            s0 = Vector256.FusedMultiplyAdd(Vector256.Load(a + i), Vector256.Load(b + i), s0);
        return Vector256.Sum((s0 + s1) + (s2 + s3));
    }

    private static float DotScalar(float* a, float* b, int length)
    {
        float s = 0;
        for (int i = 0; i < length; i++) s += a[i] * b[i];
        return s;
    }
}
