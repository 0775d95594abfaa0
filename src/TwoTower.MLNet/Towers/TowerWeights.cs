using System.Numerics.Tensors;
using TwoTower.MLNet.Features;
using TwoTower.MLNet.Persistence;

namespace TwoTower.MLNet.Towers;

/// <summary>
/// A trained tower, frozen: its architecture, the meaning of its feature inputs and every parameter. Embeds an
/// entity from its id key and encoded features with the same forward pass as <see cref="ManagedTower"/> (no
/// dropout), so an entity the model never saw — a new item, a new user with features — gets a vector without
/// retraining; and it is what the ONNX tower export is built from. Immutable and thread-safe.
/// </summary>
public sealed class TowerWeights
{
    private const int LayoutVersion = 1;

    /// <summary>Creates tower weights and checks every shape and value.</summary>
    /// <exception cref="ArgumentException">A table or layer has the wrong size for the architecture and schema, or a value is not finite.</exception>
    public TowerWeights(TowerArchitecture architecture, FeatureSchema features, int entityCount, float[]? idEmbedding,
        IReadOnlyList<float[]> categoricalTables, IReadOnlyList<float[]> bagTables, IReadOnlyList<DenseLayerWeights> layers)
    {
        ArgumentNullException.ThrowIfNull(architecture);
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(categoricalTables);
        ArgumentNullException.ThrowIfNull(bagTables);
        ArgumentNullException.ThrowIfNull(layers);
        architecture.Validate("frozen");
        if (entityCount < 0) throw new ArgumentOutOfRangeException(nameof(entityCount), entityCount, "Must be ≥ 0.");
        var f = architecture.FeatureEmbeddingDimension;
        if (architecture.UseIdEmbedding)
        {
            if (idEmbedding is null || idEmbedding.Length != (long)entityCount * architecture.IdEmbeddingDimension)
                throw new ArgumentException($"idEmbedding has {idEmbedding?.Length ?? 0} values; expected entities × id dimension = {entityCount} × {architecture.IdEmbeddingDimension}.", nameof(idEmbedding));
            CheckFinite(idEmbedding, "idEmbedding");
        }
        else if (idEmbedding is not null) throw new ArgumentException("idEmbedding is given but the architecture has no id embedding.", nameof(idEmbedding));
        if (categoricalTables.Count != features.Categoricals.Count)
            throw new ArgumentException($"{categoricalTables.Count} categorical tables for {features.Categoricals.Count} categorical features.", nameof(categoricalTables));
        for (var i = 0; i < categoricalTables.Count; i++)
        {
            var rows = features.Categoricals[i].Vocabulary.Count + 1;
            if (categoricalTables[i]?.Length != rows * f)
                throw new ArgumentException($"Categorical table '{features.Categoricals[i].Name}' has {categoricalTables[i]?.Length ?? 0} values; expected (vocabulary + 1) × {f} = {rows * f}.", nameof(categoricalTables));
            CheckFinite(categoricalTables[i], $"categorical table '{features.Categoricals[i].Name}'");
        }
        if (bagTables.Count != features.Bags.Count)
            throw new ArgumentException($"{bagTables.Count} bag tables for {features.Bags.Count} bag features.", nameof(bagTables));
        for (var i = 0; i < bagTables.Count; i++)
        {
            var rows = features.Bags[i].Vocabulary.Count;
            if (bagTables[i]?.Length != rows * f)
                throw new ArgumentException($"Bag table '{features.Bags[i].Name}' has {bagTables[i]?.Length ?? 0} values; expected vocabulary × {f} = {rows * f}.", nameof(bagTables));
            CheckFinite(bagTables[i], $"bag table '{features.Bags[i].Name}'");
        }
        var width = (architecture.UseIdEmbedding ? architecture.IdEmbeddingDimension : 0) + f * (features.Categoricals.Count + features.Bags.Count) + features.Numerics.Count;
        InputWidth = width;
        var expected = architecture.HiddenLayers.Append(architecture.OutputDimension).ToArray();
        if (layers.Count != expected.Length)
            throw new ArgumentException($"{layers.Count} layers given; the architecture has {expected.Length} (hidden {string.Join(",", architecture.HiddenLayers)} + output).", nameof(layers));
        for (var l = 0; l < layers.Count; l++)
        {
            var layer = layers[l] ?? throw new ArgumentException($"Layer {l} is null.", nameof(layers));
            if (layer.InputSize != width || layer.OutputSize != expected[l])
                throw new ArgumentException($"Layer {l} is {layer.InputSize} → {layer.OutputSize}; expected {width} → {expected[l]}.", nameof(layers));
            if (layer.Weight?.Length != layer.InputSize * layer.OutputSize || layer.Bias?.Length != layer.OutputSize)
                throw new ArgumentException($"Layer {l} has {layer.Weight?.Length ?? 0} weights and {layer.Bias?.Length ?? 0} biases; expected {layer.InputSize * layer.OutputSize} and {layer.OutputSize}.", nameof(layers));
            CheckFinite(layer.Weight, $"layer {l} weight");
            CheckFinite(layer.Bias, $"layer {l} bias");
            width = layer.OutputSize;
        }
        Architecture = architecture;
        Features = features;
        EntityCount = entityCount;
        IdEmbedding = idEmbedding;
        CategoricalTables = categoricalTables;
        BagTables = bagTables;
        Layers = layers;
    }

    /// <summary>The tower's shape.</summary>
    public TowerArchitecture Architecture { get; }

    /// <summary>What the feature inputs mean (names, vocabularies, scaling), in input order.</summary>
    public FeatureSchema Features { get; }

    /// <summary>Rows of the id embedding (the entities known at training).</summary>
    public int EntityCount { get; }

    /// <summary>Id embedding, EntityCount × IdEmbeddingDimension row-major, or null without one.</summary>
    public float[]? IdEmbedding { get; }

    /// <summary>Embedding table of each categorical feature: row c is code c (row 0 = missing), FeatureEmbeddingDimension wide.</summary>
    public IReadOnlyList<float[]> CategoricalTables { get; }

    /// <summary>Embedding table of each bag feature: row t is token t.</summary>
    public IReadOnlyList<float[]> BagTables { get; }

    /// <summary>Dense layers in order; ReLU after every one but the last.</summary>
    public IReadOnlyList<DenseLayerWeights> Layers { get; }

    /// <summary>Width of the concatenated input [id | categoricals | bags | numerics].</summary>
    public int InputWidth { get; }

    /// <summary>Width d of the output.</summary>
    public int OutputDimension => Architecture.OutputDimension;

    /// <summary>
    /// Embeds one entity: id key <paramref name="idKey"/> (−1 = an entity unknown to the model: its id embedding is zero,
    /// as for an item with no training interactions) and its encoded features; writes d values to <paramref name="output"/>.
    /// </summary>
    /// <exception cref="ArgumentException">The features do not match the schema (counts, codes or tokens out of range).</exception>
    public void Embed(int idKey, EncodedFeatures features, Span<float> output)
    {
        ArgumentNullException.ThrowIfNull(features);
        if (output.Length < OutputDimension) throw new ArgumentException($"output has {output.Length} values; the dimension is {OutputDimension}.", nameof(output));
        Check(idKey, features);
        var result = output[..OutputDimension];
        Forward(idKey, features, result);
        if (Architecture.Normalize) TensorPrimitives.Multiply(result, 1f / MathF.Max(TensorPrimitives.Norm(result), 1e-12f), result);
    }

    /// <summary>‖output‖ before the L2 normalisation (the vector's norm when the tower does not normalise): what the tower's confidence in an entity looks like.</summary>
    internal float OutputNormBeforeNormalization(int idKey, EncodedFeatures features)
    {
        Check(idKey, features);
        var output = new float[OutputDimension];
        Forward(idKey, features, output);
        return TensorPrimitives.Norm(output);
    }

    // Inputs → dense layers, without the final normalisation.
    private void Forward(int idKey, EncodedFeatures features, Span<float> result)
    {
        var x = new float[InputWidth];
        var f = Architecture.FeatureEmbeddingDimension;
        var o = 0;
        if (IdEmbedding is not null)
        {
            var idDim = Architecture.IdEmbeddingDimension;
            if (idKey >= 0) IdEmbedding.AsSpan(idKey * idDim, idDim).CopyTo(x);
            o += idDim;
        }
        for (var c = 0; c < CategoricalTables.Count; c++, o += f)
            CategoricalTables[c].AsSpan(features.Categorical[c] * f, f).CopyTo(x.AsSpan(o, f));
        for (var b = 0; b < BagTables.Count; b++, o += f)
        {
            var dst = x.AsSpan(o, f);
            var tokens = features.Bags[b];
            foreach (var t in tokens) TensorPrimitives.Add(dst, BagTables[b].AsSpan(t * f, f), dst);
            if (tokens.Length > 1) TensorPrimitives.Multiply(dst, 1f / tokens.Length, dst);
        }
        features.Numeric.CopyTo(x.AsSpan(o));
        var h = x;
        for (var l = 0; l < Layers.Count; l++)
        {
            var layer = Layers[l];
            var y = new float[layer.OutputSize];
            for (var j = 0; j < y.Length; j++) y[j] = TensorPrimitives.Dot(layer.Weight.AsSpan(j * layer.InputSize, layer.InputSize), h) + layer.Bias[j];
            if (l < Layers.Count - 1) TensorPrimitives.Max(y, 0f, y);
            h = y;
        }
        h.CopyTo(result);
    }

    /// <summary>Writes the tower into a model container under entry names starting with <paramref name="prefix"/>.</summary>
    public void Save(ModelContainerWriter writer, string prefix)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentException.ThrowIfNullOrWhiteSpace(prefix);
        var f = Architecture.FeatureEmbeddingDimension;
        writer.AddJson($"{prefix}.json", new TowerHeader
        {
            LayoutVersion = LayoutVersion,
            Architecture = Architecture,
            EntityCount = EntityCount,
            Categoricals = Features.Categoricals.ToArray(),
            Bags = Features.Bags.ToArray(),
            Numerics = Features.Numerics.ToArray(),
        });
        if (IdEmbedding is not null) writer.AddFloats($"{prefix}.id_embedding", IdEmbedding, EntityCount, Architecture.IdEmbeddingDimension);
        for (var c = 0; c < CategoricalTables.Count; c++) writer.AddFloats($"{prefix}.categorical{c}", CategoricalTables[c], CategoricalTables[c].Length / f, f);
        for (var b = 0; b < BagTables.Count; b++) writer.AddFloats($"{prefix}.bag{b}", BagTables[b], BagTables[b].Length / f, f);
        for (var l = 0; l < Layers.Count; l++)
        {
            writer.AddFloats($"{prefix}.layer{l}.weight", Layers[l].Weight, Layers[l].OutputSize, Layers[l].InputSize);
            writer.AddFloats($"{prefix}.layer{l}.bias", Layers[l].Bias, Layers[l].OutputSize);
        }
    }

    /// <summary>Reads a tower written by <see cref="Save"/>; every shape and value is validated.</summary>
    /// <exception cref="ModelFormatException">An entry is missing, malformed, of a newer layout, or inconsistent with the others.</exception>
    public static TowerWeights Load(ModelContainerReader reader, string prefix)
    {
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentException.ThrowIfNullOrWhiteSpace(prefix);
        var h = reader.ReadJson<TowerHeader>($"{prefix}.json");
        if (h.LayoutVersion != LayoutVersion)
            throw new ModelFormatException(reader.Path, $"tower '{prefix}' has layout version {h.LayoutVersion}; this library reads version {LayoutVersion}{(h.LayoutVersion > LayoutVersion ? " (the file is newer: upgrade TwoTower.MLNet)" : "")}.");
        if (h.Architecture is null) throw new ModelFormatException(reader.Path, $"tower '{prefix}' has no architecture.");
        // JSON leaves a missing list null despite the record's type.
        if (h.Architecture.HiddenLayers is null) throw new ModelFormatException(reader.Path, $"tower '{prefix}' has no hidden layer list in its architecture.");
        try
        {
            var a = h.Architecture;
            var f = a.FeatureEmbeddingDimension;
            var schema = new FeatureSchema(h.Categoricals ?? [], h.Bags ?? [], h.Numerics ?? []);
            var id = a.UseIdEmbedding ? reader.ReadFloats($"{prefix}.id_embedding", h.EntityCount, a.IdEmbeddingDimension) : null;
            var cats = schema.Categoricals.Select((c, i) => reader.ReadFloats($"{prefix}.categorical{i}", c.Vocabulary.Count + 1, f)).ToArray();
            var bags = schema.Bags.Select((b, i) => reader.ReadFloats($"{prefix}.bag{i}", b.Vocabulary.Count, f)).ToArray();
            var layers = new List<DenseLayerWeights>();
            for (var l = 0; l <= a.HiddenLayers.Count; l++)
            {
                var w = reader.ReadFloats($"{prefix}.layer{l}.weight", out var shape);
                if (shape.Length != 2) throw new ModelFormatException(reader.Path, $"entry '{prefix}.layer{l}.weight' has shape [{string.Join(",", shape)}]; expected [out,in].");
                layers.Add(new DenseLayerWeights(shape[1], shape[0], w, reader.ReadFloats($"{prefix}.layer{l}.bias", shape[0])));
            }
            return new TowerWeights(a, schema, h.EntityCount, id, cats, bags, layers);
        }
        catch (ArgumentException ex)
        {
            throw new ModelFormatException(reader.Path, $"tower '{prefix}': {ex.Message}", ex);
        }
    }

    private void Check(int idKey, EncodedFeatures features)
    {
        if (idKey < -1 || idKey >= EntityCount)
            throw new ArgumentOutOfRangeException(nameof(idKey), idKey, $"Expected −1 (unknown entity) or a key in [0, {EntityCount}).");
        if (features.Categorical.Length != Features.Categoricals.Count || features.Bags.Length != Features.Bags.Count || features.Numeric.Length != Features.Numerics.Count)
            throw new ArgumentException($"features has {features.Categorical.Length} categoricals, {features.Bags.Length} bags and {features.Numeric.Length} numerics; the tower reads {Features.Categoricals.Count}, {Features.Bags.Count} and {Features.Numerics.Count} (encode with TowerWeights.Features).", nameof(features));
        for (var c = 0; c < features.Categorical.Length; c++)
            if ((uint)features.Categorical[c] > (uint)Features.Categoricals[c].Vocabulary.Count)
                throw new ArgumentException($"Categorical feature '{Features.Categoricals[c].Name}' has code {features.Categorical[c]}; expected [0, {Features.Categoricals[c].Vocabulary.Count}].", nameof(features));
        for (var b = 0; b < features.Bags.Length; b++)
            foreach (var t in features.Bags[b] ?? throw new ArgumentException($"Bag feature '{Features.Bags[b].Name}' is null; use an empty array.", nameof(features)))
                if ((uint)t >= (uint)Features.Bags[b].Vocabulary.Count)
                    throw new ArgumentException($"Bag feature '{Features.Bags[b].Name}' has token {t}; expected [0, {Features.Bags[b].Vocabulary.Count}).", nameof(features));
        foreach (var v in features.Numeric)
            if (!float.IsFinite(v)) throw new ArgumentException($"A numeric feature is {v}; expected a finite value.", nameof(features));
    }

    private static void CheckFinite(float[] values, string what)
    {
        for (var i = 0; i < values.Length; i++)
            if (!float.IsFinite(values[i])) throw new ArgumentException($"{what} has {values[i]} at index {i}; expected finite values.");
    }

    // The JSON entry of a saved tower.
    private sealed class TowerHeader
    {
        public int LayoutVersion { get; set; }
        public TowerArchitecture? Architecture { get; set; }
        public int EntityCount { get; set; }
        public CategoricalSchema[]? Categoricals { get; set; }
        public BagSchema[]? Bags { get; set; }
        public NumericSchema[]? Numerics { get; set; }
    }
}
