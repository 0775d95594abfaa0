namespace TwoTower.MLNet.Index.Persistence;

/// <summary>
/// The lifetime every index shares: it may own the mapped file of a memory-mapped load, reads that memory under a
/// lease, and once disposed refuses use and unmaps when the last lease of a running search ends.
/// </summary>
internal sealed class IndexLifetime
{
    private volatile bool _disposed;

    /// <summary>The mapped file the index reads from, or null (a full load, or an index built in memory).</summary>
    public MappedFile? Mapping { get; private set; }

    /// <summary>Makes the index the owner of <paramref name="mapping"/>, which <see cref="Dispose"/> releases.</summary>
    public void Adopt(MappedFile mapping) => Mapping = mapping;

    /// <summary>Makes the index the owner of the load's mapping when the load used it in place.</summary>
    public void AdoptClaimed(IndexPayloadReader payload)
    {
        if (payload.MappingClaimed) Adopt(payload.ClaimMapping());
    }

    /// <exception cref="ObjectDisposedException"><paramref name="owner"/> was disposed.</exception>
    public void ThrowIfDisposed(object owner) => ObjectDisposedException.ThrowIf(_disposed, owner);

    /// <summary>Keeps the mapping (if any) alive while its memory is read.</summary>
    /// <exception cref="ObjectDisposedException">The mapping was released.</exception>
    public MappedFile.Lease Hold() => Mapping?.Acquire() ?? default;

    /// <summary>Marks the index disposed and releases the mapping (searches still holding a lease finish first).</summary>
    public void Dispose()
    {
        _disposed = true;
        Mapping?.Dispose();
    }
}
