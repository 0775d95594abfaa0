namespace TwoTower.MLNet.Data;

/// <summary>
/// Bidirectional map between raw ids (as they appear in files, e.g. "196") and dense 0-based keys.
/// Raw ids are what users see in every output; keys index model parameters.
/// </summary>
public sealed class IdMap
{
    private readonly Dictionary<string, int> _keys;
    private readonly List<string> _raw;

    /// <summary>Creates an empty map for ids of the given kind ("user" or "item"), used in error messages.</summary>
    public IdMap(string kind)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(kind);
        Kind = kind;
        _keys = new Dictionary<string, int>(StringComparer.Ordinal);
        _raw = new List<string>();
    }

    /// <summary>Creates a map whose keys follow the order of <paramref name="rawIds"/>; duplicates are an error.</summary>
    public IdMap(string kind, IEnumerable<string> rawIds) : this(kind)
    {
        foreach (var id in rawIds)
        {
            if (_keys.ContainsKey(id))
                throw new ArgumentException($"Duplicate {kind} id '{id}'.", nameof(rawIds));
            GetOrAdd(id);
        }
    }

    /// <summary>"user" or "item": what the ids name.</summary>
    public string Kind { get; }

    /// <summary>Number of distinct ids (keys are 0..Count-1).</summary>
    public int Count => _raw.Count;

    /// <summary>The raw ids in key order.</summary>
    public IReadOnlyList<string> RawIds => _raw;

    /// <summary>Returns the key of <paramref name="rawId"/>, adding it when new.</summary>
    public int GetOrAdd(string rawId)
    {
        ArgumentNullException.ThrowIfNull(rawId);
        if (_keys.TryGetValue(rawId, out var key)) return key;
        if (rawId.Length == 0 || rawId.Contains('\n') || rawId.Contains('\r'))
            throw new ArgumentException($"Invalid {Kind} id '{rawId}': ids must be non-empty and single-line.", nameof(rawId));
        key = _raw.Count;
        _keys.Add(rawId, key);
        _raw.Add(rawId);
        return key;
    }

    /// <summary>Looks up a raw id without adding it.</summary>
    public bool TryGetKey(string rawId, out int key) => _keys.TryGetValue(rawId, out key);

    /// <summary>Returns the key of a known raw id; throws <see cref="KeyNotFoundException"/> naming the id otherwise.</summary>
    public int GetKey(string rawId) =>
        _keys.TryGetValue(rawId, out var key)
            ? key
            : throw new KeyNotFoundException($"Unknown {Kind} id '{rawId}' ({Count} {Kind}s are known).");

    /// <summary>Returns the raw id of a key.</summary>
    public string GetRawId(int key) =>
        (uint)key < (uint)_raw.Count
            ? _raw[key]
            : throw new ArgumentOutOfRangeException(nameof(key), key, $"{Kind} key must be in [0, {Count}).");

    /// <summary>A copy of this map (new ids added to the copy do not affect this one).</summary>
    public IdMap Clone() => new(Kind, _raw);
}
