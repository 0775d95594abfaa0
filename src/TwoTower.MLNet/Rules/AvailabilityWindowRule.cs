using TwoTower.MLNet.Retrieval.Catalog;

namespace TwoTower.MLNet.Rules;

/// <summary>
/// Only items whose release date lies in [From, To] (either bound optional). Items without a release date are
/// left out unless <see cref="AllowUnknownDate"/>: an availability rule that cannot be checked should not pass silently.
/// </summary>
public sealed record AvailabilityWindowRule : IItemFilterRule
{
    private readonly int _from;
    private readonly int _to;

    /// <summary>Creates the rule; throws when From is after To or both are missing.</summary>
    public AvailabilityWindowRule(DateOnly? from, DateOnly? to, bool allowUnknownDate = false)
    {
        if (from is null && to is null) throw new ArgumentException("AvailabilityWindowRule needs a start or an end date.", nameof(from));
        if (from > to) throw new ArgumentException($"Availability window starts {from:yyyy-MM-dd} after it ends {to:yyyy-MM-dd}.", nameof(from));
        From = from;
        To = to;
        AllowUnknownDate = allowUnknownDate;
        _from = from?.DayNumber ?? int.MinValue;
        _to = to?.DayNumber ?? int.MaxValue;
    }

    /// <summary>First allowed release date.</summary>
    public DateOnly? From { get; }

    /// <summary>Last allowed release date.</summary>
    public DateOnly? To { get; }

    /// <summary>Whether items without a release date pass.</summary>
    public bool AllowUnknownDate { get; }

    /// <inheritdoc/>
    public bool Allows(CatalogItem item) => item.ReleaseDay is { } d ? d >= _from && d <= _to : AllowUnknownDate;

    /// <inheritdoc/>
    public string Describe() => $"released in [{From?.ToString("yyyy-MM-dd") ?? "…"}, {To?.ToString("yyyy-MM-dd") ?? "…"}]";
}
