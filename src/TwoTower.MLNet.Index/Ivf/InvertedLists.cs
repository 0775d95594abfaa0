using TwoTower.MLNet.Index.Common;

namespace TwoTower.MLNet.Index.Ivf;

/// <summary>
/// The lists of an IVF index and where each id is stored (FAISS's <c>InvertedLists</c>), shared by IVF-Flat and IVF-PQ.
/// Every change publishes a new array of list snapshots, so a search that read <see cref="Lists"/> once sees one
/// consistent state; the index serialises the changes under its write lock.
/// </summary>
internal sealed class InvertedLists<TList> : IInvertedLists
    where TList : class, IRowStore<TList>
{
    private readonly Dictionary<long, (int List, int Row)> _where = [];
    private volatile TList[] _lists = [];

    /// <summary>The current snapshot of every list, by list number.</summary>
    public TList[] Lists => _lists;

    /// <summary>Live vectors over all lists.</summary>
    public int Count
    {
        get
        {
            var n = 0;
            foreach (var l in _lists) n += l.Live;
            return n;
        }
    }

    /// <summary>Tombstoned vectors over all lists.</summary>
    public int RemovedCount
    {
        get
        {
            var n = 0;
            foreach (var l in _lists) n += l.Rows - l.Live;
            return n;
        }
    }

    /// <summary>Whether <paramref name="id"/> is stored and not removed.</summary>
    public bool Contains(long id) => _where.ContainsKey(id);

    /// <summary>Replaces the lists by <paramref name="empty"/> ones (after training).</summary>
    /// <exception cref="InvalidOperationException">Vectors are already stored: a new quantizer would strand them.</exception>
    public void Reset(TList[] empty)
    {
        if (_where.Count > 0) throw new InvalidOperationException("The index already holds vectors; train before adding.");
        _lists = empty;
    }

    /// <summary>
    /// Appends batch row b (id <paramref name="ids"/>[b]) to list <paramref name="assign"/>[b]. For each list,
    /// <paramref name="append"/>(list, member ids, member batch rows in order) returns the list with those rows appended.
    /// </summary>
    public void Append(ReadOnlySpan<long> ids, int[] assign, Func<TList, long[], int[], TList> append)
    {
        var lists = (TList[])_lists.Clone();
        var appended = new List<(int List, int FirstRow, long[] Ids)>();
        foreach (var group in assign.Select((list, row) => (list, row)).GroupBy(x => x.list, x => x.row))
        {
            var (list, members) = (group.Key, group.ToArray());
            var memberIds = new long[members.Length];
            for (var i = 0; i < members.Length; i++) memberIds[i] = ids[members[i]];
            appended.Add((list, lists[list].Rows, memberIds));
            lists[list] = append(lists[list], memberIds, members);
        }
        // Registered once every list is built: an append failing part-way (out of memory) left ids counted as stored that no list held.
        foreach (var (list, firstRow, memberIds) in appended)
            for (var i = 0; i < memberIds.Length; i++) _where.Add(memberIds[i], (list, firstRow + i));
        _lists = lists;
    }

    /// <summary>Tombstones <paramref name="id"/>; false when it is not stored.</summary>
    public bool Remove(long id)
    {
        if (!_where.Remove(id, out var at)) return false;
        var lists = (TList[])_lists.Clone();
        lists[at.List] = lists[at.List].MarkRemoved(at.Row);
        _lists = lists;
        return true;
    }

    /// <summary>
    /// Moves <paramref name="id"/> to a new row of list <paramref name="list"/>, built by <paramref name="append"/>(list, [id])
    /// as in <see cref="Append"/>, and tombstones its old row, both in one published array of lists (the tombstone in a copy,
    /// so a search of the current lists still sees the old row). False when the id is not stored.
    /// </summary>
    public bool Replace(long id, int list, Func<TList, long[], TList> append)
    {
        if (!_where.TryGetValue(id, out var at)) return false;
        var lists = (TList[])_lists.Clone();
        var row = lists[list].Rows;
        lists[list] = append(lists[list], [id]);
        lists[at.List] = lists[at.List].WithRowRemoved(at.Row);
        _where[id] = (list, row);
        _lists = lists;
        return true;
    }

    /// <summary>Rewrites every list that holds tombstones without them.</summary>
    public void Compact()
    {
        var lists = (TList[])_lists.Clone();
        var rewritten = new List<int>();
        for (var l = 0; l < lists.Length; l++)
        {
            if (lists[l].Live == lists[l].Rows) continue;
            lists[l] = lists[l].WithoutRemoved();
            rewritten.Add(l);
        }
        // Rows move only once every list is rewritten: a rewrite failing part-way (out of memory) left ids pointing at rows
        // of lists never published, and a later remove tombstoned another id's row.
        foreach (var l in rewritten)
            for (var r = 0; r < lists[l].Rows; r++) _where[lists[l].Ids[r]] = (l, r);
        _lists = lists;
    }

    /// <summary>Takes the lists of a loaded file, registering every id.</summary>
    /// <exception cref="InvalidDataException">An id is negative or stored twice (the error <paramref name="corrupt"/> makes of the reason).</exception>
    public void Adopt(TList[] lists, Func<string, InvalidDataException> corrupt)
    {
        for (var l = 0; l < lists.Length; l++)
            for (var r = 0; r < lists[l].Rows; r++)
            {
                var id = lists[l].Ids[r];
                if (id < 0) throw corrupt($"list {l} holds negative id {id}");
                if (!_where.TryAdd(id, (l, r))) throw corrupt($"id {id} is stored twice");
            }
        _lists = lists;
    }
}
