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
        if (validation is { Count: 0, DroppedRows: > 0 })
            warnings.Add($"no validation row has a user and an item known from training (all {validation.DroppedRows} were left out), so nothing is validated and there is no early stopping.");
        Warnings = warnings;
    }

    /// <summary>Why a model fitted on this data may be of little use (a single item, validation rows all unknown); empty when none. The CLI prints them, ML.NET fits log them.</summary>
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
