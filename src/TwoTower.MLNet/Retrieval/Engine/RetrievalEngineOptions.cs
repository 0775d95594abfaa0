using TwoTower.MLNet.ColdStart;
using TwoTower.MLNet.Retrieval.Candidates;

namespace TwoTower.MLNet.Retrieval.Engine;

/// <summary>Settings of <see cref="RetrievalEngine"/>; every default is documented and chosen for ML-100K-sized catalogues up to ~1M items.</summary>
public sealed record RetrievalEngineOptions
{
    /// <summary>Index factory spec for the item vectors (default "HNSW16").</summary>
    public string IndexSpec { get; init; } = "HNSW16";

    /// <summary>
    /// Makes the item index for vectors of the given dimension instead of <see cref="IndexSpec"/> (e.g. a PgVectorIndex
    /// over PostgreSQL); null = the spec. It must be empty and use inner product: the engine adds every item vector, and disposes it.
    /// </summary>
    public Func<int, TwoTower.MLNet.Index.IVectorIndex>? CreateIndex { get; init; }

    /// <summary>
    /// Builds an HNSW item index with one thread, so that every engine built from the same model (replicas behind a load
    /// balancer, a restart) holds the same graph and gives the same answers. Default false: parallel insertion is faster,
    /// and its graphs differ in which near-ties they keep, which can swap items at the end of a list.
    /// </summary>
    public bool DeterministicIndex { get; init; }

    /// <summary>HNSW search breadth (default 64: recall ≈ 0.99 at k ≤ 100 on 100k items).</summary>
    public int EfSearch { get; init; } = 64;

    /// <summary>
    /// Sources, quotas and normalisation; null = every available source (ANN 100, itemknn 50, popularity 20 at weight 0.3),
    /// popularity only when it has counts (the model file kept its training history, or is a popularity model) or the model has no vectors.
    /// </summary>
    public CandidateGeneratorOptions? Generator { get; init; }

    /// <summary>Cold-start blending.</summary>
    public ColdStartOptions ColdStart { get; init; } = new();

    /// <summary>
    /// How users unknown to the model get a vector for the ANN source from their history (and features): default
    /// <see cref="NewUserFoldIn.Auto"/>, the softmax fold-in for two-tower models with normalised vectors, else the mean of the items' vectors.
    /// </summary>
    public NewUserFoldIn NewUserFoldIn { get; init; } = NewUserFoldIn.Auto;

    /// <summary>Settings of the softmax fold-in.</summary>
    public SoftmaxFoldInOptions SoftmaxFoldIn { get; init; } = new();

    /// <summary>User grouping for cold-start popularity (default AgeBucket when user metadata is given).</summary>
    public UserGrouping Grouping { get; init; } = UserGrouping.AgeBucket;

    /// <summary>Neighbours per item for "because you watched" when trained at start-up (default 100).</summary>
    public int ItemNeighbors { get; init; } = 100;

    /// <summary>
    /// Items need this many training interactions to train the content projection (default 5: rarer items have noisy vectors);
    /// when none has, the engine has no projection and new items need their vector.
    /// </summary>
    public int ProjectionMinInteractions { get; init; } = 5;

    /// <summary>Folder for the update log and snapshot; null = live updates are not persisted.</summary>
    public string? StateDirectory { get; init; }

    /// <summary>Log records after which a snapshot is written and the log emptied (default 1000).</summary>
    public int SnapshotEvery { get; init; } = 1000;

    /// <summary>
    /// Compacts the item index once its tombstones (vectors of removed items, and the old vectors of items put again
    /// with a new one) outnumber this share of its live vectors (default 0.25; 0 = never). Searches step over tombstones,
    /// so they cost time and memory until reclaimed. The rebuild (seconds for an HNSW index of 100k items) runs on a background
    /// task started after the update that crosses the share, which does not wait for it; searches read the old index
    /// meanwhile, and an HNSW index takes writes meanwhile too (other kinds hold their writes for their shorter compaction).
    /// Dispose cancels it. Updates replayed at start-up compact in line.
    /// </summary>
    public float CompactIndexAtRemovedShare { get; init; } = 0.25f;

    /// <summary>Checks the options; throws naming the bad value.</summary>
    public void Validate()
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(IndexSpec, nameof(IndexSpec));
        if (EfSearch < 1) throw new ArgumentOutOfRangeException(nameof(EfSearch), EfSearch, "RetrievalEngineOptions.EfSearch must be ≥ 1.");
        if (ItemNeighbors < 1) throw new ArgumentOutOfRangeException(nameof(ItemNeighbors), ItemNeighbors, "RetrievalEngineOptions.ItemNeighbors must be ≥ 1.");
        if (ProjectionMinInteractions < 0) throw new ArgumentOutOfRangeException(nameof(ProjectionMinInteractions), ProjectionMinInteractions, "RetrievalEngineOptions.ProjectionMinInteractions must be ≥ 0.");
        if (!(CompactIndexAtRemovedShare >= 0 && float.IsFinite(CompactIndexAtRemovedShare)))
            throw new ArgumentOutOfRangeException(nameof(CompactIndexAtRemovedShare), CompactIndexAtRemovedShare, "RetrievalEngineOptions.CompactIndexAtRemovedShare must be a finite share ≥ 0 (0 = never compact).");
        if (SnapshotEvery < 1) throw new ArgumentOutOfRangeException(nameof(SnapshotEvery), SnapshotEvery, "RetrievalEngineOptions.SnapshotEvery must be ≥ 1.");
        if (!Enum.IsDefined(Grouping)) throw new ArgumentOutOfRangeException(nameof(Grouping), Grouping, "RetrievalEngineOptions.Grouping must be a defined UserGrouping.");
        if (!Enum.IsDefined(NewUserFoldIn)) throw new ArgumentOutOfRangeException(nameof(NewUserFoldIn), NewUserFoldIn, "RetrievalEngineOptions.NewUserFoldIn must be a defined NewUserFoldIn.");
        ArgumentNullException.ThrowIfNull(SoftmaxFoldIn, nameof(SoftmaxFoldIn));
        SoftmaxFoldIn.Validate();
        ArgumentNullException.ThrowIfNull(ColdStart, nameof(ColdStart));
        ColdStart.Validate();
    }
}
