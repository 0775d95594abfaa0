using System.Collections.Concurrent;
using TwoTower.MLNet.Data;

namespace TwoTower.MLNet.Retrieval.Catalog;

/// <summary>
/// The live item catalogue: raw id ↔ key, metadata as genre bit masks and release days (cheap to filter on), and
/// item vectors. Lock-free for readers; writers are serialised. Keys are never reused, so a removed item's key stays dead.
/// </summary>
public sealed class ItemCatalog
{
    /// <summary>Most distinct genres a catalogue holds (one bit each in <see cref="CatalogItem.GenreMask"/>).</summary>
    public const int MaxGenres = 64;

    private readonly object _write = new();
    private readonly ConcurrentDictionary<string, int> _keys = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _genreBits = new(StringComparer.Ordinal);
    private readonly List<string> _genres = new();
    private CatalogItem?[] _items;
    private int _count;
    private int _live;

    /// <summary>Creates an empty catalogue of vectors of <paramref name="dimension"/> values (0 = no vectors).</summary>
    public ItemCatalog(int dimension, IEnumerable<string>? genreVocabulary = null)
    {
        if (dimension < 0) throw new ArgumentOutOfRangeException(nameof(dimension), dimension, "dimension must be ≥ 0 (0 = no vectors).");
        Dimension = dimension;
        _items = new CatalogItem?[16];
        if (genreVocabulary is not null) foreach (var g in genreVocabulary) GenreBit(g, add: true);
    }

    /// <summary>Builds the catalogue of a model's items, in key order, with their metadata and vectors.</summary>
    public static ItemCatalog FromModel(IdMap items, ItemMetadata? metadata, int dimension, ReadOnlySpan<float> vectors)
    {
        ArgumentNullException.ThrowIfNull(items);
        if (vectors.Length != items.Count * dimension)
            throw new ArgumentException($"vectors has {vectors.Length} values; expected items ({items.Count}) × dimension ({dimension}).", nameof(vectors));
        var catalog = new ItemCatalog(dimension, metadata?.GenreVocabulary);
        for (var k = 0; k < items.Count; k++)
        {
            var id = items.GetRawId(k);
            var record = metadata is not null && metadata.TryGet(id, out var r) ? r : new ItemRecord(id, null, Array.Empty<string>(), null);
            var key = catalog.Put(record, dimension > 0 ? vectors.Slice(k * dimension, dimension).ToArray() : null);
            if (key != k) throw new InvalidOperationException($"Item '{id}' got key {key}, expected {k}.");
        }
        return catalog;
    }

    /// <summary>Vector dimension (0 = the catalogue holds no vectors).</summary>
    public int Dimension { get; }

    /// <summary>Keys assigned so far (live and removed): keys are 0..KeyCount-1.</summary>
    public int KeyCount => Volatile.Read(ref _count);

    /// <summary>Live items.</summary>
    public int LiveCount => Volatile.Read(ref _live);

    /// <summary>Genre names; genre g is bit g of <see cref="CatalogItem.GenreMask"/>.</summary>
    public IReadOnlyList<string> Genres
    {
        get { lock (_write) return _genres.ToArray(); }
    }

    /// <summary>Looks up the key of a raw id (also of a removed item).</summary>
    public bool TryGetKey(string id, out int key) => _keys.TryGetValue(id, out key);

    /// <summary>The item of a key, or null when the key was never assigned.</summary>
    public CatalogItem? Get(int key)
    {
        var items = Volatile.Read(ref _items);
        return (uint)key < (uint)items.Length ? Volatile.Read(ref items[key]) : null;
    }

    /// <summary>Whether the key names a live item.</summary>
    public bool IsLive(int key) => Get(key) is { Live: true };

    /// <summary>The live item with this raw id, or null.</summary>
    public CatalogItem? GetLive(string id) => _keys.TryGetValue(id, out var key) && Get(key) is { Live: true } item ? item : null;

    /// <summary>Adds or replaces an item (making it live); returns its key. New genres get new bits.</summary>
    public int Put(ItemRecord record, float[]? vector)
    {
        ArgumentNullException.ThrowIfNull(record);
        ArgumentException.ThrowIfNullOrWhiteSpace(record.Id, nameof(record));
        if (Dimension > 0)
        {
            if (vector is null || vector.Length != Dimension)
                throw new ArgumentException($"Item '{record.Id}': vector has {vector?.Length ?? 0} values, expected {Dimension}.", nameof(vector));
            for (var j = 0; j < vector.Length; j++)
                if (!float.IsFinite(vector[j])) throw new ArgumentException($"Item '{record.Id}': vector[{j}] = {vector[j]} is not finite.", nameof(vector));
        }
        lock (_write)
        {
            var mask = 0UL;
            foreach (var g in record.Genres) mask |= 1UL << GenreBit(g, add: true);
            var isNew = !_keys.TryGetValue(record.Id, out var key);
            if (isNew) key = _count;
            var wasLive = !isNew && _items[key]!.Live;
            var item = new CatalogItem(key, record, mask, record.ReleaseDate?.DayNumber, true, vector is null ? null : (float[])vector.Clone());
            if (isNew)
            {
                if (key == _items.Length)
                {
                    var grown = new CatalogItem?[_items.Length * 2];
                    Array.Copy(_items, grown, _items.Length);
                    Volatile.Write(ref _items, grown);
                }
                Volatile.Write(ref _items[key], item);
                _keys[record.Id] = key;
                Volatile.Write(ref _count, key + 1);
            }
            else
            {
                Volatile.Write(ref _items[key], item);
            }
            if (!wasLive) Volatile.Write(ref _live, _live + 1);
            return key;
        }
    }

    /// <summary>Marks an item removed; returns false when the id is unknown or already removed.</summary>
    public bool Remove(string id)
    {
        ArgumentNullException.ThrowIfNull(id);
        lock (_write)
        {
            if (!_keys.TryGetValue(id, out var key) || !_items[key]!.Live) return false;
            Volatile.Write(ref _items[key], _items[key]! with { Live = false });
            Volatile.Write(ref _live, _live - 1);
            return true;
        }
    }

    /// <summary>Adds the genre names not known yet, in order, each with the next free bit (known ones keep theirs).</summary>
    /// <exception cref="ArgumentException">A name is blank, or the catalogue would hold more than <see cref="MaxGenres"/> genres.</exception>
    public void AddGenres(IEnumerable<string> genres)
    {
        ArgumentNullException.ThrowIfNull(genres);
        lock (_write)
        {
            foreach (var g in genres)
            {
                ArgumentException.ThrowIfNullOrWhiteSpace(g, nameof(genres));
                GenreBit(g, add: true);
            }
        }
    }

    /// <summary>The bit mask of genre names; throws naming the unknown genre and the known ones.</summary>
    public ulong GenreMask(IEnumerable<string> genres)
    {
        ArgumentNullException.ThrowIfNull(genres);
        var mask = 0UL;
        foreach (var g in genres)
        {
            if (g is null || !_genreBits.TryGetValue(g, out var bit))
            {
                var known = Genres;
                // An empty list would read "known genres: ." — the catalogue came without genre metadata, so say that.
                throw new ArgumentException(known.Count == 0
                    ? $"Unknown genre '{g}': the catalogue has no genres (its items were loaded without item metadata: titles and genres)."
                    : $"Unknown genre '{g}'; known genres: {string.Join(", ", known)}.", nameof(genres));
            }
            mask |= 1UL << bit;
        }
        return mask;
    }

    /// <summary>Genre names of a mask, in bit order.</summary>
    public IReadOnlyList<string> GenreNames(ulong mask)
    {
        var genres = Genres;
        var names = new List<string>();
        for (var b = 0; b < genres.Count; b++)
            if ((mask & (1UL << b)) != 0) names.Add(genres[b]);
        return names;
    }

    private int GenreBit(string genre, bool add)
    {
        if (_genreBits.TryGetValue(genre, out var bit)) return bit;
        if (!add) return -1;
        lock (_write)
        {
            if (_genreBits.TryGetValue(genre, out bit)) return bit;
            if (_genres.Count == MaxGenres)
                throw new ArgumentException($"Genre '{genre}' would be genre number {MaxGenres + 1}; a catalogue holds at most {MaxGenres} genres.", nameof(genre));
            _genres.Add(genre);
            _genreBits[genre] = _genres.Count - 1;
            return _genres.Count - 1;
        }
    }
}
