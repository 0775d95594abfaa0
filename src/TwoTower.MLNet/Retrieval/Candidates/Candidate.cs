namespace TwoTower.MLNet.Retrieval.Candidates;

/// <summary>One item proposed by one candidate source, with that source's raw score (higher is better).</summary>
/// <param name="ItemKey">Item key in the live catalogue.</param>
/// <param name="Score">The source's own score.</param>
public readonly record struct Candidate(int ItemKey, float Score);
