using TwoTower.MLNet.Retrieval.Catalog;

namespace TwoTower.MLNet.Rules;

/// <summary>Only items with at least one of the given genres.</summary>
/// <param name="GenreMask">Bit mask of the genres (see <see cref="ItemCatalog.GenreMask"/>); must not be 0.</param>
/// <param name="Names">The genres by name, for <see cref="Describe"/> (null: the mask is shown).</param>
public sealed record GenreIncludeRule(ulong GenreMask, IReadOnlyList<string>? Names = null) : IItemFilterRule
{
    /// <summary>The mask, checked.</summary>
    public ulong GenreMask { get; } = GenreMask != 0 ? GenreMask : throw new ArgumentException("GenreIncludeRule needs at least one genre (mask 0 would allow nothing).", nameof(GenreMask));

    /// <inheritdoc/>
    public bool Allows(CatalogItem item) => (item.GenreMask & GenreMask) != 0;

    /// <inheritdoc/>
    public string Describe() => Names is { Count: > 0 } ? $"include genres {string.Join(", ", Names)}" : $"include genres mask 0x{GenreMask:X}";
}
