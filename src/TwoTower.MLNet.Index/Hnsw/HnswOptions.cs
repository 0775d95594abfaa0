namespace TwoTower.MLNet.Index.Hnsw;

/// <summary>
/// Construction and default search settings of an <see cref="HnswIndex"/> (Malkov &amp; Yashunin,
/// "Efficient and robust approximate nearest neighbor search using Hierarchical Navigable Small World graphs").
/// </summary>
public sealed record HnswOptions
{
    /// <summary>Default options.</summary>
    public static HnswOptions Default { get; } = new();

    /// <summary>
    /// Links per node on the upper layers (layer 0 keeps 2·M). Default 16: the paper's and hnswlib's
    /// sweet spot for 64–256-dimensional data; larger M raises recall at high ef and memory
    /// (≈ 8·M bytes per vector) and build time.
    /// </summary>
    public int M { get; init; } = 16;

    /// <summary>
    /// Size of the candidate list while inserting. Default 200 (hnswlib's default): enough for
    /// recall@10 ≥ 0.99 on 100k–1M vectors; lower values build faster with a weaker graph.
    /// </summary>
    public int EfConstruction { get; init; } = 200;

    /// <summary>
    /// Default size of the candidate list while searching, used when <see cref="SearchOptions.EfSearch"/>
    /// is unset (max(ef, k) is used). Default 64: recall@10 ≈ 0.97–0.98 at M 16 on clustered 128-d data.
    /// </summary>
    public int EfSearch { get; init; } = 64;

    /// <summary>
    /// Width of the best-first search on layer 1 whose results seed the layer-0 search. 1 is the paper's
    /// greedy descent. Default 8: on clustered data a single greedy path can end in the wrong cluster (recall
    /// drops for queries between clusters); 8 seeds cost about 9% more distance evaluations at ef 32 on 100k × 128 (recall .952 → .958).
    /// </summary>
    public int EntryBeam { get; init; } = 8;

    /// <summary>Seed of the level generator. Default 42; the same seed, data and <see cref="BuildThreads"/> = 1 give the same graph.</summary>
    public int Seed { get; init; } = 42;

    /// <summary>
    /// Threads inserting a batch in parallel. Default <see cref="Environment.ProcessorCount"/>; 1 makes the
    /// build deterministic (with more threads the insertion order, and so the graph, depends on timing).
    /// </summary>
    public int BuildThreads { get; init; } = Environment.ProcessorCount;

    /// <summary>
    /// The paper's keepPrunedConnections: fill a new node's neighbour list up to M with candidates the
    /// heuristic discarded. Default false (as hnswlib): fewer, more diverse links search faster at equal recall.
    /// </summary>
    public bool KeepPrunedConnections { get; init; }

    /// <summary>Checks every setting and throws naming the first invalid one.</summary>
    internal void Validate()
    {
        if (M < 2 || M > 256) throw new ArgumentOutOfRangeException(nameof(M), M, "HnswOptions.M must be in [2, 256].");
        if (EfConstruction < 1) throw new ArgumentOutOfRangeException(nameof(EfConstruction), EfConstruction, "HnswOptions.EfConstruction must be ≥ 1.");
        if (EfSearch < 1) throw new ArgumentOutOfRangeException(nameof(EfSearch), EfSearch, "HnswOptions.EfSearch must be ≥ 1.");
        if (EntryBeam < 1) throw new ArgumentOutOfRangeException(nameof(EntryBeam), EntryBeam, "HnswOptions.EntryBeam must be ≥ 1.");
        if (BuildThreads < 1) throw new ArgumentOutOfRangeException(nameof(BuildThreads), BuildThreads, "HnswOptions.BuildThreads must be ≥ 1.");
    }
}
