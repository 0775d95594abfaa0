namespace TwoTower.MLNet.Index.Ivf;

/// <summary>Settings of the inverted-file indexes (<see cref="IvfFlatIndex"/>, <see cref="IvfPqIndex"/>).</summary>
public sealed record IvfOptions
{
    /// <summary>Number of inverted lists (k-means centroids). Default 1024.</summary>
    public int Lists { get; init; } = 1024;

    /// <summary>Lists probed per query when <see cref="SearchOptions.NProbe"/> is unset (all lists when there are fewer). Default 8.</summary>
    public int NProbe { get; init; } = 8;

    /// <summary>IVF-PQ: sub-quantizers (bytes per code); must divide the dimension. Default 16.</summary>
    public int SubQuantizers { get; init; } = 16;

    /// <summary>IVF-PQ: re-rank a shortlist exactly with stored full vectors (costs 4·d bytes per vector). Default false.</summary>
    public bool Refine { get; init; }

    /// <summary>IVF-PQ with <see cref="Refine"/>: shortlist size as a multiple of k. Default 10.</summary>
    public int RefineFactor { get; init; } = 10;

    /// <summary>Seed of k-means sampling and seeding. Default 42.</summary>
    public int Seed { get; init; } = 42;

    /// <summary>Threads for training and adding. Default: all cores.</summary>
    public int BuildThreads { get; init; } = Environment.ProcessorCount;

    internal void Validate(int dimension, bool pq)
    {
        if (Lists < 1) throw new ArgumentOutOfRangeException(nameof(Lists), Lists, "IvfOptions.Lists must be ≥ 1.");
        if (NProbe < 1) throw new ArgumentOutOfRangeException(nameof(NProbe), NProbe, "IvfOptions.NProbe must be ≥ 1.");
        if (BuildThreads < 1) throw new ArgumentOutOfRangeException(nameof(BuildThreads), BuildThreads, "IvfOptions.BuildThreads must be ≥ 1.");
        if (!pq) return;
        if (SubQuantizers < 1 || dimension % SubQuantizers != 0)
            throw new ArgumentOutOfRangeException(nameof(SubQuantizers), SubQuantizers, $"IvfOptions.SubQuantizers must divide the dimension {dimension}.");
        if (RefineFactor < 1) throw new ArgumentOutOfRangeException(nameof(RefineFactor), RefineFactor, "IvfOptions.RefineFactor must be ≥ 1.");
    }
}
