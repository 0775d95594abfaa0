using TwoTower.MLNet.Data;

namespace TwoTower.MLNet.Splits;

/// <summary>Train, validation and test parts of a split.</summary>
/// <param name="Train">Training rows.</param>
/// <param name="Valid">Validation rows (may be empty).</param>
/// <param name="Test">Test rows.</param>
public sealed record SplitResult(InteractionLog Train, InteractionLog Valid, InteractionLog Test);
