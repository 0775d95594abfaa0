namespace TwoTower.MLNet.Batch;

/// <summary>Progress of a batch scoring run, reported after each block of users.</summary>
/// <param name="UsersScored">Users of this shard scored so far.</param>
/// <param name="UsersTotal">Users this shard scores.</param>
/// <param name="Elapsed">Time since scoring started.</param>
public sealed record BatchScoringProgress(int UsersScored, int UsersTotal, TimeSpan Elapsed)
{
    /// <summary>Users per second so far.</summary>
    public double UsersPerSecond => Elapsed.TotalSeconds > 0 ? UsersScored / Elapsed.TotalSeconds : 0;
}
