namespace TwoTower.Serving.Hosting;

/// <summary>Service settings, from the command line (<c>twotower serve</c>) or code; the API key may also come from the "TwoTower" configuration section (environment variable TwoTower__ApiKey).</summary>
public sealed record ServingOptions
{
    /// <summary>Configuration section the API key is read from when the options carry none.</summary>
    public const string Section = "TwoTower";

    /// <summary>Model file written by <c>twotower train</c>.</summary>
    public string? ModelPath { get; init; }

    /// <summary>Item/user metadata: a MovieLens folder (titles, genres, release dates, demographics), when given.</summary>
    public string? DataPath { get; init; }

    /// <summary>Folder for the live-update log and snapshot; null = updates are kept in memory only.</summary>
    public string? StateDirectory { get; init; }

    /// <summary>Candidate generator configuration file, when given: JSON (.json) or YAML (.yaml, .yml), see Configuration/candidate-generator.example.*.</summary>
    public string? GeneratorConfig { get; init; }

    /// <summary>Index spec for item vectors (default "HNSW16").</summary>
    public string IndexSpec { get; init; } = "HNSW16";

    /// <summary>Builds the HNSW item index with one thread, so replicas of one model answer alike (see <see cref="TwoTower.MLNet.Retrieval.Engine.RetrievalEngineOptions.DeterministicIndex"/>).</summary>
    public bool DeterministicIndex { get; init; }

    /// <summary>Makes the item index instead of <see cref="IndexSpec"/> (see <see cref="TwoTower.MLNet.Retrieval.Engine.RetrievalEngineOptions.CreateIndex"/>); null = the spec.</summary>
    public Func<int, TwoTower.MLNet.Index.IVectorIndex>? CreateIndex { get; init; }

    /// <summary>Key that write requests (PUT/DELETE) must send in the X-Api-Key header; null or empty = writes are refused.</summary>
    public string? ApiKey { get; init; }

    /// <summary>Largest k a request may ask for (default 200).</summary>
    public int MaxK { get; init; } = 200;

    /// <summary>Largest request body in bytes (default 64 KiB).</summary>
    public long MaxBodyBytes { get; init; } = 64 * 1024;

    /// <summary>Most item ids in a request's history (default 500).</summary>
    public int MaxHistoryItems { get; init; } = 500;

    /// <summary>Longest user or item id in characters (default 128).</summary>
    public int MaxIdLength { get; init; } = 128;

    /// <summary>Checks the options; throws naming the bad value.</summary>
    public void Validate()
    {
        if (MaxK < 1) throw new ArgumentOutOfRangeException(nameof(MaxK), MaxK, "MaxK must be ≥ 1.");
        if (MaxBodyBytes < 256) throw new ArgumentOutOfRangeException(nameof(MaxBodyBytes), MaxBodyBytes, "MaxBodyBytes must be ≥ 256.");
        if (MaxHistoryItems < 1) throw new ArgumentOutOfRangeException(nameof(MaxHistoryItems), MaxHistoryItems, "MaxHistoryItems must be ≥ 1.");
        if (MaxIdLength < 1) throw new ArgumentOutOfRangeException(nameof(MaxIdLength), MaxIdLength, "MaxIdLength must be ≥ 1.");
    }
}
