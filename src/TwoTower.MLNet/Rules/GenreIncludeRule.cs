using TwoTower.MLNet.Retrieval.Catalog;

namespace TwoTower.MLNet.Rules;

/// <summary>Only items with at least one of the given genres.</summary>
/// <param name="GenreMask">Bit mask of the genres (see <see cref="ItemCatalog.GenreMask"/>); must not be 0.</param>
public sealed record GenreIncludeRule(ulong GenreMask) : IItemFilterRule
{
    /// <summary>The mask, checked.</summary>
    public ulong GenreMask { get; } = GenreMask != 0 ? GenreMask : throw new ArgumentException("GenreIncludeRule needs at least one genre (mask 0 would allow nothing).", nameof(GenreMask));

    /// <inheritdoc/>
    public bool Allows(CatalogItem item) => (item.GenreMask & GenreMask) != 0;

    /// <inheritdoc/>
    public string Describe() => $"include genres mask 0x{GenreMask:X}";
}
