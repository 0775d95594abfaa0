using System.Collections.Concurrent;
using TwoTower.MLNet.Data;

namespace TwoTower.MLNet.Retrieval.Catalog;

/// <summary>
/// Users' item histories: the training history from the model file plus live upserts. A history is an immutable
/// sorted array replaced as a whole, so readers never see a half-written one.
/// </summary>
public sealed class UserHistoryStore
{
    private readonly IdMap _users;
    private readonly SparseMatrix? _seen;
    private readonly ConcurrentDictionary<string, int[]> _live = new(StringComparer.Ordinal);
    private readonly object _write = new();

    /// <summary>Creates the store over the model's users and their training items (users × items), when known.</summary>
    public UserHistoryStore(IdMap users, SparseMatrix? seen)
    {
        ArgumentNullException.ThrowIfNull(users);
        if (seen is not null && seen.Rows != users.Count)
            throw new ArgumentException($"seen has {seen.Rows} rows; the model has {users.Count} users.", nameof(seen));
        _users = users;
        _seen = seen;
    }

    /// <summary>Users whose history was changed live.</summary>
    public int UpdatedUsers => _live.Count;

    /// <summary>The model key of a user (-1 when unknown to the model).</summary>
    public int UserKey(string userId) => _users.TryGetKey(userId, out var k) ? k : -1;

    /// <summary>Training interactions of a model user key (the model file's seen items); unknown when the file has none, then assumed trained (int.MaxValue).</summary>
    public int TrainedInteractions(int userKey)
    {
        if ((uint)userKey >= (uint)_users.Count) throw new ArgumentOutOfRangeException(nameof(userKey), userKey, $"userKey must be in [0, {_users.Count}).");
        return _seen is null ? int.MaxValue : _seen.RowLength(userKey);
    }

    /// <summary>The user's history: sorted, distinct item keys (empty for a user never seen).</summary>
    public int[] History(string userId)
    {
        ArgumentNullException.ThrowIfNull(userId);
        if (_live.TryGetValue(userId, out var h)) return h;
        var key = UserKey(userId);
        return key >= 0 && _seen is not null ? _seen.RowIndices(key).ToArray() : Array.Empty<int>();
    }

    /// <summary>Adds items to the user's history (a user unknown to the model is created); returns the new history.</summary>
    public int[] Append(string userId, IEnumerable<int> itemKeys)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(userId);
        ArgumentNullException.ThrowIfNull(itemKeys);
        lock (_write)
        {
            var merged = History(userId).Concat(itemKeys).Distinct().Order().ToArray();
            if (merged.Length > 0 && merged[0] < 0) throw new ArgumentOutOfRangeException(nameof(itemKeys), merged[0], "Item keys must be ≥ 0.");
            _live[userId] = merged;
            return merged;
        }
    }

    /// <summary>The users changed live with their full histories (for snapshots).</summary>
    public IEnumerable<KeyValuePair<string, int[]>> LiveHistories => _live.ToArray();
}
