using System.Runtime.CompilerServices;

namespace TwoTower.MLNet.Index.Persistence;

/// <summary>
/// Reads an index payload: plain fields through <see cref="Reader"/>, large arrays as validated
/// sections (format version 2) that are either copied or, when the file is mapped, used in place.
/// Every section descriptor is checked (aligned, right after its padding, of the expected size, inside
/// the payload) before any byte of it is touched, so a corrupt file fails with <see cref="InvalidDataException"/>.
/// </summary>
internal sealed unsafe class IndexPayloadReader
{
    private readonly long _payloadEnd;
    private readonly MappedFile? _mapping;

    public IndexPayloadReader(string path, IndexFileHeader header, BinaryReader reader, long payloadEnd, MappedFile? mapping)
    {
        Path = path;
        Header = header;
        Reader = reader;
        _payloadEnd = payloadEnd;
        _mapping = mapping;
    }

    /// <summary>The file being read (for messages).</summary>
    public string Path { get; }

    /// <summary>The validated file header.</summary>
    public IndexFileHeader Header { get; }

    /// <summary>Reader positioned in the payload.</summary>
    public BinaryReader Reader { get; }

    /// <summary>Bytes of the payload after the reader's position (what any count read there can still claim).</summary>
    public long Remaining => _payloadEnd - Reader.BaseStream.Position;

    /// <summary>Whether sections can be used in place.</summary>
    public bool IsMapped => _mapping is not null;

    /// <summary>Whether the index took ownership of the mapping (else the loader disposes it).</summary>
    public bool MappingClaimed { get; private set; }

    /// <summary>Hands the mapping to the loaded index, which disposes it.</summary>
    public MappedFile ClaimMapping()
    {
        MappingClaimed = true;
        return _mapping ?? throw new InvalidOperationException("The file is not mapped.");
    }

    /// <summary>An error naming this file and the problem.</summary>
    public InvalidDataException Corrupt(string why) => IndexFile.Corrupt(Path, why);

    /// <summary>Reads and validates a section descriptor, leaves the stream at the section's data and returns its offset.</summary>
    public long BeginSection(long expectedBytes, string name)
    {
        var start = Reader.BaseStream.Position;
        var offset = Reader.ReadInt64();
        var bytes = Reader.ReadInt64();
        var expectedOffset = IndexSections.AlignUp(start + IndexSections.DescriptorBytes);
        if (offset != expectedOffset)
            throw Corrupt($"section '{name}' at byte {start} claims data offset {offset}, expected {expectedOffset} (the next {IndexSections.Alignment}-byte boundary)");
        if (bytes != expectedBytes)
            throw Corrupt($"section '{name}' holds {bytes} bytes, expected {expectedBytes}");
        if (offset > _payloadEnd || bytes > _payloadEnd - offset)
            throw Corrupt($"section '{name}' [{offset}, {offset + bytes}) runs past the payload end {_payloadEnd}");
        Reader.BaseStream.Position = offset;
        return offset;
    }

    /// <summary>Reads a section of <paramref name="count"/> values into a new array.</summary>
    public T[] ReadArray<T>(long count, string name) where T : unmanaged
    {
        var bytes = checked(count * Unsafe.SizeOf<T>());
        if (count > Array.MaxLength) throw Corrupt($"section '{name}' has {count} values, more than an array holds");
        BeginSection(bytes, name);
        var values = new T[count];
        Reader.BaseStream.ReadExactly(System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()));
        return values;
    }

    /// <summary>A section of values: in place when mapped, else copied into an array.</summary>
    public Memory<T> ReadMemory<T>(long count, string name) where T : unmanaged
    {
        if (!IsMapped) return ReadArray<T>(count, name);
        if (count > int.MaxValue) throw Corrupt($"section '{name}' has {count} values, more than a span holds");
        var offset = Skip(checked(count * Unsafe.SizeOf<T>()), name);
        if (count == 0) return Memory<T>.Empty;
        ClaimMapping();
        return new MappedMemory<T>(_mapping!, offset, (int)count).Memory;
    }

    /// <summary>Copies a section of <paramref name="bytes"/> bytes into unmanaged memory.</summary>
    public void ReadInto(void* destination, long bytes, string name)
    {
        BeginSection(bytes, name);
        for (long done = 0; done < bytes;)
        {
            var chunk = (int)Math.Min(bytes - done, 1 << 30);
            Reader.BaseStream.ReadExactly(new Span<byte>((byte*)destination + done, chunk));
            done += chunk;
        }
    }

    /// <summary>The address of a section in the mapping (claiming it for the index).</summary>
    public void* MapSection(long bytes, string name)
    {
        var offset = Skip(bytes, name);
        return ClaimMapping().At(offset);
    }

    private long Skip(long bytes, string name)
    {
        var offset = BeginSection(bytes, name);
        Reader.BaseStream.Position = offset + bytes;
        return offset;
    }
}
