namespace TwoTower.MLNet.Index;

/// <summary>Per-call search settings. Unset values fall back to the index's own defaults; indexes ignore settings that do not apply to them.</summary>
public sealed record SearchOptions
{
    /// <summary>Default options.</summary>
    public static SearchOptions Default { get; } = new();

    /// <summary>HNSW: size of the dynamic candidate list (≥ k is used).</summary>
    public int? EfSearch { get; init; }

    /// <summary>IVF: number of inverted lists probed, from 1 to the index's list count (more throws <see cref="ArgumentOutOfRangeException"/>, as 0 does).</summary>
    public int? NProbe { get; init; }

    /// <summary>Only ids for which this returns true may be returned. Called concurrently; keep it cheap and thread-safe.</summary>
    public Func<long, bool>? Filter { get; init; }

    /// <summary>Only ids whose bit is set may be returned (ids must be &lt; AllowList.Length). Faster than <see cref="Filter"/>.</summary>
    public System.Collections.BitArray? AllowList { get; init; }

    /// <summary>Threads to spread a batch of queries over (1 = the calling thread only).</summary>
    public int Threads { get; init; } = 1;
}
