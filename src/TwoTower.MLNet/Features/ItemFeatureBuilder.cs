using TwoTower.MLNet.Data;

namespace TwoTower.MLNet.Features;

/// <summary>Item features from <see cref="ItemMetadata"/>: genre bag, title-token bag and standardised release year.</summary>
public static class ItemFeatureBuilder
{
    /// <summary>Encodes the features of every item key of <paramref name="items"/>; items without a record get empty bags and the mean year.</summary>
    public static FeatureTable Build(IdMap items, ItemMetadata? metadata, bool genres = true, bool titles = true, bool releaseYear = true)
    {
        ArgumentNullException.ThrowIfNull(items);
        var n = items.Count;
        if (metadata is null) return FeatureTable.Empty(n);
        var records = new ItemRecord?[n];
        for (var k = 0; k < n; k++) records[k] = metadata.TryGet(items.GetRawId(k), out var r) ? r : null;
        var bags = new List<BagFeature>();
        if (genres && records.Any(r => r is not null && r.Genres.Count > 0))
            bags.Add(BagFeatureBuilder.Build("genres", records.Select(r => r?.Genres).ToArray()));
        if (titles && records.Any(r => r?.Title is not null))
            bags.Add(BagFeatureBuilder.Build("title", records.Select(r => (IReadOnlyList<string>?)TitleTokenizer.Tokenize(r?.Title)).ToArray()));
        var numeric = Array.Empty<float>();
        var names = new List<string>();
        if (releaseYear && records.Any(r => r?.ReleaseDate is not null))
        {
            var years = records.Select(r => r?.ReleaseDate is { } d ? (double?)(d.Year + d.DayOfYear / 366.0) : null).ToArray();
            numeric = NumericStandardizer.Standardize(years, out _, out _);
            names.Add("release_year");
        }
        return new FeatureTable(n, Array.Empty<CategoricalFeature>(), bags, names.Count, numeric, names);
    }
}
