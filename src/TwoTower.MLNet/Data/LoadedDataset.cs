namespace TwoTower.MLNet.Data;

/// <summary>What a dataset loader returns: interactions plus item and user side information when present.</summary>
/// <param name="Interactions">The interactions, in file order.</param>
/// <param name="Items">Item metadata, when the source has it.</param>
/// <param name="Users">User metadata, when the source has it.</param>
/// <param name="Layout">Detected layout name (e.g. "movielens-100k", "csv").</param>
public sealed record LoadedDataset(InteractionLog Interactions, ItemMetadata? Items, UserMetadata? Users, string Layout);
