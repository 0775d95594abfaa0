namespace TwoTower.MLNet.Batch;

/// <summary>The recommendations of one shard and what happened to its users.</summary>
/// <param name="Recommendations">The top-k rows, grouped by user in input order.</param>
/// <param name="Users">Distinct users of the shard that were scored.</param>
/// <param name="ColdStartUsers">Of those, users the model did not know (scored by its cold-start answer).</param>
/// <param name="SkippedUsers">Unknown users left out (<see cref="UnknownUserPolicy.Skip"/>).</param>
/// <param name="DuplicateUsers">Repeated ids in the input that were scored once.</param>
public sealed record BatchScoreResult(BatchRecommendations Recommendations, int Users, int ColdStartUsers, int SkippedUsers, int DuplicateUsers);
