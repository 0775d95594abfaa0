namespace TwoTower.MLNet.Index.Ivf;

/// <summary>What <see cref="IvfIndex"/> needs of its lists whatever they store: the id bookkeeping, removal and compaction.</summary>
internal interface IInvertedLists
{
    /// <summary>Live vectors over all lists.</summary>
    int Count { get; }

    /// <summary>Tombstoned vectors over all lists (what <see cref="Compact"/> reclaims).</summary>
    int RemovedCount { get; }

    /// <summary>Whether an id is stored and not removed.</summary>
    bool Contains(long id);

    /// <summary>Tombstones an id; false when it is not stored.</summary>
    bool Remove(long id);

    /// <summary>Rewrites every list that holds tombstones without them.</summary>
    void Compact();
}
