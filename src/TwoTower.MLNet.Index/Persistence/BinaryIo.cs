using System.Runtime.InteropServices;

namespace TwoTower.MLNet.Index.Persistence;

/// <summary>Bulk little-endian reads and writes of primitive arrays for index payloads.</summary>
internal static class BinaryIo
{
    /// <summary>Writes the raw values.</summary>
    public static void Write<T>(BinaryWriter w, ReadOnlySpan<T> values) where T : unmanaged => w.Write(MemoryMarshal.AsBytes(values));

    /// <summary>Reads n float32 values.</summary>
    public static float[] ReadFloats(BinaryReader r, long n) => Read<float>(r, n);

    /// <summary>Reads n int64 values.</summary>
    public static long[] ReadLongs(BinaryReader r, long n) => Read<long>(r, n);

    /// <summary>Reads n int32 values.</summary>
    public static int[] ReadInts(BinaryReader r, long n) => Read<int>(r, n);

    /// <summary>Reads n raw values, refusing counts larger than the rest of the stream.</summary>
    public static T[] Read<T>(BinaryReader r, long n) where T : unmanaged
    {
        var bytes = n * Marshal.SizeOf<T>();
        if (n < 0 || bytes > r.BaseStream.Length - r.BaseStream.Position) throw new EndOfStreamException($"Need {bytes} bytes for {n} values.");
        var values = new T[n];
        r.BaseStream.ReadExactly(MemoryMarshal.AsBytes(values.AsSpan()));
        return values;
    }
}
