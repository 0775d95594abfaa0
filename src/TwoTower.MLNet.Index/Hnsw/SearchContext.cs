using System.Runtime.CompilerServices;

namespace TwoTower.MLNet.Index.Hnsw;

/// <summary>Per-thread scratch of graph searches and insertions, reused across queries so the hot loop never allocates.</summary>
internal sealed unsafe class SearchContext
{
    private readonly float[] _queryBlock;

    public SearchContext(int stride, int m0)
    {
        _queryBlock = GC.AllocateArray<float>(stride + 16, pinned: true);
        float* p = (float*)Unsafe.AsPointer(ref _queryBlock[0]);
        Query = (float*)(((nint)p + 63) & ~(nint)63);
        Selected = new int[m0 + 1];
        Unvisited = new int[m0 + 1];
        PruneSelected = new int[m0 + 1];
        Prune = new Candidate[m0 + 2];
        Discarded = new int[Math.Max(m0, 16) * 32];
    }

    /// <summary>The query, padded with zeros to the row stride and 64-byte aligned.</summary>
    public float* Query { get; }
    public VisitedSet Visited { get; } = new();
    public DistanceHeap<MinOnTop> Candidates { get; } = new();
    public DistanceHeap<MaxOnTop> Results { get; } = new();
    public int[] Selected { get; }
    public int[] Unvisited { get; }
    public int[] PruneSelected { get; }
    public Candidate[] Prune { get; }
    public int[] Discarded { get; set; }
    public Candidate[] Sorted { get; set; } = new Candidate[256];

    /// <summary>An insert's chosen neighbours per layer ([count, nodes…] of M + 1 ints each), linked back once all are written.</summary>
    public int[] Pending { get; set; } = [];

    /// <summary>Layer 0's entry points of the current search.</summary>
    public Candidate[] Seeds { get; set; } = new Candidate[16];

    /// <summary>The exact scan's top k: scores, ids and nodes (see <see cref="HnswGraphSearch.BruteForce{TFilter}"/>).</summary>
    public (float[] Scores, long[] Ids, long[] Nodes) Exact { get; set; } = ([], [], []);
}
