namespace TwoTower.MLNet.Index.Hnsw;

/// <summary>
/// Inserts nodes into an <see cref="HnswGraph"/> (Malkov &amp; Yashunin, Alg. 1 with the Alg. 4 heuristic).
/// Safe to run on several threads at once: each link list is rewritten under its node's stripe lock
/// with its count written last, and a node is linked from others only after its own vector is stored.
/// </summary>
internal static unsafe class HnswGraphInsertion
{

    /// <summary>Links one stored node (vector, norm and level already written) into the graph.</summary>
    public static void Insert(HnswGraph g, HnswDistance kind, int node, int efConstruction, bool keepPruned, Lock entryLock, SearchContext ctx)
    {
        int level = g.Levels[node];
        float* q = g.Vector(node);
        float qTerm = g.Terms[node];
        var (entry, maxLevel) = g.Entry;
        bool holdsEntryLock = false;
        if (level > maxLevel)
        {
            // A node that may become the new top must not race another one doing the same.
            entryLock.Enter();
            holdsEntryLock = true;
            (entry, maxLevel) = g.Entry;
            if (level <= maxLevel) { entryLock.Exit(); holdsEntryLock = false; }
        }
        try
        {
            if (entry < 0) { g.Entry = (node, level); return; }
            int current = entry;
            float currentDistance = HnswGraphSearch.Distance(g, kind, q, qTerm, current);
            for (int layer = maxLevel; layer > level; layer--)
                HnswGraphSearch.Greedy(g, kind, q, qTerm, layer, ref current, ref currentDistance);
            int top = Math.Min(level, maxLevel);
            // Back links wait until every layer's own list is written, so no insert reaches this node (through a higher layer)
            // while its lower lists are empty: one that did linked only to it, and its link back was overwritten when the
            // node wrote its own list, which left it unreachable (parallel builds lost nodes; hnswlib locks the node instead).
            int stride = g.M + 1;
            if (ctx.Pending.Length < (top + 1) * stride) ctx.Pending = new int[(top + 1) * stride];
            for (int layer = top; layer >= 0; layer--)
            {
                if (layer == 0) HnswGraphSearch.SearchLayer0(g, kind, q, qTerm, current, currentDistance, efConstruction, ctx, default(AllowAll));
                else HnswGraphSearch.SearchUpperLayer(g, kind, q, qTerm, current, currentDistance, efConstruction, layer, ctx);
                // Draining the max-heap from the back yields the candidates closest first, without a general sort.
                var results = ctx.Results;
                int foundCount = results.Count;
                if (ctx.Sorted.Length < foundCount) ctx.Sorted = new Candidate[Math.Max(foundCount, 2 * ctx.Sorted.Length)];
                for (int i = foundCount - 1; i >= 0; i--) ctx.Sorted[i] = results.Pop();
                Span<Candidate> found = ctx.Sorted.AsSpan(0, foundCount);
                if (found.Length > 0 && found[0].Node != node) { current = found[0].Node; currentDistance = found[0].Distance; }
                int selectedCount = SelectNeighbors(g, kind, LiveFirst(g, found), node, g.M, keepPruned, ctx.Selected, ctx);
                Span<int> own = g.LinksAt(node, layer);
                lock (g.StripeOf(node))
                {
                    for (int i = 0; i < selectedCount; i++) own[1 + i] = ctx.Selected[i];
                    Volatile.Write(ref own[0], selectedCount);
                }
                ctx.Pending[layer * stride] = selectedCount;
                ctx.Selected.AsSpan(0, selectedCount).CopyTo(ctx.Pending.AsSpan(layer * stride + 1));
            }
            for (int layer = top; layer >= 0; layer--)
            {
                int maxLinks = layer == 0 ? g.M0 : g.M;
                for (int i = 1; i <= ctx.Pending[layer * stride]; i++)
                    Connect(g, kind, ctx.Pending[layer * stride + i], node, layer, maxLinks, ctx);
            }
            if (level > maxLevel) g.Entry = (node, level);
        }
        finally
        {
            if (holdsEntryLock) entryLock.Exit();
        }
    }

    /// <summary>
    /// The candidates without removed nodes, in order, unless all are removed. A node linked to tombstones, above all to
    /// its own removed copies (an item replaced back and forth between two vectors), is reached only through their lists,
    /// whose pruning drops it once they are full: it became unreachable after 100–200 such replaces. Searches still pass
    /// through tombstones; a new node just does not choose them as neighbours.
    /// </summary>
    private static Span<Candidate> LiveFirst(HnswGraph g, Span<Candidate> found)
    {
        if (Volatile.Read(ref g.DeletedCount) == 0) return found;
        var deleted = g.Deleted;
        int live = 0;
        for (int i = 0; i < found.Length; i++)
            if (found[i].Node >= deleted.Length || deleted[found[i].Node] == 0) found[live++] = found[i];
        return live > 0 ? found[..live] : found;
    }

    /// <summary>
    /// The paper's heuristic: walking candidates from the closest, keep one only if it is closer to the
    /// base than to every kept one (diverse directions keep the graph navigable across clusters).
    /// </summary>
    private static int SelectNeighbors(HnswGraph g, HnswDistance kind, ReadOnlySpan<Candidate> sortedCandidates, int self, int max, bool keepPruned, int[] selected, SearchContext ctx)
    {
        int count = 0, discarded = 0;
        if (sortedCandidates.Length <= max)
        {
            // Fewer candidates than slots: keep them all (as hnswlib does), the heuristic only prunes surplus.
            foreach (var c in sortedCandidates) if (c.Node != self) selected[count++] = c.Node;
            return count;
        }
        foreach (var c in sortedCandidates)
        {
            if (count == max) break;
            if (c.Node == self) continue;
            bool good = true;
            for (int s = 0; s < count; s++)
            {
                if (HnswGraphSearch.NodeDistance(g, kind, c.Node, selected[s]) < c.Distance) { good = false; break; }
            }
            if (good) selected[count++] = c.Node;
            else if (keepPruned)
            {
                if (discarded == ctx.Discarded.Length) { int[] grown = ctx.Discarded; Array.Resize(ref grown, discarded * 2); ctx.Discarded = grown; }
                ctx.Discarded[discarded++] = c.Node;
            }
        }
        for (int i = 0; keepPruned && i < discarded && count < max; i++) selected[count++] = ctx.Discarded[i];
        return count;
    }

    // The pool is at most 2M + 1 long and mostly ordered already: insertion sort beats a general sort here.
    private static void InsertionSort(Span<Candidate> items)
    {
        for (int i = 1; i < items.Length; i++)
        {
            Candidate x = items[i];
            int j = i - 1;
            while (j >= 0 && items[j].Distance > x.Distance) { items[j + 1] = items[j]; j--; }
            items[j + 1] = x;
        }
    }

    /// <summary>Adds a back link target → node, re-running the heuristic over the target's list when it is full.</summary>
    private static void Connect(HnswGraph g, HnswDistance kind, int target, int node, int layer, int maxLinks, SearchContext ctx)
    {
        lock (g.StripeOf(target))
        {
            Span<int> links = g.LinksAt(target, layer);
            int count = links[0];
            for (int i = 1; i <= count; i++) if (links[i] == node) return;
            if (count < maxLinks)
            {
                links[1 + count] = node;
                Volatile.Write(ref links[0], count + 1);
                return;
            }
            Span<Candidate> pool = ctx.Prune.AsSpan(0, count + 1);
            for (int i = 0; i < count; i++) pool[i] = new Candidate(HnswGraphSearch.NodeDistance(g, kind, target, links[1 + i]), links[1 + i]);
            pool[count] = new Candidate(HnswGraphSearch.NodeDistance(g, kind, target, node), node);
            InsertionSort(pool);
            int kept = SelectNeighbors(g, kind, pool, target, maxLinks, keepPruned: false, ctx.PruneSelected, ctx);
            for (int i = 0; i < kept; i++) links[1 + i] = ctx.PruneSelected[i];
            Volatile.Write(ref links[0], kept);
        }
    }
}
