namespace TwoTower.MLNet.Data;

/// <summary>How <see cref="Interactions.Encode"/> treats ids that the maps do not know.</summary>
public enum UnknownIdPolicy
{
    /// <summary>Add unknown ids to the maps (building a training set).</summary>
    Add,
    /// <summary>Drop rows with an unknown user or item and count them (evaluating against a fixed model).</summary>
    Drop,
    /// <summary>Throw on the first unknown id.</summary>
    Throw,
}

/// <summary>
/// Interactions encoded to dense keys of a user and an item <see cref="IdMap"/>: the form every trainer
/// and evaluator works on. Struct of arrays; rows keep the order of the source log.
/// </summary>
public sealed class Interactions
{
    private readonly int[] _users;
    private readonly int[] _items;
    private readonly float[] _ratings;
    private readonly long[] _timestamps;

    /// <summary>Creates encoded interactions from arrays (not copied); keys must be valid in the maps.</summary>
    public Interactions(IdMap users, IdMap items, int[] userKeys, int[] itemKeys, float[] ratings, long[] timestamps)
    {
        ArgumentNullException.ThrowIfNull(users);
        ArgumentNullException.ThrowIfNull(items);
        ArgumentNullException.ThrowIfNull(userKeys);
        ArgumentNullException.ThrowIfNull(itemKeys);
        ArgumentNullException.ThrowIfNull(ratings);
        ArgumentNullException.ThrowIfNull(timestamps);
        if (itemKeys.Length != userKeys.Length || ratings.Length != userKeys.Length || timestamps.Length != userKeys.Length)
            throw new ArgumentException($"Column lengths differ: users {userKeys.Length}, items {itemKeys.Length}, ratings {ratings.Length}, timestamps {timestamps.Length}.");
        // A key outside its map would surface later as an IndexOutOfRangeException deep inside a trainer or evaluator.
        CheckKeys(userKeys, users, nameof(userKeys));
        CheckKeys(itemKeys, items, nameof(itemKeys));
        Users = users;
        Items = items;
        _users = userKeys;
        _items = itemKeys;
        _ratings = ratings;
        _timestamps = timestamps;
    }

    /// <summary>The user id map.</summary>
    public IdMap Users { get; }

    /// <summary>The item id map.</summary>
    public IdMap Items { get; }

    /// <summary>Number of rows.</summary>
    public int Count => _users.Length;

    /// <summary>Rows dropped by <see cref="UnknownIdPolicy.Drop"/> while encoding.</summary>
    public int DroppedRows { get; init; }

    /// <summary>User key of each row.</summary>
    public ReadOnlySpan<int> UserKeys => _users;

    /// <summary>Item key of each row.</summary>
    public ReadOnlySpan<int> ItemKeys => _items;

    /// <summary>Rating of each row.</summary>
    public ReadOnlySpan<float> Ratings => _ratings;

    /// <summary>Timestamp of each row.</summary>
    public ReadOnlySpan<long> Timestamps => _timestamps;

    /// <summary>Encodes a raw log with the given maps.</summary>
    public static Interactions Encode(InteractionLog log, IdMap users, IdMap items, UnknownIdPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(log);
        var u = new List<int>(log.Count);
        var i = new List<int>(log.Count);
        var r = new List<float>(log.Count);
        var t = new List<long>(log.Count);
        var dropped = 0;
        for (var row = 0; row < log.Count; row++)
        {
            int uk, ik;
            switch (policy)
            {
                case UnknownIdPolicy.Add:
                    uk = users.GetOrAdd(log.Users[row]);
                    ik = items.GetOrAdd(log.Items[row]);
                    break;
                case UnknownIdPolicy.Drop:
                    if (!users.TryGetKey(log.Users[row], out uk) || !items.TryGetKey(log.Items[row], out ik))
                    {
                        dropped++;
                        continue;
                    }
                    break;
                default:
                    uk = users.GetKey(log.Users[row]);
                    ik = items.GetKey(log.Items[row]);
                    break;
            }
            u.Add(uk);
            i.Add(ik);
            r.Add(log.Ratings[row]);
            t.Add(log.Timestamps[row]);
        }
        return new Interactions(users, items, u.ToArray(), i.ToArray(), r.ToArray(), t.ToArray()) { DroppedRows = dropped };
    }

    /// <summary>
    /// User × item matrix over the current map sizes. Binary: every observed pair is 1 (repeats collapse);
    /// otherwise the last rating of a pair is kept.
    /// </summary>
    public SparseMatrix ToUserItemMatrix(bool binary = true)
    {
        var vals = binary ? Enumerable.Repeat(1f, Count).ToArray() : _ratings;
        return SparseMatrix.FromCoordinates(Users.Count, Items.Count, _users, _items, vals);
    }

    /// <summary>Number of interactions per item key (length Items.Count), counting repeats.</summary>
    public int[] ItemCounts()
    {
        var c = new int[Items.Count];
        foreach (var k in _items) c[k]++;
        return c;
    }

    /// <summary>Number of interactions per user key (length Users.Count), counting repeats.</summary>
    public int[] UserCounts()
    {
        var c = new int[Users.Count];
        foreach (var k in _users) c[k]++;
        return c;
    }

    private static void CheckKeys(int[] keys, IdMap map, string name)
    {
        var count = (uint)map.Count;
        for (var r = 0; r < keys.Length; r++)
            if ((uint)keys[r] >= count)
                throw new ArgumentOutOfRangeException(name, keys[r], $"Row {r}: key {keys[r]} is outside the {map.Count} keys of the {map.Kind} map.");
    }
}
