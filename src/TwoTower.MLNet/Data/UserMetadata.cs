namespace TwoTower.MLNet.Data;

/// <summary>Descriptive data of one user (the MovieLens demographic fields; any may be missing).</summary>
/// <param name="Id">Raw user id.</param>
/// <param name="Age">Age in years, when known.</param>
/// <param name="Gender">Gender code, when known.</param>
/// <param name="Occupation">Occupation, when known.</param>
/// <param name="ZipCode">Zip code, when known.</param>
public sealed record UserRecord(string Id, int? Age, string? Gender, string? Occupation, string? ZipCode);

/// <summary>User side information keyed by raw user id, in file order.</summary>
public sealed class UserMetadata
{
    private readonly Dictionary<string, UserRecord> _byId = new(StringComparer.Ordinal);
    private readonly List<UserRecord> _records = new();

    /// <summary>Creates metadata from records; duplicate ids are an error.</summary>
    public UserMetadata(IEnumerable<UserRecord> records, string source = "<memory>")
    {
        Source = source;
        foreach (var r in records)
        {
            if (!_byId.TryAdd(r.Id, r))
                throw new ArgumentException($"Duplicate user id '{r.Id}' in user metadata ({source}).", nameof(records));
            _records.Add(r);
        }
    }

    /// <summary>Where the records came from.</summary>
    public string Source { get; }

    /// <summary>All records in file order.</summary>
    public IReadOnlyList<UserRecord> Records => _records;

    /// <summary>Rows skipped as malformed while loading (only with skip-bad-rows).</summary>
    public int SkippedRows { get; internal set; }

    /// <summary>Number of users described.</summary>
    public int Count => _records.Count;

    /// <summary>Looks up a user by raw id.</summary>
    public bool TryGet(string id, out UserRecord record) => _byId.TryGetValue(id, out record!);
}
