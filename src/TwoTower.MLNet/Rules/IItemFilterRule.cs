using TwoTower.MLNet.Retrieval.Catalog;

namespace TwoTower.MLNet.Rules;

/// <summary>A business rule that decides per item whether it may be recommended; pushed into the index search as a filter.</summary>
public interface IItemFilterRule
{
    /// <summary>Short description for logs and errors.</summary>
    string Describe();

    /// <summary>Whether the item may be recommended. Called concurrently from index searches: pure and cheap.</summary>
    bool Allows(CatalogItem item);
}
