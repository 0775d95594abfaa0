namespace TwoTower.MLNet.Retrieval.Candidates;

/// <summary>An item after merging all sources: the best normalised score and every source that proposed it.</summary>
/// <param name="ItemKey">Item key in the live catalogue.</param>
/// <param name="Score">Best weighted, normalised score over the sources that proposed the item (plus boosts once rules ran).</param>
/// <param name="Sources">Names of the sources that proposed the item, in configuration order.</param>
public sealed record MergedCandidate(int ItemKey, float Score, IReadOnlyList<string> Sources);
