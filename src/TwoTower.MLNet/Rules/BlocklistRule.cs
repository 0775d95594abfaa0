using TwoTower.MLNet.Retrieval.Catalog;

namespace TwoTower.MLNet.Rules;

/// <summary>Never the listed items (by item key).</summary>
public sealed class BlocklistRule : IItemFilterRule
{
    private readonly HashSet<int> _blocked;

    /// <summary>Creates the rule from item keys.</summary>
    public BlocklistRule(IEnumerable<int> itemKeys)
    {
        ArgumentNullException.ThrowIfNull(itemKeys);
        _blocked = itemKeys.ToHashSet();
    }

    /// <summary>Blocked item keys.</summary>
    public IReadOnlyCollection<int> Blocked => _blocked;

    /// <inheritdoc/>
    public bool Allows(CatalogItem item) => !_blocked.Contains(item.Key);

    /// <inheritdoc/>
    public string Describe() => $"blocklist of {_blocked.Count} items";
}
