using TwoTower.MLNet.Data;

namespace TwoTower.MLNet.Training;

/// <summary>
/// What a trainer fits on: encoded training interactions, optional validation interactions (same maps),
/// and optional item/user side information. The item map lists metadata items first (in file order),
/// then items seen only in the interactions, so cold items with features are part of the catalogue.
/// </summary>
public sealed class TrainingData
{
    private TrainingData(Interactions train, Interactions? validation, ItemMetadata? items, UserMetadata? users)
    {
        Train = train;
        Validation = validation;
        ItemMetadata = items;
        UserMetadata = users;
        var warnings = new List<string>();
        if (train.Items.Count < 2)
            warnings.Add("the training data has a single item: a ranking model has nothing to tell apart, so it learns nothing.");
        if (items is { Count: > 0 } && Trained(train.Items, train.ItemCounts(), id => items.TryGet(id, out _)) is { AnyDescribed: false } i)
            warnings.Add(Unmatched("item", i.Count, i.First!, items.Count, items.Source, items.Records[0].Id,
                "every metadata row is an item nobody interacted with, and no trained item has features"));
        if (users is { Count: > 0 } && Trained(train.Users, train.UserCounts(), id => users.TryGet(id, out _)) is { AnyDescribed: false } u)
            warnings.Add(Unmatched("user", u.Count, u.First!, users.Count, users.Source, users.Records[0].Id,
                "no trained user has features"));
        if (validation is { Count: 0, DroppedRows: > 0 })
            warnings.Add($"no validation row has a user and an item known from training (all {validation.DroppedRows} were left out), so nothing is validated and there is no early stopping.");
        Warnings = warnings;
    }

    // The ids with interactions (the maps hold metadata-only ids too), and whether the metadata describes any of them.
    private static (int Count, string? First, bool AnyDescribed) Trained(IdMap map, int[] counts, Func<string, bool> described)
    {
        var (count, first, any) = (0, (string?)null, false);
        for (var key = 0; key < counts.Length; key++)
        {
            if (counts[key] == 0) continue;
            count++;
            first ??= map.GetRawId(key);
            any |= described(map.GetRawId(key));
        }
        return (count, first, any);
    }

    private static string Unmatched(string kind, int trained, string example, int records, string source, string metadataExample, string consequence) =>
        $"none of the {trained} {kind}s of the training data is in the {kind} metadata ({source}, {records} record{(records == 1 ? "" : "s")}; "
        + $"e.g. training id '{example}', metadata id '{metadataExample}'): the ids are probably of another kind, so {consequence}.";

    /// <summary>Why a model fitted on this data may be of little use (a single item, metadata that describes no trained item or user, validation rows all unknown); empty when none. The CLI prints them, ML.NET fits log them.</summary>
    public IReadOnlyList<string> Warnings { get; }

    /// <summary>Training interactions.</summary>
    public Interactions Train { get; }

    /// <summary>Validation interactions (rows with ids unknown to training dropped), when given.</summary>
    public Interactions? Validation { get; }

    /// <summary>Item side information, when given.</summary>
    public ItemMetadata? ItemMetadata { get; }

    /// <summary>User side information, when given.</summary>
    public UserMetadata? UserMetadata { get; }

    /// <summary>The user id map (keys 0..Users.Count-1).</summary>
    public IdMap Users => Train.Users;

    /// <summary>The item id map, i.e. the catalogue (keys 0..Items.Count-1).</summary>
    public IdMap Items => Train.Items;

    /// <summary>Builds training data from raw logs. Throws when the training log is empty.</summary>
    public static TrainingData Create(InteractionLog train, InteractionLog? validation = null, ItemMetadata? items = null, UserMetadata? users = null)
    {
        ArgumentNullException.ThrowIfNull(train);
        if (train.Count == 0)
            throw new ArgumentException($"The training data is empty ({train.Source}): at least one interaction is needed.", nameof(train));
        var userMap = new IdMap("user");
        var itemMap = new IdMap("item");
        if (items is not null) foreach (var r in items.Records) itemMap.GetOrAdd(r.Id);
        if (users is not null) foreach (var r in users.Records) userMap.GetOrAdd(r.Id);
        var tr = Interactions.Encode(train, userMap, itemMap, UnknownIdPolicy.Add);
        var va = validation is null ? null : Interactions.Encode(validation, userMap, itemMap, UnknownIdPolicy.Drop);
        return new TrainingData(tr, va, items, users);
    }

    /// <summary>Builds training data from already-encoded interactions.</summary>
    public static TrainingData FromEncoded(Interactions train, Interactions? validation = null, ItemMetadata? items = null, UserMetadata? users = null)
    {
        ArgumentNullException.ThrowIfNull(train);
        if (train.Count == 0)
            throw new ArgumentException("The training data is empty: at least one interaction is needed.", nameof(train));
        if (validation is not null && (!ReferenceEquals(validation.Users, train.Users) || !ReferenceEquals(validation.Items, train.Items)))
            throw new ArgumentException("Validation interactions must be encoded with the training id maps.", nameof(validation));
        return new TrainingData(train, validation, items, users);
    }
}
