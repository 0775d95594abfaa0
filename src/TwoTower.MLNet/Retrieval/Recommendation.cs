namespace TwoTower.MLNet.Retrieval;

/// <summary>One recommended item.</summary>
/// <param name="ItemKey">Item key in the model's map.</param>
/// <param name="ItemId">Raw item id.</param>
/// <param name="Score">Model score (higher is better).</param>
public sealed record Recommendation(int ItemKey, string ItemId, float Score);
