namespace TwoTower.MLNet.Batch;

/// <summary>
/// Top-k lists of many users in long, columnar form: row r says that <see cref="ItemIds"/>[r] is recommendation number
/// <see cref="Ranks"/>[r] (1-based) for <see cref="UserIds"/>[r], with its model score. Rows are grouped by user, best first.
/// </summary>
public sealed class BatchRecommendations
{
    /// <summary>Wraps equal-length columns.</summary>
    /// <exception cref="ArgumentException">The columns differ in length.</exception>
    public BatchRecommendations(string[] userIds, int[] ranks, string[] itemIds, float[] scores)
    {
        ArgumentNullException.ThrowIfNull(userIds);
        ArgumentNullException.ThrowIfNull(ranks);
        ArgumentNullException.ThrowIfNull(itemIds);
        ArgumentNullException.ThrowIfNull(scores);
        if (ranks.Length != userIds.Length || itemIds.Length != userIds.Length || scores.Length != userIds.Length)
            throw new ArgumentException($"Columns differ in length: user_id {userIds.Length}, rank {ranks.Length}, item_id {itemIds.Length}, score {scores.Length}.", nameof(userIds));
        (UserIds, Ranks, ItemIds, Scores) = (userIds, ranks, itemIds, scores);
    }

    /// <summary>Raw user id of each row.</summary>
    public string[] UserIds { get; }

    /// <summary>1-based position of the item in its user's list.</summary>
    public int[] Ranks { get; }

    /// <summary>Raw item id of each row.</summary>
    public string[] ItemIds { get; }

    /// <summary>The model's score of the row's (user, item).</summary>
    public float[] Scores { get; }

    /// <summary>Number of rows.</summary>
    public int Count => UserIds.Length;
}
