using TwoTower.MLNet.Data;

namespace TwoTower.MLNet.Features;

/// <summary>The user's training items as a bag feature of the user tower (the "watch history" input of YouTube-style towers).</summary>
public static class UserHistoryFeature
{
    /// <summary>Name of the history bag feature.</summary>
    public const string BagName = "history";

    /// <summary>
    /// A bag over item keys holding each user's distinct training items; with <paramref name="recent"/> &gt; 0 only the
    /// user's last <paramref name="recent"/> interactions by (timestamp, row order).
    /// </summary>
    public static BagFeature Build(Interactions train, int recent = 0)
    {
        ArgumentNullException.ThrowIfNull(train);
        if (recent < 0) throw new ArgumentOutOfRangeException(nameof(recent), recent, "Must be ≥ 0 (0 = whole history).");
        var rowsPerUser = new List<int>[train.Users.Count];
        for (var u = 0; u < rowsPerUser.Length; u++) rowsPerUser[u] = new List<int>();
        for (var r = 0; r < train.Count; r++) rowsPerUser[train.UserKeys[r]].Add(r);
        var times = train.Timestamps.ToArray();
        var itemKeys = train.ItemKeys.ToArray();
        var perUser = new List<int>[train.Users.Count];
        for (var u = 0; u < perUser.Length; u++)
        {
            var rows = rowsPerUser[u];
            if (recent > 0 && rows.Count > recent)
            {
                rows.Sort((a, b) => times[a] != times[b] ? times[a].CompareTo(times[b]) : a.CompareTo(b));
                rows = rows.GetRange(rows.Count - recent, recent);
            }
            perUser[u] = rows.Select(r => itemKeys[r]).ToList();
        }
        var offsets = new int[perUser.Length + 1];
        var tokens = new List<int>(train.Count);
        for (var u = 0; u < perUser.Length; u++)
        {
            perUser[u].Sort();
            for (var j = 0; j < perUser[u].Count; j++)
                if (j == 0 || perUser[u][j] != perUser[u][j - 1]) tokens.Add(perUser[u][j]);
            offsets[u + 1] = tokens.Count;
        }
        return new BagFeature(BagName, Math.Max(train.Items.Count, 1), offsets, tokens.ToArray(), train.Items.Count > 0 ? train.Items.RawIds.ToArray() : [""]);
    }

    /// <summary>A copy of <paramref name="table"/> with the history bag (see <see cref="Build"/>) appended.</summary>
    public static FeatureTable Append(FeatureTable table, Interactions train, int recent = 0)
    {
        ArgumentNullException.ThrowIfNull(table);
        return new FeatureTable(table.EntityCount, table.Categoricals, table.Bags.Append(Build(train, recent)).ToArray(), table.NumericDimension, table.Numeric, table.NumericNames, table.NumericScaling);
    }
}
