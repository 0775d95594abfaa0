using System.Buffers;

namespace TwoTower.MLNet.Index.Persistence;

/// <summary>
/// A <see cref="Memory{T}"/> over a section of a <see cref="MappedFile"/>, so code written against
/// spans reads mapped data in place. It keeps the mapping object reachable but does not extend its
/// lifetime past disposal: the owning index checks disposal and holds a lease while it reads.
/// </summary>
internal sealed unsafe class MappedMemory<T>(MappedFile file, long offset, int length) : MemoryManager<T> where T : unmanaged
{
    /// <summary>The mapping this memory lives in.</summary>
    public MappedFile File { get; } = file;

    /// <inheritdoc/>
    public override Span<T> GetSpan() => new(File.At(offset), length);

    /// <inheritdoc/>
    public override MemoryHandle Pin(int elementIndex = 0) => new(File.At(offset) + (long)elementIndex * sizeof(T));

    /// <inheritdoc/>
    public override void Unpin() { }

    /// <inheritdoc/>
    protected override void Dispose(bool disposing) { }
}
