namespace TwoTower.MLNet.Index.Persistence;

/// <summary>
/// The section layout of format version 2: a large array is written as int64 file offset, int64 byte
/// length, zero padding up to that offset, then the raw little-endian values. The offset is the next
/// 64-byte boundary, so a memory-mapped view can hand out the values in place, cache-line aligned.
/// </summary>
internal static class IndexSections
{
    /// <summary>Alignment of every section's data, in bytes (one cache line, one AVX-512 register).</summary>
    public const int Alignment = 64;

    /// <summary>Bytes of a section's descriptor (offset and length).</summary>
    public const int DescriptorBytes = 16;

    private static readonly byte[] Zeros = new byte[Alignment];

    /// <summary>Writes the descriptor and padding of a section of <paramref name="bytes"/> bytes; the caller then writes exactly that many bytes.</summary>
    public static void Begin(BinaryWriter w, long bytes)
    {
        var afterDescriptor = w.BaseStream.Position + DescriptorBytes;
        var offset = AlignUp(afterDescriptor);
        w.Write(offset);
        w.Write(bytes);
        w.Write(Zeros, 0, (int)(offset - afterDescriptor));
    }

    /// <summary>Writes a whole section of values.</summary>
    public static void Write<T>(BinaryWriter w, ReadOnlySpan<T> values) where T : unmanaged
    {
        Begin(w, (long)values.Length * System.Runtime.CompilerServices.Unsafe.SizeOf<T>());
        BinaryIo.Write(w, values);
    }

    /// <summary>Writes a section from unmanaged memory in chunks (sections may exceed 2 GiB).</summary>
    public static unsafe void Write(BinaryWriter w, void* data, long bytes)
    {
        Begin(w, bytes);
        for (long done = 0; done < bytes;)
        {
            var chunk = (int)Math.Min(bytes - done, 1 << 30);
            w.Write(new ReadOnlySpan<byte>((byte*)data + done, chunk));
            done += chunk;
        }
    }

    /// <summary>The first multiple of <see cref="Alignment"/> at or after <paramref name="position"/>.</summary>
    public static long AlignUp(long position) => (position + Alignment - 1) & ~(long)(Alignment - 1);
}
