namespace TwoTower.MLNet.Retrieval.Candidates;

/// <summary>Merges per-source candidate lists: normalises each list, weights it, deduplicates items keeping the best score and every proposing source.</summary>
public static class CandidateMerger
{
    /// <summary>One source's list as handed to <see cref="Merge"/>.</summary>
    /// <param name="Source">Source name.</param>
    /// <param name="Weight">Weight of its normalised scores.</param>
    /// <param name="Candidates">Its candidates (any order; an item listed twice keeps its best score).</param>
    public readonly record struct SourceList(string Source, float Weight, IReadOnlyList<Candidate> Candidates);

    /// <summary>Normalises one list's scores into <paramref name="normalized"/> (same order as <paramref name="candidates"/>).</summary>
    public static void Normalize(IReadOnlyList<Candidate> candidates, ScoreNormalization normalization, Span<float> normalized)
    {
        if (normalized.Length != candidates.Count)
            throw new ArgumentException($"normalized has {normalized.Length} slots for {candidates.Count} candidates.", nameof(normalized));
        if (candidates.Count == 0) return;
        switch (normalization)
        {
            case ScoreNormalization.None:
                for (var i = 0; i < candidates.Count; i++) normalized[i] = candidates[i].Score;
                break;
            case ScoreNormalization.MinMax:
                // Over the finite scores only, in double: one NaN or infinity, or a range past float, must not flatten the whole list.
                var min = double.PositiveInfinity;
                var max = double.NegativeInfinity;
                for (var i = 0; i < candidates.Count; i++)
                {
                    var s = candidates[i].Score;
                    if (!float.IsFinite(s)) continue;
                    min = Math.Min(min, s);
                    max = Math.Max(max, s);
                }
                var range = max - min;
                for (var i = 0; i < candidates.Count; i++)
                {
                    var s = candidates[i].Score;
                    normalized[i] = float.IsPositiveInfinity(s) ? 1f
                        : !float.IsFinite(s) ? 0f
                        : range > 0 ? (float)((s - min) / range) : 1f;
                }
                break;
            case ScoreNormalization.Rank:
                // Rank by score so that the list's order does not matter; ties share the better rank.
                var order = new int[candidates.Count];
                for (var i = 0; i < order.Length; i++) order[i] = i;
                Array.Sort(order, (a, b) => candidates[b].Score.CompareTo(candidates[a].Score));
                var rank = 0;
                for (var r = 0; r < order.Length; r++)
                {
                    if (r > 0 && candidates[order[r]].Score < candidates[order[r - 1]].Score) rank = r;
                    normalized[order[r]] = 1f / (1 + rank);
                }
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(normalization), normalization, "normalization must be a defined ScoreNormalization.");
        }
    }

    /// <summary>
    /// Merges source lists: each candidate's score becomes weight × normalised score; an item proposed by several
    /// sources keeps its best score and lists every proposing source (in list order). The result is sorted by
    /// score descending, ties by item key ascending (deterministic).
    /// </summary>
    public static List<MergedCandidate> Merge(IReadOnlyList<SourceList> lists, ScoreNormalization normalization)
    {
        ArgumentNullException.ThrowIfNull(lists);
        if (lists.Count > 64) throw new ArgumentException($"{lists.Count} source lists; at most 64 can be merged.", nameof(lists));
        // Sources per item as a bit mask over the lists: one shared name array per distinct combination, not one list per item.
        var best = new Dictionary<int, (float Score, ulong Sources)>();
        var longest = 0;
        foreach (var list in lists) longest = Math.Max(longest, list.Candidates?.Count ?? 0);
        var buffer = longest <= 512 ? stackalloc float[longest] : new float[longest];
        for (var l = 0; l < lists.Count; l++)
        {
            var list = lists[l];
            if (list.Candidates is null) throw new ArgumentException($"Source '{list.Source}' has a null candidate list.", nameof(lists));
            var norm = buffer[..list.Candidates.Count];
            Normalize(list.Candidates, normalization, norm);
            var bit = 1UL << l;
            for (var i = 0; i < list.Candidates.Count; i++)
            {
                var key = list.Candidates[i].ItemKey;
                var score = list.Weight * norm[i];
                best[key] = best.TryGetValue(key, out var entry) ? (Math.Max(entry.Score, score), entry.Sources | bit) : (score, bit);
            }
        }
        var names = new Dictionary<ulong, string[]>();
        var merged = new List<MergedCandidate>(best.Count);
        foreach (var (key, e) in best)
        {
            if (!names.TryGetValue(e.Sources, out var sources))
            {
                var n = new List<string>(2);
                for (var l = 0; l < lists.Count; l++)
                    if ((e.Sources & (1UL << l)) != 0 && !n.Contains(lists[l].Source)) n.Add(lists[l].Source);
                names[e.Sources] = sources = n.ToArray();
            }
            merged.Add(new MergedCandidate(key, e.Score, sources));
        }
        merged.Sort(Compare);
        return merged;
    }

    /// <summary>The merged order: score descending, then item key ascending.</summary>
    public static int Compare(MergedCandidate a, MergedCandidate b)
    {
        var c = b.Score.CompareTo(a.Score);
        return c != 0 ? c : a.ItemKey.CompareTo(b.ItemKey);
    }
}
