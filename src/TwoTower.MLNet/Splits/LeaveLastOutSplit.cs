using TwoTower.MLNet.Data;

namespace TwoTower.MLNet.Splits;

/// <summary>
/// Leave-last-out: per user, interactions ordered by (timestamp, item id — numerically when every id is
/// an integer); the last goes to test, the second-last to validation, the rest to train. Users with fewer
/// than 3 interactions stay whole in train. Output rows are grouped by user (same id order) in that
/// per-user order — exactly how the shared p2 files were made. Data where no user has 3 interactions
/// (an empty test set) is refused.
/// </summary>
public static class LeaveLastOutSplit
{
    /// <summary>Splits a log.</summary>
    /// <exception cref="ArgumentException">No rows, no timestamps, or no user with 3 or more interactions.</exception>
    public static SplitResult Split(InteractionLog log)
    {
        ArgumentNullException.ThrowIfNull(log);
        if (log.Count == 0) throw new ArgumentException($"Cannot split empty data ({log.Source}).", nameof(log));
        // Without time, "last" would fall back to the highest item id: a split that looks right and means nothing.
        if (!log.HasTimestamps) throw new ArgumentException($"A leave-last-out split needs timestamps; {log.Source} has none (use --protocol random).", nameof(log));
        var itemOrder = IdOrder.For(log.Items.Distinct());
        var userOrder = IdOrder.For(log.Users.Distinct());
        var byUser = new Dictionary<string, List<int>>(StringComparer.Ordinal);
        for (var r = 0; r < log.Count; r++)
        {
            if (!byUser.TryGetValue(log.Users[r], out var rows)) byUser[log.Users[r]] = rows = new List<int>();
            rows.Add(r);
        }
        var train = new List<int>();
        var valid = new List<int>();
        var test = new List<int>();
        foreach (var user in byUser.Keys.Order(userOrder))
        {
            var rows = byUser[user];
            // Stable sort: equal (timestamp, item) rows keep file order.
            var sorted = rows.OrderBy(r => log.Timestamps[r]).ThenBy(r => log.Items[r], itemOrder).ToList();
            if (sorted.Count < 3)
            {
                train.AddRange(sorted);
                continue;
            }
            train.AddRange(sorted.Take(sorted.Count - 2));
            valid.Add(sorted[^2]);
            test.Add(sorted[^1]);
        }
        var split = new SplitResult(log.Subset(train, log.Source + " [train]"), log.Subset(valid, log.Source + " [valid]"), log.Subset(test, log.Source + " [test]"));
        // Train holds every row, so only test can be empty.
        return SplitChecks.NotEmpty(split, "leave-last-out", log.Source, _ =>
            $"no user has 3 or more interactions (users with fewer stay whole in train), among {byUser.Count} users and {log.Count} rows.");
    }
}
