using TwoTower.MLNet.Data;

namespace TwoTower.MLNet.Training;

/// <summary>
/// Per-interaction loss weights that favour each user's recent interactions: a user's rows are ordered by (timestamp,
/// item key), and the row at position j of n (0 = oldest) weighs 1 + β·f, with f = j/(n−1) (a linear ramp, as the iALS
/// recency boost) or, with a half-life h &gt; 0, f = 2^(−(n−1−j)/h) (the newest row 1, the one h rows older ½).
/// Shared by the iALS confidence boost (linear) and the two-tower loss weights. Data without time (every timestamp
/// equal, e.g. a file without a time column) has no recent rows: every weight is 1.
/// </summary>
internal static class RecencyExampleWeights
{
    /// <summary>The weight of every row of <paramref name="train"/>.</summary>
    public static float[] Compute(Interactions train, float boost, int halfLife)
    {
        ArgumentNullException.ThrowIfNull(train);
        if (!(boost >= 0) || !float.IsFinite(boost)) throw new ArgumentOutOfRangeException(nameof(boost), boost, "Must be a finite number ≥ 0.");
        if (halfLife < 0) throw new ArgumentOutOfRangeException(nameof(halfLife), halfLife, "Must be ≥ 0 (0 = linear ramp).");
        var w = new float[train.Count];
        Array.Fill(w, 1f);
        if (boost == 0f) return w;
        var rows = new int[train.Count];
        for (var r = 0; r < rows.Length; r++) rows[r] = r;
        var times = train.Timestamps.ToArray();
        // Without time the order below would be that of the item keys (first appearance in the file): no recency at all.
        if (times.Length == 0 || Array.TrueForAll(times, t => t == times[0])) return w;
        var users = train.UserKeys.ToArray();
        var items = train.ItemKeys.ToArray();
        // Group rows by user, then order each user's rows by time (the item key breaks ties).
        Array.Sort(rows, (a, b) =>
        {
            var c = users[a].CompareTo(users[b]);
            if (c != 0) return c;
            c = times[a].CompareTo(times[b]);
            return c != 0 ? c : items[a].CompareTo(items[b]);
        });
        for (var start = 0; start < rows.Length;)
        {
            var end = start;
            while (end < rows.Length && users[rows[end]] == users[rows[start]]) end++;
            var n = end - start;
            for (var j = 0; j < n; j++)
            {
                // The linear ramp stays in float arithmetic: iALS results are pinned to it.
                w[rows[start + j]] = halfLife > 0
                    ? (float)(1 + boost * Math.Pow(2, -(n - 1 - j) / (double)halfLife))
                    : 1f + boost * (n == 1 ? 1f : (float)j / (n - 1));
            }
            start = end;
        }
        return w;
    }
}
