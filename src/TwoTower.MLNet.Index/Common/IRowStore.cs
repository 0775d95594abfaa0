namespace TwoTower.MLNet.Index.Common;

/// <summary>
/// An append-only store of rows with tombstones, changed by returning a new snapshot (the packed vectors of Flat and
/// IVF-Flat, one IVF-PQ list), so a reader holding the old snapshot stays consistent.
/// </summary>
internal interface IRowStore<TSelf>
    where TSelf : IRowStore<TSelf>
{
    /// <summary>Rows stored, removed ones included.</summary>
    int Rows { get; }

    /// <summary>Rows not removed.</summary>
    int Live { get; }

    /// <summary>The id of each row (at least <see cref="Rows"/> long).</summary>
    long[] Ids { get; }

    /// <summary>Tombstones <paramref name="row"/> and returns the snapshot with one fewer live row.</summary>
    TSelf MarkRemoved(int row);

    /// <summary>
    /// Returns a snapshot with <paramref name="row"/> tombstoned in a copy of the tombstones, one fewer live row: readers of
    /// this snapshot still see the row (a replace publishes the new row and the old one's tombstone together).
    /// </summary>
    TSelf WithRowRemoved(int row);

    /// <summary>The live rows in row order, without tombstones (this snapshot itself when none is removed).</summary>
    TSelf WithoutRemoved();
}
