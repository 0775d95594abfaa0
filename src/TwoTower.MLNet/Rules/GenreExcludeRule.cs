using TwoTower.MLNet.Retrieval.Catalog;

namespace TwoTower.MLNet.Rules;

/// <summary>No item with any of the given genres.</summary>
/// <param name="GenreMask">Bit mask of the genres (see <see cref="ItemCatalog.GenreMask"/>).</param>
/// <param name="Names">The genres by name, for <see cref="Describe"/> (null: the mask is shown).</param>
public sealed record GenreExcludeRule(ulong GenreMask, IReadOnlyList<string>? Names = null) : IItemFilterRule
{
    /// <inheritdoc/>
    public bool Allows(CatalogItem item) => (item.GenreMask & GenreMask) == 0;

    /// <inheritdoc/>
    public string Describe() => Names is { Count: > 0 } ? $"exclude genres {string.Join(", ", Names)}" : $"exclude genres mask 0x{GenreMask:X}";
}
