using System.Runtime.InteropServices;

namespace TwoTower.MLNet.Index.Hnsw;

/// <summary>
/// A zeroed, 64-byte-aligned native memory block that asks Linux for transparent huge pages
/// (madvise MADV_HUGEPAGE): graph search touches rows all over the block, and with 4 KiB pages
/// almost every row costs a TLB miss. Freed by <see cref="Dispose"/> or, failing that, the finalizer.
/// </summary>
internal sealed unsafe partial class NativeBlock : IDisposable
{
    private const nuint HugePage = 2 << 20;
    private const int MadviseHugePage = 14;
    private void* _memory;
    private readonly long _bytes;

    public NativeBlock(long bytes)
    {
        _bytes = Math.Max(bytes, 64);
        bool huge = OperatingSystem.IsLinux() && _bytes >= (long)HugePage;
        // Large blocks are aligned to 2 MiB so that whole huge pages cover them.
        nuint alignment = huge ? HugePage : 64;
        nuint size = huge ? ((nuint)_bytes + HugePage - 1) & ~(HugePage - 1) : (nuint)_bytes;
        _memory = NativeMemory.AlignedAlloc(size, alignment);
        if (huge)
        {
            try { _ = Madvise((nint)_memory, size, MadviseHugePage); }
            catch (DllNotFoundException) { }
            catch (EntryPointNotFoundException) { }
        }
        NativeMemory.Clear(_memory, size);
        GC.AddMemoryPressure(_bytes);
    }

    /// <summary>Start of the block.</summary>
    public void* Pointer => _memory;

    /// <summary>Size in bytes.</summary>
    public long Bytes => _bytes;

    [LibraryImport("libc", EntryPoint = "madvise")]
    private static partial int Madvise(nint address, nuint length, int advice);

    public void Dispose()
    {
        Free();
        GC.SuppressFinalize(this);
    }

    ~NativeBlock() => Free();

    private void Free()
    {
        if (_memory == null) return;
        NativeMemory.AlignedFree(_memory);
        _memory = null;
        GC.RemoveMemoryPressure(_bytes);
    }
}
