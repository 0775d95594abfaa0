using System.IO.MemoryMappedFiles;

namespace TwoTower.MLNet.Index.Persistence;

/// <summary>
/// A whole index file mapped copy-on-write (MAP_PRIVATE): pages load lazily from the file, and a write
/// through the view would stay private to this process, so the file on disk can never change.
/// Searches hold a <see cref="Lease"/> while they read through raw pointers, so disposing waits for
/// no one but unmaps only after the last lease ends; a lease taken after disposal throws.
/// </summary>
internal sealed unsafe class MappedFile : IDisposable
{
    private readonly MemoryMappedFile _file;
    private readonly MemoryMappedViewAccessor _view;
    private readonly byte* _base;
    private int _disposed;

    private MappedFile(MemoryMappedFile file, MemoryMappedViewAccessor view, long length)
    {
        _file = file;
        _view = view;
        Length = length;
        byte* pointer = null;
        _view.SafeMemoryMappedViewHandle.AcquirePointer(ref pointer);
        _base = pointer + _view.PointerOffset;
    }

    /// <summary>Maps the whole of an open, non-empty file.</summary>
    public static MappedFile Open(FileStream stream)
    {
        var length = stream.Length;
        var file = MemoryMappedFile.CreateFromFile(stream, null, 0, MemoryMappedFileAccess.CopyOnWrite, HandleInheritability.None, leaveOpen: true);
        try
        {
            return new MappedFile(file, file.CreateViewAccessor(0, length, MemoryMappedFileAccess.CopyOnWrite), length);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>File length in bytes.</summary>
    public long Length { get; }

    /// <summary>Address of a byte of the file; callers validated the offset against <see cref="Length"/>.</summary>
    public byte* At(long offset) => _base + offset;

    /// <summary>Keeps the view mapped until the lease is disposed.</summary>
    /// <exception cref="ObjectDisposedException">The mapping was disposed.</exception>
    public Lease Acquire()
    {
        var handle = _view.SafeMemoryMappedViewHandle;
        var added = false;
        handle.DangerousAddRef(ref added);
        return new Lease(handle);
    }

    /// <summary>Unmaps once no lease is outstanding.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        GC.SuppressFinalize(this);
        _view.SafeMemoryMappedViewHandle.ReleasePointer();
        _view.Dispose();
        _file.Dispose();
    }

    // An index dropped without Dispose: give back the pointer's reference so the view's own finalizer can unmap
    // (leases of searches still running keep theirs, so nothing is unmapped under them).
    ~MappedFile()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        try { _view.SafeMemoryMappedViewHandle.DangerousRelease(); }
        catch (ObjectDisposedException) { }
    }

    /// <summary>One reader's hold on the mapping.</summary>
    public readonly struct Lease(System.Runtime.InteropServices.SafeHandle handle) : IDisposable
    {
        /// <summary>Releases the hold.</summary>
        public void Dispose() => handle?.DangerousRelease();
    }
}
