using TwoTower.MLNet.Onnx.Execution;

namespace TwoTower.MLNet.Onnx.Towers;

/// <summary>
/// A neutral description of one tower (query or item), independent of how it was trained.
/// The forward pass is: per-input features (id/categorical lookups, bag means, standardised
/// numerics) concatenated in the order IdInput, CategoricalInputs, BagInputs, NumericInputs →
/// dense layers with ReLU between them (none after the last) → optional L2 normalisation →
/// ONNX output <see cref="OutputName"/> of shape [N, OutputDimension].
/// </summary>
public sealed class TowerGraphSpec
{
    /// <summary>ONNX output name of every tower: "embedding".</summary>
    public const string OutputName = "embedding";

    /// <summary>Graph name written into the model (e.g. "query_tower").</summary>
    public string Name { get; init; } = "tower";

    /// <summary>Optional id input (int64 [N,1]).</summary>
    public TowerEmbeddingInput? IdInput { get; init; }

    /// <summary>Categorical inputs (int64 [N,1] each).</summary>
    public IReadOnlyList<TowerEmbeddingInput> CategoricalInputs { get; init; } = [];

    /// <summary>Multi-valued bag inputs (int64 [N,L] each).</summary>
    public IReadOnlyList<TowerBagInput> BagInputs { get; init; } = [];

    /// <summary>Numeric inputs (float [N,F] each).</summary>
    public IReadOnlyList<TowerNumericInput> NumericInputs { get; init; } = [];

    /// <summary>Dense layers applied in order; empty means the concatenation is the output.</summary>
    public IReadOnlyList<TowerDenseLayer> Layers { get; init; } = [];

    /// <summary>Output normalisation (default none).</summary>
    public TowerNormalization Normalization { get; init; } = TowerNormalization.None;

    /// <summary>eps of <c>x / max(‖x‖, eps)</c> for <see cref="TowerNormalization.L2"/> (default 1e-12, must be positive and finite).</summary>
    public float NormalizationEpsilon { get; init; } = 1e-12f;

    /// <summary>
    /// The graph's inputs in graph order (id, categoricals, bags, numerics) with their element type and second
    /// dimension (−1 for a bag of variable length); the one description that manifests and sessions compare against.
    /// </summary>
    public IReadOnlyList<OnnxTowerInputInfo> Inputs =>
    [
        .. (IdInput is null ? [] : new[] { new OnnxTowerInputInfo(IdInput.Name, true, 1) }),
        .. CategoricalInputs.Select(c => new OnnxTowerInputInfo(c.Name, true, 1)),
        .. BagInputs.Select(b => new OnnxTowerInputInfo(b.Name, true, b.Length ?? -1)),
        .. NumericInputs.Select(x => new OnnxTowerInputInfo(x.Name, false, x.Mean.Length)),
    ];

    /// <summary>ONNX input names in graph order.</summary>
    public IReadOnlyList<string> InputNames => [.. Inputs.Select(i => i.Name)];

    /// <summary>Width of the concatenated input features.</summary>
    public int ConcatenatedWidth =>
        (IdInput?.Table.Dimension ?? 0) + CategoricalInputs.Sum(c => c.Table.Dimension) + BagInputs.Sum(b => b.Table.Dimension) + NumericInputs.Sum(n => n.Mean.Length);

    /// <summary>Width d of the output embedding.</summary>
    public int OutputDimension => Layers.Count > 0 ? Layers[^1].OutputSize : ConcatenatedWidth;

    /// <summary>
    /// Checks the whole spec: at least one input, unique non-empty names (not "embedding"), finite
    /// values, zero padding rows, positive standard deviations and chained layer shapes.
    /// </summary>
    /// <exception cref="ArgumentException">The first problem found, naming the member, the value and what was expected.</exception>
    public void Validate()
    {
        if (IdInput is null && CategoricalInputs.Count == 0 && BagInputs.Count == 0 && NumericInputs.Count == 0)
            throw new ArgumentException("Tower spec has no inputs; expected at least one of IdInput, CategoricalInputs, BagInputs, NumericInputs.", "spec");
        if (string.IsNullOrWhiteSpace(Name)) throw new ArgumentException("Tower spec Name is empty; expected a graph name.", "spec");

        var names = new HashSet<string>(StringComparer.Ordinal);
        void CheckName(string? name, string member)
        {
            if (string.IsNullOrWhiteSpace(name)) throw new ArgumentException($"{member}.Name is empty; expected an ONNX input name.", "spec");
            if (name == OutputName) throw new ArgumentException($"{member}.Name is '{name}', which is reserved for the output.", "spec");
            if (!names.Add(name)) throw new ArgumentException($"{member}.Name '{name}' is used by another input; input names must be unique.", "spec");
        }
        void CheckTable(EmbeddingTable? table, string member)
        {
            if (table is null) throw new ArgumentException($"{member}.Table is null; expected an embedding table.", "spec");
            CheckFinite(table.Values, $"{member}.Table.Values");
        }

        if (IdInput is not null) { CheckName(IdInput.Name, "IdInput"); CheckTable(IdInput.Table, "IdInput"); }
        for (int i = 0; i < CategoricalInputs.Count; i++)
        {
            var c = CategoricalInputs[i] ?? throw new ArgumentException($"CategoricalInputs[{i}] is null.", "spec");
            CheckName(c.Name, $"CategoricalInputs[{i}]");
            CheckTable(c.Table, $"CategoricalInputs[{i}]");
        }
        for (int i = 0; i < BagInputs.Count; i++)
        {
            var b = BagInputs[i] ?? throw new ArgumentException($"BagInputs[{i}] is null.", "spec");
            var m = $"BagInputs[{i}]";
            CheckName(b.Name, m);
            CheckTable(b.Table, m);
            if (b.PaddingIndex < 0 || b.PaddingIndex >= b.Table.RowCount)
                throw new ArgumentException($"{m}.PaddingIndex is {b.PaddingIndex}; expected a row of the table, 0..{b.Table.RowCount - 1}.", "spec");
            var row = b.Table.Values.AsSpan((int)b.PaddingIndex * b.Table.Dimension, b.Table.Dimension);
            for (int j = 0; j < row.Length; j++)
                if (row[j] != 0f)
                    throw new ArgumentException($"{m}.Table row {b.PaddingIndex} (the padding row) has value {row[j]} at column {j}; expected all zeros.", "spec");
            if (b.Length is { } len && len <= 0)
                throw new ArgumentException($"{m}.Length is {len}; expected a positive bag length or null for a symbolic one.", "spec");
        }
        for (int i = 0; i < NumericInputs.Count; i++)
        {
            var n = NumericInputs[i] ?? throw new ArgumentException($"NumericInputs[{i}] is null.", "spec");
            var m = $"NumericInputs[{i}]";
            CheckName(n.Name, m);
            if (n.Mean is null || n.Mean.Length == 0) throw new ArgumentException($"{m}.Mean is empty; expected one mean per column.", "spec");
            if (n.Std is null || n.Std.Length != n.Mean.Length)
                throw new ArgumentException($"{m}.Std has length {n.Std?.Length ?? 0}; expected {n.Mean.Length} (one per column, like Mean).", "spec");
            CheckFinite(n.Mean, $"{m}.Mean");
            for (int j = 0; j < n.Std.Length; j++)
                if (!(n.Std[j] > 0f) || !float.IsFinite(n.Std[j]))
                    throw new ArgumentException($"{m}.Std[{j}] is {n.Std[j]}; expected a positive finite standard deviation.", "spec");
        }

        int width = ConcatenatedWidth;
        for (int i = 0; i < Layers.Count; i++)
        {
            var l = Layers[i] ?? throw new ArgumentException($"Layers[{i}] is null.", "spec");
            var m = $"Layers[{i}]";
            if (l.InputSize != width)
                throw new ArgumentException($"{m}.InputSize is {l.InputSize}; expected {width} (the width of {(i == 0 ? "the concatenated inputs" : $"Layers[{i - 1}]'s output")}).", "spec");
            if (l.OutputSize <= 0) throw new ArgumentException($"{m}.OutputSize is {l.OutputSize}; expected a positive width.", "spec");
            if (l.Weights is null || (long)l.Weights.Length != (long)l.OutputSize * l.InputSize)
                throw new ArgumentException($"{m}.Weights has length {l.Weights?.Length ?? 0}; expected OutputSize*InputSize = {l.OutputSize}*{l.InputSize} = {(long)l.OutputSize * l.InputSize} (row-major [out,in]).", "spec");
            if (l.Bias is null || l.Bias.Length != l.OutputSize)
                throw new ArgumentException($"{m}.Bias has length {l.Bias?.Length ?? 0}; expected OutputSize = {l.OutputSize}.", "spec");
            CheckFinite(l.Weights, $"{m}.Weights");
            CheckFinite(l.Bias, $"{m}.Bias");
            width = l.OutputSize;
        }

        if (Normalization is not (TowerNormalization.None or TowerNormalization.L2))
            throw new ArgumentException($"Normalization is {(int)Normalization}; expected None or L2.", "spec");
        if (Normalization == TowerNormalization.L2 && (!(NormalizationEpsilon > 0f) || !float.IsFinite(NormalizationEpsilon)))
            throw new ArgumentException($"NormalizationEpsilon is {NormalizationEpsilon}; expected a positive finite value.", "spec");
    }

    private static void CheckFinite(float[]? values, string member)
    {
        if (values is null) throw new ArgumentException($"{member} is null.", "spec");
        for (int i = 0; i < values.Length; i++)
            if (!float.IsFinite(values[i]))
                throw new ArgumentException($"{member}[{i}] is {values[i]}; expected a finite number.", "spec");
    }
}
