using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace TwoTower.MLNet.Index.Hnsw;

/// <summary>A node with its distance to the query (lower is closer).</summary>
internal struct Candidate(float distance, int node)
{
    public float Distance = distance;
    public int Node = node;
}

/// <summary>
/// Binary heap of candidates on a reusable array: the closest on top (<see cref="MinOnTop"/>, the
/// search frontier) or the farthest on top (<see cref="MaxOnTop"/>, the bounded result set).
/// The order is a struct type parameter so each heap compiles to its own branch-free code.
/// </summary>
internal sealed class DistanceHeap<TOrder> where TOrder : struct, IHeapOrder
{
    private Candidate[] _items = new Candidate[256];

    public int Count;

    public ref Candidate Top => ref MemoryMarshal.GetArrayDataReference(_items);

    public void Clear() => Count = 0;

    /// <summary>The stored items [0, Count) in heap order.</summary>
    public Span<Candidate> Items => _items.AsSpan(0, Count);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Push(float distance, int node)
    {
        if (Count == _items.Length) Array.Resize(ref _items, _items.Length * 2);
        ref Candidate items = ref MemoryMarshal.GetArrayDataReference(_items);
        int i = Count++;
        while (i > 0)
        {
            int p = (i - 1) >> 1;
            ref Candidate parent = ref Unsafe.Add(ref items, p);
            if (!TOrder.Above(distance, parent.Distance)) break;
            Unsafe.Add(ref items, i) = parent;
            i = p;
        }
        Unsafe.Add(ref items, i) = new Candidate(distance, node);
    }

    /// <summary>Replaces the top with a new candidate in one sift (a push and a pop on a full bounded heap).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void ReplaceTop(float distance, int node)
    {
        ref Candidate items = ref MemoryMarshal.GetArrayDataReference(_items);
        int n = Count, i = 0;
        while (true)
        {
            int c = 2 * i + 1;
            if (c >= n) break;
            if (c + 1 < n && TOrder.Above(Unsafe.Add(ref items, c + 1).Distance, Unsafe.Add(ref items, c).Distance)) c++;
            ref Candidate child = ref Unsafe.Add(ref items, c);
            if (!TOrder.Above(child.Distance, distance)) break;
            Unsafe.Add(ref items, i) = child;
            i = c;
        }
        Unsafe.Add(ref items, i) = new Candidate(distance, node);
    }

    public Candidate Pop()
    {
        ref Candidate items = ref MemoryMarshal.GetArrayDataReference(_items);
        Candidate top = items;
        int n = --Count;
        Candidate last = Unsafe.Add(ref items, n);
        int i = 0;
        while (true)
        {
            int c = 2 * i + 1;
            if (c >= n) break;
            if (c + 1 < n && TOrder.Above(Unsafe.Add(ref items, c + 1).Distance, Unsafe.Add(ref items, c).Distance)) c++;
            ref Candidate child = ref Unsafe.Add(ref items, c);
            if (!TOrder.Above(child.Distance, last.Distance)) break;
            Unsafe.Add(ref items, i) = child;
            i = c;
        }
        if (n > 0) Unsafe.Add(ref items, i) = last;
        return top;
    }
}

/// <summary>Which of two distances sits nearer the top of a heap.</summary>
internal interface IHeapOrder
{
    static abstract bool Above(float a, float b);
}

/// <summary>The closest candidate on top.</summary>
internal readonly struct MinOnTop : IHeapOrder
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool Above(float a, float b) => a < b;
}

/// <summary>The farthest candidate on top.</summary>
internal readonly struct MaxOnTop : IHeapOrder
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool Above(float a, float b) => a > b;
}
