namespace TwoTower.MLNet.Data;

/// <summary>Descriptive data of one item: title, genres (multi-valued), release date.</summary>
/// <param name="Id">Raw item id.</param>
/// <param name="Title">Title, when known.</param>
/// <param name="Genres">Genre names (empty when unknown).</param>
/// <param name="ReleaseDate">Release date, when known.</param>
public sealed record ItemRecord(string Id, string? Title, IReadOnlyList<string> Genres, DateOnly? ReleaseDate);

/// <summary>Item side information keyed by raw item id, in file order.</summary>
public sealed class ItemMetadata
{
    private readonly Dictionary<string, ItemRecord> _byId = new(StringComparer.Ordinal);
    private readonly List<ItemRecord> _records = new();

    /// <summary>Creates metadata from records; duplicate ids and blank genre names are an error.</summary>
    /// <exception cref="ArgumentException">Two records have the same id, or a record or <paramref name="genreVocabulary"/> has a blank genre name.</exception>
    public ItemMetadata(IEnumerable<ItemRecord> records, IReadOnlyList<string>? genreVocabulary = null, string source = "<memory>")
    {
        Source = source;
        foreach (var r in records)
        {
            if (!_byId.TryAdd(r.Id, r))
                throw new ArgumentException($"Duplicate item id '{r.Id}' in item metadata ({source}).", nameof(records));
            // A blank name would enter the catalogue's genre vocabulary, which a snapshot writes and a restart refuses to read back.
            if (r.Genres.Any(string.IsNullOrWhiteSpace))
                throw new ArgumentException($"Item '{r.Id}' in item metadata ({source}) has a blank genre name; name every genre or leave the blank one out.", nameof(records));
            _records.Add(r);
        }
        for (var i = 0; i < (genreVocabulary?.Count ?? 0); i++)
            if (string.IsNullOrWhiteSpace(genreVocabulary![i]))
                throw new ArgumentException($"The genre vocabulary of item metadata ({source}) has a blank name at position {i}; name every genre.", nameof(genreVocabulary));
        GenreVocabulary = genreVocabulary ?? _records.SelectMany(r => r.Genres).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
    }

    /// <summary>Where the records came from.</summary>
    public string Source { get; }

    /// <summary>All records in file order.</summary>
    public IReadOnlyList<ItemRecord> Records => _records;

    /// <summary>All genre names, in a fixed order (file order for MovieLens 100K, sorted otherwise).</summary>
    public IReadOnlyList<string> GenreVocabulary { get; }

    /// <summary>Rows skipped as malformed while loading (only with skip-bad-rows).</summary>
    public int SkippedRows { get; internal set; }

    /// <summary>Number of items described.</summary>
    public int Count => _records.Count;

    /// <summary>Looks up an item by raw id.</summary>
    public bool TryGet(string id, out ItemRecord record) => _byId.TryGetValue(id, out record!);

    /// <summary>Title of an item, or null when unknown.</summary>
    public string? TitleOf(string id) => _byId.TryGetValue(id, out var r) ? r.Title : null;
}
