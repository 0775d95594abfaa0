using TwoTower.MLNet.Data;

namespace TwoTower.MLNet.Retrieval.Candidates;

/// <summary>
/// "Because you watched": items similar to the user's history (sum of item-item similarities over the history's
/// neighbour lists), best <c>quota</c> kept with a heap. Items added live have no neighbours until retraining.
/// </summary>
public sealed class ItemItemCandidateSource : ICandidateSource
{
    [ThreadStatic] private static Scratch? t_scratch;

    private readonly SparseMatrix _neighbours;

    /// <summary>Creates the source from item neighbour lists (items × items, similarity values).</summary>
    /// <param name="neighbours">Row i lists item i's neighbours and similarities.</param>
    /// <param name="maxHistory">Most history items used (the last ones of the sorted history), bounding the cost for heavy users.</param>
    /// <param name="name">Source name.</param>
    public ItemItemCandidateSource(SparseMatrix neighbours, int maxHistory = 200, string name = "itemknn")
    {
        ArgumentNullException.ThrowIfNull(neighbours);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (neighbours.Rows != neighbours.Columns)
            throw new ArgumentException($"neighbours is {neighbours.Rows}×{neighbours.Columns}; expected a square item × item matrix.", nameof(neighbours));
        if (maxHistory < 1) throw new ArgumentOutOfRangeException(nameof(maxHistory), maxHistory, "maxHistory must be ≥ 1.");
        _neighbours = neighbours;
        MaxHistory = maxHistory;
        Name = name;
    }

    /// <inheritdoc/>
    public string Name { get; }

    /// <summary>Most history items used per query.</summary>
    public int MaxHistory { get; }

    /// <inheritdoc/>
    public void Generate(CandidateQuery query, int quota, List<Candidate> output)
    {
        ArgumentNullException.ThrowIfNull(query);
        if (quota < 1) throw new ArgumentOutOfRangeException(nameof(quota), quota, "quota must be ≥ 1.");
        if (query.History.Length == 0) return;
        var s = t_scratch is { } ts && ts.Scores.Length == _neighbours.Columns ? ts : t_scratch = new Scratch(_neighbours.Columns);
        var history = query.History.AsSpan(Math.Max(0, query.History.Length - MaxHistory));
        try
        {
            foreach (var item in history)
            {
                if ((uint)item >= (uint)_neighbours.Rows) continue; // an item added live: no neighbours yet
                var cols = _neighbours.RowIndices(item);
                var sims = _neighbours.RowValues(item);
                for (var p = 0; p < cols.Length; p++)
                {
                    var j = cols[p];
                    if (s.Scores[j] == 0f) s.Touched.Add(j);
                    s.Scores[j] += sims[p];
                }
            }
            // The heap is sized by what it can be offered, not by a quota that may mean "as many as there are".
            s.Heap.Reset(Math.Min(quota, s.Touched.Count));
            foreach (var j in s.Touched)
            {
                var score = s.Scores[j];
                s.Scores[j] = 0f;
                if (score > 0f && query.Allows(j)) s.Heap.Offer(j, score);
            }
            s.Heap.DrainBestFirst(output);
        }
        finally
        {
            // The scratch is the thread's for every later query: a filter that throws must not leave its sums behind.
            s.Clear();
        }
    }

    private sealed class Scratch(int items)
    {
        public float[] Scores { get; } = new float[items];
        public List<int> Touched { get; } = new();
        public CandidateHeap Heap { get; } = new();

        // Zero the touched scores and empty the list (the scores are already zero after a query that ran to its end).
        public void Clear()
        {
            foreach (var j in Touched) Scores[j] = 0f;
            Touched.Clear();
        }
    }
}
