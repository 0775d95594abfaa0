using TwoTower.MLNet.Retrieval.Catalog;

namespace TwoTower.MLNet.Retrieval.Engine;

/// <summary>One item of an answer.</summary>
/// <param name="Item">The catalogue item (id, title, genres, release date).</param>
/// <param name="Score">Merged score (normalised, weighted, boosted).</param>
/// <param name="Sources">Sources that proposed it.</param>
public sealed record RecommendedItem(CatalogItem Item, float Score, IReadOnlyList<string> Sources)
{
    /// <summary>Raw item id.</summary>
    public string ItemId => Item.Record.Id;
}

/// <summary>An answer to a <see cref="RecommendRequest"/>.</summary>
/// <param name="Items">Items, best first.</param>
/// <param name="KnownUser">Whether the user id is known to the model.</param>
/// <param name="ColdStart">Whether the cold-start blend was used (few or no interactions).</param>
/// <param name="HistoryLength">Interactions used for the user.</param>
public sealed record RecommendResult(IReadOnlyList<RecommendedItem> Items, bool KnownUser, bool ColdStart, int HistoryLength);
