using System.Collections;
using System.Runtime.CompilerServices;

namespace TwoTower.MLNet.Index.Hnsw;

/// <summary>Which nodes may enter a search's result set (all nodes still guide the search). A struct type parameter, so the check compiles away when unused.</summary>
internal interface INodeFilter
{
    bool Allows(int node);
}

/// <summary>Every node (construction, or a search on an index without tombstones and filters).</summary>
internal readonly struct AllowAll : INodeFilter
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool Allows(int node) => true;
}

/// <summary>Nodes not removed.</summary>
internal readonly struct AllowLive(byte[] deleted) : INodeFilter
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool Allows(int node) => deleted[node] == 0;
}

/// <summary>Nodes not removed whose id passes the caller's allow-list and predicate.</summary>
internal readonly struct AllowFiltered(byte[] deleted, long[] labels, BitArray? allowList, Func<long, bool>? predicate) : INodeFilter
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool Allows(int node)
    {
        if (deleted[node] != 0) return false;
        long id = labels[node];
        if (allowList is not null && (id >= allowList.Length || !allowList[(int)id])) return false;
        return predicate is null || predicate(id);
    }
}
