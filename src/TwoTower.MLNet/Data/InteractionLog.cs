namespace TwoTower.MLNet.Data;

/// <summary>
/// Interactions as read from a file: raw user and item ids, rating (1 when the source has none) and
/// timestamp (0 when absent), in file order. Encode with <see cref="Interactions.Encode"/>.
/// </summary>
public sealed class InteractionLog
{
    private readonly List<string> _users = new();
    private readonly List<string> _items = new();
    private readonly List<float> _ratings = new();
    private readonly List<long> _timestamps = new();
    // Interning keeps one string per distinct id: large logs repeat ids millions of times.
    private readonly Dictionary<string, string> _intern = new(StringComparer.Ordinal);

    /// <summary>Creates an empty log; <paramref name="source"/> names where rows came from (for messages).</summary>
    public InteractionLog(string source = "<memory>") => Source = source;

    /// <summary>Where the rows came from (a file path or a description).</summary>
    public string Source { get; }

    /// <summary>Number of rows.</summary>
    public int Count => _users.Count;

    /// <summary>Rows skipped as malformed while loading (only with skip-bad-rows).</summary>
    public int SkippedRows { get; internal set; }

    /// <summary>Whether the source had a rating column.</summary>
    public bool HasRatings { get; set; } = true;

    /// <summary>Whether the source had a timestamp column.</summary>
    public bool HasTimestamps { get; set; } = true;

    /// <summary>Raw user ids, one per row.</summary>
    public IReadOnlyList<string> Users => _users;

    /// <summary>Raw item ids, one per row.</summary>
    public IReadOnlyList<string> Items => _items;

    /// <summary>Ratings, one per row.</summary>
    public IReadOnlyList<float> Ratings => _ratings;

    /// <summary>Timestamps (seconds since the Unix epoch), one per row.</summary>
    public IReadOnlyList<long> Timestamps => _timestamps;

    /// <summary>Appends a row.</summary>
    public void Add(string user, string item, float rating = 1f, long timestamp = 0)
    {
        ArgumentException.ThrowIfNullOrEmpty(user);
        ArgumentException.ThrowIfNullOrEmpty(item);
        if (!float.IsFinite(rating))
            throw new ArgumentOutOfRangeException(nameof(rating), rating, "Rating must be a finite number.");
        _users.Add(Intern(user));
        _items.Add(Intern(item));
        _ratings.Add(rating);
        _timestamps.Add(timestamp);
    }

    /// <summary>A new log holding the rows at <paramref name="rows"/>, in that order.</summary>
    public InteractionLog Subset(IEnumerable<int> rows, string? source = null)
    {
        var log = new InteractionLog(source ?? Source) { HasRatings = HasRatings, HasTimestamps = HasTimestamps };
        foreach (var r in rows) log.Add(_users[r], _items[r], _ratings[r], _timestamps[r]);
        return log;
    }

    /// <summary>Concatenates logs (e.g. train + validation for a refit).</summary>
    public static InteractionLog Concat(string source, params InteractionLog[] logs)
    {
        var log = new InteractionLog(source);
        foreach (var l in logs)
        {
            log.HasRatings &= l.HasRatings;
            log.HasTimestamps &= l.HasTimestamps;
            for (var r = 0; r < l.Count; r++) log.Add(l._users[r], l._items[r], l._ratings[r], l._timestamps[r]);
        }
        return log;
    }

    // A row parsed from text: the ids are looked up as spans, so a repeated id allocates no string.
    internal void Add(ReadOnlySpan<char> user, ReadOnlySpan<char> item, float rating, long timestamp)
    {
        _users.Add(Intern(user));
        _items.Add(Intern(item));
        _ratings.Add(rating);
        _timestamps.Add(timestamp);
    }

    private string Intern(ReadOnlySpan<char> s)
    {
        var lookup = _intern.GetAlternateLookup<ReadOnlySpan<char>>();
        if (lookup.TryGetValue(s, out var existing)) return existing;
        var created = s.ToString();
        _intern.Add(created, created);
        return created;
    }

    private string Intern(string s)
    {
        if (_intern.TryGetValue(s, out var existing)) return existing;
        _intern.Add(s, s);
        return s;
    }
}
