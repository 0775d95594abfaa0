using TwoTower.MLNet.Retrieval.Catalog;

namespace TwoTower.MLNet.Rules;

/// <summary>
/// Only items with at least <see cref="Minimum"/> training interactions: keeps items the model knows from a handful of
/// ratings (their vectors come mostly from their features) out of answers that reach deep into the candidates. Items
/// added after training count 0.
/// </summary>
public sealed class MinInteractionsRule : IItemFilterRule
{
    private readonly float[] _counts;

    /// <summary>Creates the rule from interaction counts per item key.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="minimum"/> is below 1.</exception>
    public MinInteractionsRule(float[] interactionCounts, int minimum)
    {
        _counts = interactionCounts ?? throw new ArgumentNullException(nameof(interactionCounts));
        if (minimum < 1) throw new ArgumentOutOfRangeException(nameof(minimum), minimum, $"filters.minInteractions = {minimum} must be ≥ 1.");
        Minimum = minimum;
    }

    /// <summary>Interactions an item needs.</summary>
    public int Minimum { get; }

    /// <inheritdoc/>
    public bool Allows(CatalogItem item) => (uint)item.Key < (uint)_counts.Length && _counts[item.Key] >= Minimum;

    /// <inheritdoc/>
    public string Describe() => $"at least {Minimum} interactions";
}
