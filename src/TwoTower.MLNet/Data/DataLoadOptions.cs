namespace TwoTower.MLNet.Data;

/// <summary>How loaders treat bad input.</summary>
public sealed record DataLoadOptions
{
    /// <summary>Default: fail on the first malformed row.</summary>
    public static DataLoadOptions Default { get; } = new();

    /// <summary>
    /// Skip malformed rows and count them (<see cref="InteractionLog.SkippedRows"/>, <see cref="ItemMetadata.SkippedRows"/>,
    /// <see cref="UserMetadata.SkippedRows"/>) instead of failing.
    /// </summary>
    public bool SkipBadRows { get; init; }

    /// <summary>Column mapping for generic CSV interaction files; null = recognise common header names.</summary>
    public CsvColumnMapping? Columns { get; init; }
}
