using System.Text;

namespace TwoTower.MLNet.Batch;

/// <summary>
/// Which shard scores a user: a stable hash of the raw user id modulo the shard count. The same id lands in the
/// same shard on every machine, run and input order, so shards can be run (and re-run) independently by any job runner.
/// </summary>
public static class ShardAssignment
{
    /// <summary>The shard (0 ≤ shard &lt; <paramref name="shardCount"/>) of <paramref name="userId"/>.</summary>
    public static int ShardOf(string userId, int shardCount)
    {
        ArgumentNullException.ThrowIfNull(userId);
        Check(0, shardCount);
        return (int)(Fnv1a64(userId) % (ulong)shardCount);
    }

    /// <summary>The users of <paramref name="users"/> that belong to shard <paramref name="shard"/> of <paramref name="shardCount"/>, in input order.</summary>
    public static IReadOnlyList<string> Select(IReadOnlyList<string> users, int shard, int shardCount)
    {
        ArgumentNullException.ThrowIfNull(users);
        Check(shard, shardCount);
        return shardCount == 1 ? users : users.Where(u => ShardOf(u, shardCount) == shard).ToArray();
    }

    /// <summary>Checks a shard number against its count.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The count is below 1, or the shard is outside [0, count).</exception>
    public static void Check(int shard, int shardCount)
    {
        if (shardCount < 1) throw new ArgumentOutOfRangeException(nameof(shardCount), shardCount, $"The shard count must be ≥ 1 (got {shardCount}).");
        if (shard < 0 || shard >= shardCount)
            throw new ArgumentOutOfRangeException(nameof(shard), shard, $"Shard {shard} does not exist: shards are numbered 0 to {shardCount - 1}.");
    }

    // FNV-1a over the UTF-8 bytes: fixed by its definition, unlike string.GetHashCode, which is randomised per process.
    private static ulong Fnv1a64(string s)
    {
        var hash = 14695981039346656037UL;
        Span<byte> buffer = stackalloc byte[4];
        foreach (var rune in s.EnumerateRunes())
        {
            var n = rune.EncodeToUtf8(buffer);
            for (var i = 0; i < n; i++)
            {
                hash ^= buffer[i];
                hash *= 1099511628211UL;
            }
        }
        return hash;
    }
}
