using TwoTower.MLNet.Data;

namespace TwoTower.MLNet.ColdStart;

/// <summary>
/// Item popularity overall and per user group (age bucket, occupation, gender), for popularity candidates and cold-start users.
/// Groups with fewer than <c>minGroupInteractions</c> interactions fall back to overall popularity (too little data to trust);
/// within a group, items of equal count are ordered by overall popularity (their counts carry it as a fraction below 1).
/// </summary>
public sealed class PopularityTable
{
    private readonly Dictionary<string, PopularityRanking> _groups;

    private PopularityTable(PopularityRanking overall, Dictionary<string, PopularityRanking> groups, UserGrouping grouping)
    {
        Overall = overall;
        _groups = groups;
        Grouping = grouping;
    }

    /// <summary>Overall ranking.</summary>
    public PopularityRanking Overall { get; }

    /// <summary>The grouping used.</summary>
    public UserGrouping Grouping { get; }

    /// <summary>Group names with their own ranking.</summary>
    public IReadOnlyCollection<string> GroupNames => _groups.Keys;

    /// <summary>The ranking for a user's features: its group's when the group is known, else overall.</summary>
    public PopularityRanking RankingFor(UserRecord? user) =>
        UserGroups.KeyOf(user, Grouping) is { } g && _groups.TryGetValue(g, out var r) ? r : Overall;

    /// <summary>A table of overall popularity only, from counts per item key.</summary>
    public static PopularityTable FromCounts(float[] counts)
    {
        ArgumentNullException.ThrowIfNull(counts);
        return new PopularityTable(new PopularityRanking(counts), new Dictionary<string, PopularityRanking>(StringComparer.Ordinal), UserGrouping.None);
    }

    /// <summary>Counts interactions per item (overall and per group of the interacting user).</summary>
    /// <param name="itemCount">Catalogue size (item keys 0..itemCount-1).</param>
    /// <param name="userKeys">User key per interaction.</param>
    /// <param name="itemKeys">Item key per interaction.</param>
    /// <param name="users">Maps user keys to raw ids (to find their metadata).</param>
    /// <param name="metadata">User features; null = overall popularity only.</param>
    /// <param name="grouping">How users are grouped.</param>
    /// <param name="minGroupInteractions">Interactions a group needs for its own ranking.</param>
    public static PopularityTable Build(int itemCount, ReadOnlySpan<int> userKeys, ReadOnlySpan<int> itemKeys, IdMap users, UserMetadata? metadata,
        UserGrouping grouping = UserGrouping.None, int minGroupInteractions = 100)
    {
        ArgumentNullException.ThrowIfNull(users);
        if (itemCount < 0) throw new ArgumentOutOfRangeException(nameof(itemCount), itemCount, "itemCount must be ≥ 0.");
        if (userKeys.Length != itemKeys.Length)
            throw new ArgumentException($"userKeys has {userKeys.Length} entries, itemKeys {itemKeys.Length}; they must match.", nameof(itemKeys));
        if (!Enum.IsDefined(grouping)) throw new ArgumentOutOfRangeException(nameof(grouping), grouping, "grouping must be a defined UserGrouping.");
        if (minGroupInteractions < 1) throw new ArgumentOutOfRangeException(nameof(minGroupInteractions), minGroupInteractions, "minGroupInteractions must be ≥ 1.");
        var overall = new float[itemCount];
        var groupOfUser = new string?[users.Count];
        if (metadata is not null && grouping != UserGrouping.None)
            for (var u = 0; u < users.Count; u++)
                groupOfUser[u] = metadata.TryGet(users.GetRawId(u), out var rec) ? UserGroups.KeyOf(rec, grouping) : null;
        var groupCounts = new Dictionary<string, (float[] Counts, int Total)>(StringComparer.Ordinal);
        for (var r = 0; r < itemKeys.Length; r++)
        {
            var i = itemKeys[r];
            if ((uint)i >= (uint)itemCount) throw new ArgumentOutOfRangeException(nameof(itemKeys), i, $"itemKeys[{r}] must be in [0, {itemCount}).");
            overall[i]++;
            var u = userKeys[r];
            if ((uint)u >= (uint)users.Count) throw new ArgumentOutOfRangeException(nameof(userKeys), u, $"userKeys[{r}] must be in [0, {users.Count}).");
            if (groupOfUser[u] is not { } g) continue;
            if (!groupCounts.TryGetValue(g, out var gc)) gc = (new float[itemCount], 0);
            gc.Counts[i]++;
            groupCounts[g] = (gc.Counts, gc.Total + 1);
        }
        // Within a group, items of equal count (most of the catalogue is 0 in a small group) are ordered by overall popularity,
        // not by item key: each count gains overall / (max overall + 1), a fraction below 1 that never outranks a whole count.
        var tieBreak = 1f / (overall.Length == 0 ? 1f : overall.Max() + 1f);
        var groups = new Dictionary<string, PopularityRanking>(StringComparer.Ordinal);
        foreach (var (g, gc) in groupCounts)
        {
            if (gc.Total < minGroupInteractions) continue;
            for (var i = 0; i < itemCount; i++) gc.Counts[i] += overall[i] * tieBreak;
            groups[g] = new PopularityRanking(gc.Counts);
        }
        return new PopularityTable(new PopularityRanking(overall), groups, grouping);
    }
}

/// <summary>Items ordered by popularity: counts per item key and the keys sorted by count descending, then key ascending.</summary>
public sealed class PopularityRanking
{
    /// <summary>Creates the ranking from counts per item key.</summary>
    public PopularityRanking(float[] counts)
    {
        ArgumentNullException.ThrowIfNull(counts);
        Counts = counts;
        var order = Enumerable.Range(0, counts.Length).ToArray();
        Array.Sort(order, (a, b) => counts[b] != counts[a] ? counts[b].CompareTo(counts[a]) : a.CompareTo(b));
        Order = order;
    }

    /// <summary>Count per item key.</summary>
    public float[] Counts { get; }

    /// <summary>Item keys, most popular first.</summary>
    public int[] Order { get; }
}
