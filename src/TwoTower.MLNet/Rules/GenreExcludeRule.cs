using TwoTower.MLNet.Retrieval.Catalog;

namespace TwoTower.MLNet.Rules;

/// <summary>No item with any of the given genres.</summary>
/// <param name="GenreMask">Bit mask of the genres (see <see cref="ItemCatalog.GenreMask"/>).</param>
public sealed record GenreExcludeRule(ulong GenreMask) : IItemFilterRule
{
    /// <inheritdoc/>
    public bool Allows(CatalogItem item) => (item.GenreMask & GenreMask) == 0;

    /// <inheritdoc/>
    public string Describe() => $"exclude genres mask 0x{GenreMask:X}";
}
