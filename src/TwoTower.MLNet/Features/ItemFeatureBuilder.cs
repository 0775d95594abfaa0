using TwoTower.MLNet.Data;

namespace TwoTower.MLNet.Features;

/// <summary>Item features from <see cref="ItemMetadata"/>: genre bag, title-token bag and standardised release year.</summary>
public static class ItemFeatureBuilder
{
    /// <summary>Name of the genre bag.</summary>
    public const string Genres = "genres";

    /// <summary>Name of the title-token bag.</summary>
    public const string Title = "title";

    /// <summary>Name of the release-year numeric column.</summary>
    public const string ReleaseYear = "release_year";

    /// <summary>Encodes the features of every item key of <paramref name="items"/>; items without a record get empty bags and the mean year.</summary>
    public static FeatureTable Build(IdMap items, ItemMetadata? metadata, bool genres = true, bool titles = true, bool releaseYear = true)
    {
        ArgumentNullException.ThrowIfNull(items);
        var n = items.Count;
        if (metadata is null) return FeatureTable.Empty(n);
        var raw = new RawFeatures?[n];
        for (var k = 0; k < n; k++) raw[k] = metadata.TryGet(items.GetRawId(k), out var r) ? Describe(r) : null;
        var bags = new List<BagFeature>();
        if (genres && raw.Any(r => r is not null && r.Bags.ContainsKey(Genres)))
            bags.Add(BagFeatureBuilder.Build(Genres, raw.Select(r => Bag(r, Genres)).ToArray()));
        if (titles && raw.Any(r => r is not null && r.Bags.ContainsKey(Title)))
            bags.Add(BagFeatureBuilder.Build(Title, raw.Select(r => Bag(r, Title)).ToArray()));
        var numeric = Array.Empty<float>();
        var names = new List<string>();
        var scaling = new List<NumericScaling>();
        if (releaseYear && raw.Any(r => r is not null && r.Numeric.ContainsKey(ReleaseYear)))
        {
            var years = raw.Select(r => r is not null && r.Numeric.TryGetValue(ReleaseYear, out var y) ? (double?)y : null).ToArray();
            numeric = NumericStandardizer.Standardize(years, out var mean, out var std);
            names.Add(ReleaseYear);
            scaling.Add(new NumericScaling(mean, std));
        }
        return new FeatureTable(n, Array.Empty<CategoricalFeature>(), bags, names.Count, numeric, names, scaling);
    }

    private static IReadOnlyList<string>? Bag(RawFeatures? raw, string name) => raw is not null && raw.Bags.TryGetValue(name, out var tokens) ? tokens : null;

    /// <summary>The raw features of one item record, as <see cref="Build"/> reads them (for new items: see <see cref="FeatureSchema.Encode"/>).</summary>
    public static RawFeatures Describe(ItemRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        var raw = new RawFeatures();
        if (record.Genres.Count > 0) raw.Bags[Genres] = record.Genres;
        if (record.Title is not null) raw.Bags[Title] = TitleTokenizer.Tokenize(record.Title);
        // Fractional years keep the release order within a year.
        if (record.ReleaseDate is { } d) raw.Numeric[ReleaseYear] = d.Year + d.DayOfYear / 366.0;
        return raw;
    }
}
