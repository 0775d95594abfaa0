namespace TwoTower.MLNet.Index.Persistence;

/// <summary>
/// How an index file is opened. With <see cref="MemoryMap"/> the large sections (HNSW vector rows and
/// layer-0 links, Flat and IVF-Flat packed vectors, IVF-PQ codes and refinement vectors) are used in place
/// from a copy-on-write view of the file: opening is near-instant and memory grows only with the pages
/// searches touch. Small sections (ids, norms, levels, tombstones, upper HNSW layers, quantizers) are
/// always read into managed memory, and the header and section table are always validated.
/// </summary>
public sealed record IndexLoadOptions
{
    /// <summary>Full load, checksum verified (the behaviour of the single-argument Load methods).</summary>
    public static IndexLoadOptions Default { get; } = new();

    /// <summary>Memory-mapped, checksum verified (one sequential read of the whole file, then lazy paging).</summary>
    public static IndexLoadOptions Mapped { get; } = new() { MemoryMap = true };

    /// <summary>
    /// Use the large sections from a memory-mapped view instead of copying them. The index then owns the
    /// mapping (dispose it to unmap). Files of format version 1 have no aligned sections and are always
    /// loaded fully; check <see cref="IVectorIndex.IsMemoryMapped"/>. Adding (or replacing) after a mapped load first copies
    /// the mapped sections into owned memory; removing only writes owned tombstones. The file is never modified.
    /// Replace a mapped file only by renaming a new one over it (as <see cref="IVectorIndex.Save(string)"/> does): the mapping shows
    /// the file's bytes as they are at each read, so writing into it in place (e.g. <c>cp new.ttvx items.ttvx</c>) changes
    /// results without a check, and shortening it makes a later read past its new end end the process (SIGBUS).
    /// </summary>
    public bool MemoryMap { get; init; }

    /// <summary>
    /// Recompute the file's SHA-256 and compare it with the stored one (default true). This reads every byte
    /// once, which for a mapped multi-gigabyte index costs the sequential read that mapping otherwise avoids;
    /// set false to open lazily and rely on structural validation only (a flipped vector byte then goes unnoticed,
    /// but a bad offset, size or link still fails with <see cref="InvalidDataException"/>).
    /// </summary>
    public bool VerifyChecksum { get; init; } = true;
}
