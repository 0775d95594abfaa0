namespace TwoTower.MLNet.Batch;

/// <summary>What one shard run of <see cref="BatchScoringJob"/> wrote.</summary>
/// <param name="Path">The shard's file (Parquet or CSV).</param>
/// <param name="Shard">Shard number.</param>
/// <param name="ShardCount">Number of shards.</param>
/// <param name="Users">Distinct users scored.</param>
/// <param name="Rows">Rows written (users × k, less where exclude-seen leaves fewer items); a long, as a shard of 30 million users × 100 passes int.</param>
/// <param name="ColdStartUsers">Users scored by the model's cold-start answer.</param>
/// <param name="SkippedUsers">Unknown users left out.</param>
/// <param name="DuplicateUsers">Repeated input ids scored once.</param>
/// <param name="Seconds">Wall time of scoring and writing.</param>
public sealed record BatchScoringSummary(string Path, int Shard, int ShardCount, int Users, long Rows, int ColdStartUsers, int SkippedUsers, int DuplicateUsers, double Seconds)
{
    /// <summary>Scored users with no row: under exclude-seen they had seen every item, so nothing was left to recommend.</summary>
    public int UsersWithoutItems { get; init; }
}
