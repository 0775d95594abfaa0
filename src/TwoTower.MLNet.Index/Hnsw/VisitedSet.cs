using System.Runtime.CompilerServices;

namespace TwoTower.MLNet.Index.Hnsw;

/// <summary>
/// Epoch-tagged visited marks: a node is visited when its tag equals the current epoch, so starting
/// a new query is one increment instead of clearing the array (cleared only when the epoch wraps).
/// </summary>
internal sealed class VisitedSet
{
    private ushort[] _tags = [];
    private ushort _epoch;

    /// <summary>Starts a new query over at least <paramref name="capacity"/> nodes.</summary>
    public void Reset(int capacity)
    {
        if (_tags.Length < capacity) { _tags = new ushort[Math.Max(capacity, _tags.Length * 2)]; _epoch = 0; }
        if (++_epoch == 0) { Array.Clear(_tags); _epoch = 1; }
    }

    /// <summary>Marks a node; returns true when it was already marked in this query.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TestAndSet(int node)
    {
        ref ushort t = ref Unsafe.Add(ref _tags[0], node);
        if (t == _epoch) return true;
        t = _epoch;
        return false;
    }

    /// <summary>The tag array, for the hot loop's inlined test.</summary>
    public ushort[] Tags => _tags;

    /// <summary>The current query's tag.</summary>
    public ushort Epoch => _epoch;
}
