namespace TwoTower.MLNet.Rules;

/// <summary>Adds <paramref name="Amount"/> to the merged score of items with any genre of the mask (additive, because normalised scores may be 0 and raw ones negative).</summary>
/// <param name="GenreMask">Genres boosted.</param>
/// <param name="Amount">Added score (negative demotes); finite.</param>
public sealed record GenreBoost(ulong GenreMask, float Amount)
{
    /// <summary>The amount, checked.</summary>
    public float Amount { get; } = float.IsFinite(Amount) ? Amount : throw new ArgumentOutOfRangeException(nameof(Amount), Amount, "A boost amount must be finite.");
}
