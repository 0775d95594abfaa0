using TwoTower.MLNet.Data;

namespace TwoTower.MLNet.Retrieval.Catalog;

/// <summary>
/// One item of the live catalogue, immutable: an update replaces the whole object, so a reader sees either the old or the new item, never a mix.
/// </summary>
/// <param name="Key">Item key (stable for the life of the catalogue; also the id in the vector index).</param>
/// <param name="Record">Title, genres, release date.</param>
/// <param name="GenreMask">Bit g set when the item has the catalogue's genre g.</param>
/// <param name="ReleaseDay">Release date as <see cref="DateOnly.DayNumber"/>, when known.</param>
/// <param name="Live">False once removed.</param>
/// <param name="Vector">The item's vector in the model's space, when the catalogue holds vectors.</param>
public sealed record CatalogItem(int Key, ItemRecord Record, ulong GenreMask, int? ReleaseDay, bool Live, float[]? Vector);
