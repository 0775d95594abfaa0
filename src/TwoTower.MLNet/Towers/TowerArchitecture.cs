namespace TwoTower.MLNet.Towers;

/// <summary>Shape of one tower: which inputs it embeds and the MLP on top of their concatenation.</summary>
/// <param name="UseIdEmbedding">Whether the entity id has its own embedding (off = features only).</param>
/// <param name="IdEmbeddingDimension">Width of the id embedding.</param>
/// <param name="FeatureEmbeddingDimension">Width of each categorical and bag embedding.</param>
/// <param name="HiddenLayers">Widths of the hidden ReLU layers (empty = one linear layer).</param>
/// <param name="OutputDimension">Width d of the tower output.</param>
/// <param name="Normalize">Whether the output is L2-normalised (cosine similarity).</param>
/// <param name="Dropout">Dropout rate after each hidden layer while training, in [0, 1).</param>
/// <param name="HeldOutBag">Name of the bag feature that per-row held-out tokens are removed from (null = none).</param>
public sealed record TowerArchitecture(
    bool UseIdEmbedding,
    int IdEmbeddingDimension,
    int FeatureEmbeddingDimension,
    IReadOnlyList<int> HiddenLayers,
    int OutputDimension,
    bool Normalize,
    float Dropout,
    string? HeldOutBag = null)
{
    /// <summary>Throws when a size or rate is out of range, or the hidden layer widths are missing.</summary>
    public void Validate(string tower)
    {
        if (UseIdEmbedding && IdEmbeddingDimension < 1)
            throw new ArgumentOutOfRangeException(nameof(IdEmbeddingDimension), IdEmbeddingDimension, $"{tower} tower: id embedding dimension must be ≥ 1.");
        if (FeatureEmbeddingDimension < 1)
            throw new ArgumentOutOfRangeException(nameof(FeatureEmbeddingDimension), FeatureEmbeddingDimension, $"{tower} tower: feature embedding dimension must be ≥ 1.");
        if (OutputDimension < 1)
            throw new ArgumentOutOfRangeException(nameof(OutputDimension), OutputDimension, $"{tower} tower: output dimension must be ≥ 1.");
        // Named, not a NullReferenceException from the loop below.
        if (HiddenLayers is null) throw new ArgumentNullException(nameof(HiddenLayers), $"{tower} tower: hidden layer widths are missing; give an empty list for one linear layer.");
        foreach (var h in HiddenLayers)
            if (h < 1) throw new ArgumentOutOfRangeException(nameof(HiddenLayers), h, $"{tower} tower: hidden layer widths must be ≥ 1.");
        if (!(Dropout >= 0 && Dropout < 1))
            throw new ArgumentOutOfRangeException(nameof(Dropout), Dropout, $"{tower} tower: dropout must be in [0, 1).");
    }
}
