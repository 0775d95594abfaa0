namespace TwoTower.MLNet.Onnx.Scoring;

/// <summary>
/// Describes an exact top-k scorer graph: query [N,d] → MatMul with the transposed item matrix
/// (an initializer [d, ItemCount]) → optional additive mask input [N, ItemCount] → TopK(K) →
/// outputs "scores" float [N,K] and "indices" int64 [N,K] (row numbers in <see cref="ItemVectors"/>,
/// best first).
/// </summary>
public sealed class OnnxScorerSpec
{
    /// <summary>Name of the scores output.</summary>
    public const string ScoresOutputName = "scores";

    /// <summary>Name of the indices output.</summary>
    public const string IndicesOutputName = "indices";

    /// <summary>Item vectors, row-major [ItemCount, Dimension] (finite values).</summary>
    public required float[] ItemVectors { get; init; }

    /// <summary>Number of items (rows of <see cref="ItemVectors"/>).</summary>
    public required int ItemCount { get; init; }

    /// <summary>Vector width d.</summary>
    public required int Dimension { get; init; }

    /// <summary>Number of results per query, 1..ItemCount.</summary>
    public required int K { get; init; }

    /// <summary>
    /// When true the graph has a second input <see cref="MaskInputName"/>, float [N, ItemCount], added
    /// to the scores before TopK: 0 keeps an item, negative infinity excludes it. If fewer than K items
    /// remain, the tail of a row holds excluded items with score negative infinity.
    /// </summary>
    public bool UseExclusionMask { get; init; }

    /// <summary>ONNX input name of the query vectors (default "query").</summary>
    public string QueryInputName { get; init; } = "query";

    /// <summary>ONNX input name of the additive mask (default "mask").</summary>
    public string MaskInputName { get; init; } = "mask";

    /// <summary>Graph name (default "scorer").</summary>
    public string Name { get; init; } = "scorer";

    /// <summary>Checks sizes, finiteness and names.</summary>
    /// <exception cref="ArgumentException">The first problem found, naming the member, the value and what was expected.</exception>
    public void Validate()
    {
        if (ItemCount <= 0) throw new ArgumentException($"ItemCount is {ItemCount}; expected a positive number of items.", "spec");
        if (Dimension <= 0) throw new ArgumentException($"Dimension is {Dimension}; expected a positive vector width.", "spec");
        if (ItemVectors is null || (long)ItemVectors.Length != (long)ItemCount * Dimension)
            throw new ArgumentException($"ItemVectors has length {ItemVectors?.Length ?? 0}; expected ItemCount*Dimension = {ItemCount}*{Dimension} = {(long)ItemCount * Dimension}.", "spec");
        for (int i = 0; i < ItemVectors.Length; i++)
            if (!float.IsFinite(ItemVectors[i]))
                throw new ArgumentException($"ItemVectors[{i}] (item {i / Dimension}) is {ItemVectors[i]}; expected a finite number.", "spec");
        if (K < 1 || K > ItemCount) throw new ArgumentException($"K is {K}; expected 1..ItemCount ({ItemCount}).", "spec");
        string[] reserved = [ScoresOutputName, IndicesOutputName];
        if (string.IsNullOrWhiteSpace(QueryInputName) || reserved.Contains(QueryInputName))
            throw new ArgumentException($"QueryInputName is '{QueryInputName}'; expected a non-empty name other than 'scores'/'indices'.", "spec");
        if (UseExclusionMask && (string.IsNullOrWhiteSpace(MaskInputName) || reserved.Contains(MaskInputName) || MaskInputName == QueryInputName))
            throw new ArgumentException($"MaskInputName is '{MaskInputName}'; expected a non-empty name distinct from the query input and the outputs.", "spec");
        if (string.IsNullOrWhiteSpace(Name)) throw new ArgumentException("Name is empty; expected a graph name.", "spec");
    }
}
