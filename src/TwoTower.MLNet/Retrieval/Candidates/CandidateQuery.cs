using TwoTower.MLNet.Data;

namespace TwoTower.MLNet.Retrieval.Candidates;

/// <summary>Everything a candidate source may use to answer one request.</summary>
public sealed class CandidateQuery
{
    /// <summary>Creates a query.</summary>
    /// <param name="userKey">The user's key in the model (-1 = unknown to the model).</param>
    /// <param name="history">Item keys the user interacted with, sorted ascending, no duplicates.</param>
    /// <param name="filter">Item keys the answer may contain (business rules, liveness); null = all.</param>
    /// <param name="excludeSeen">Whether history items are left out.</param>
    /// <param name="userFeatures">Demographic features for cold-start popularity, when known.</param>
    public CandidateQuery(int userKey, int[] history, Func<int, bool>? filter = null, bool excludeSeen = true, UserRecord? userFeatures = null)
    {
        ArgumentNullException.ThrowIfNull(history);
        if (userKey < -1) throw new ArgumentOutOfRangeException(nameof(userKey), userKey, "userKey must be -1 (unknown user) or ≥ 0.");
        for (var i = 1; i < history.Length; i++)
            if (history[i] <= history[i - 1])
                throw new ArgumentException($"history must be sorted ascending without duplicates; position {i} holds {history[i]} after {history[i - 1]}.", nameof(history));
        UserKey = userKey;
        History = history;
        Filter = filter;
        ExcludeSeen = excludeSeen;
        UserFeatures = userFeatures;
    }

    /// <summary>The user's key in the model (-1 = unknown).</summary>
    public int UserKey { get; }

    /// <summary>Sorted item keys of the user's history.</summary>
    public int[] History { get; }

    /// <summary>Item-key filter from business rules and liveness (null = every item).</summary>
    public Func<int, bool>? Filter { get; }

    /// <summary>Whether history items are left out.</summary>
    public bool ExcludeSeen { get; }

    /// <summary>Demographic features of the user, when known.</summary>
    public UserRecord? UserFeatures { get; }

    /// <summary>Whether an item may be proposed: passes the filter and, with exclude-seen, is not in the history.</summary>
    public bool Allows(int itemKey) =>
        (Filter is null || Filter(itemKey)) && !(ExcludeSeen && Array.BinarySearch(History, itemKey) >= 0);
}
