namespace TwoTower.MLNet.Batch;

/// <summary>Settings of a batch scoring run (<see cref="BatchScorer"/>, <see cref="BatchScoringJob"/>).</summary>
public sealed class BatchScoringOptions
{
    /// <summary>Items per user (default 10).</summary>
    public int K { get; set; } = 10;

    /// <summary>Leave out each user's training items (needs a model file saved with its training history).</summary>
    public bool ExcludeSeen { get; set; }

    /// <summary>The shard this run scores, 0-based (default 0).</summary>
    public int Shard { get; set; }

    /// <summary>How many shards the users are split into (default 1: everything in one run).</summary>
    public int ShardCount { get; set; } = 1;

    /// <summary>
    /// Users scored per call of the model (default 256): each call fills a block × catalogue score matrix, so large
    /// catalogues get smaller blocks (at most <see cref="MaxScoresPerBlock"/> scores), and so does a large k (a block's
    /// rows fit in <see cref="RowsPerChunk"/>).
    /// </summary>
    public int BlockSize { get; set; } = 256;

    /// <summary>Blocks scored at once (default: all cores; 1 for a single thread). The output does not depend on it.</summary>
    public int Threads { get; set; }

    /// <summary>
    /// Rows scored and written at a time (default 1,048,576): one Parquet row group, and the memory a run holds whatever
    /// the number of users (about 32 bytes a row). Rounded down to whole blocks of users; only a k past it makes a chunk
    /// of one user hold more.
    /// </summary>
    public int RowsPerChunk { get; set; } = RecommendationParquet.RowGroupSize;

    /// <summary>Largest score matrix of one block (16M floats, 64 MB per thread).</summary>
    public const int MaxScoresPerBlock = 1 << 24;

    /// <summary>Output file format of <see cref="BatchScoringJob"/> (default Parquet).</summary>
    public BatchOutputFormat Format { get; set; } = BatchOutputFormat.Parquet;

    /// <summary>What to do with user ids the model does not know (default: their cold-start answer).</summary>
    public UnknownUserPolicy UnknownUsers { get; set; } = UnknownUserPolicy.ColdStart;

    /// <summary>Checks every setting.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A setting is out of range (the message names it).</exception>
    public void Validate()
    {
        if (K < 1) throw new ArgumentOutOfRangeException(nameof(K), K, $"K must be ≥ 1 (got {K}).");
        if (BlockSize < 1) throw new ArgumentOutOfRangeException(nameof(BlockSize), BlockSize, $"BlockSize must be ≥ 1 (got {BlockSize}).");
        if (RowsPerChunk < 1) throw new ArgumentOutOfRangeException(nameof(RowsPerChunk), RowsPerChunk, $"RowsPerChunk must be ≥ 1 (got {RowsPerChunk}).");
        if (Threads < 0) throw new ArgumentOutOfRangeException(nameof(Threads), Threads, $"Threads must be ≥ 0 (0 = all cores; got {Threads}).");
        if (!Enum.IsDefined(Format)) throw new ArgumentOutOfRangeException(nameof(Format), Format, "Expected Parquet or Csv.");
        if (!Enum.IsDefined(UnknownUsers)) throw new ArgumentOutOfRangeException(nameof(UnknownUsers), UnknownUsers, "Expected ColdStart, Skip or Fail.");
        ShardAssignment.Check(Shard, ShardCount);
    }
}
