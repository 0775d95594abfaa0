using TwoTower.MLNet.Onnx.Towers;
using TwoTower.MLNet.Towers;

namespace TwoTower.MLNet;

/// <summary>
/// A trained tower (<see cref="TowerWeights"/>) as an ONNX graph spec with one input per feature: the id as int64
/// [N,1] (index = key + 1, 0 = unknown entity: zero id embedding), each categorical as int64 [N,1] (its code, 0 =
/// missing), each bag as int64 [N,L] (token ids right-padded with the vocabulary size), each numeric column as a raw
/// float [N,1] standardised inside the graph. The forward pass is the managed one (<see cref="TowerWeights.Embed"/>).
/// </summary>
public static class TowerNetworkSpec
{
    /// <summary>Builds the spec of <paramref name="tower"/>; the id input is named <paramref name="idInputName"/> (e.g. the id column).</summary>
    /// <exception cref="ArgumentException">A feature is named like the id input or the output ("embedding").</exception>
    public static TowerGraphSpec Create(TowerWeights tower, string name, string idInputName, int? bagLength = null)
    {
        ArgumentNullException.ThrowIfNull(tower);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentException.ThrowIfNullOrWhiteSpace(idInputName);
        var a = tower.Architecture;
        var f = a.FeatureEmbeddingDimension;
        TowerEmbeddingInput? id = null;
        if (tower.IdEmbedding is not null)
        {
            // Row 0 stays zero: an unknown id contributes nothing, as for an entity without training interactions.
            var table = new float[(tower.EntityCount + 1) * a.IdEmbeddingDimension];
            tower.IdEmbedding.CopyTo(table, a.IdEmbeddingDimension);
            id = new TowerEmbeddingInput(idInputName, new EmbeddingTable(tower.EntityCount + 1, a.IdEmbeddingDimension, table));
        }
        var schema = tower.Features;
        var spec = new TowerGraphSpec
        {
            Name = name,
            IdInput = id,
            CategoricalInputs = schema.Categoricals.Select((c, i) => new TowerEmbeddingInput(c.Name, new EmbeddingTable(c.Vocabulary.Count + 1, f, tower.CategoricalTables[i]))).ToArray(),
            BagInputs = schema.Bags.Select((b, i) =>
            {
                // The padding token is one past the vocabulary, on a zero row that the graph's mean ignores.
                var v = b.Vocabulary.Count;
                var table = new float[(v + 1) * f];
                tower.BagTables[i].CopyTo(table, 0);
                return new TowerBagInput(b.Name, new EmbeddingTable(v + 1, f, table), PaddingIndex: v, Length: bagLength);
            }).ToArray(),
            NumericInputs = schema.Numerics.Select(n => new TowerNumericInput(n.Name, [(float)n.Mean], [(float)n.Std])).ToArray(),
            Layers = tower.Layers.Select(l => new TowerDenseLayer(l.InputSize, l.OutputSize, l.Weight, l.Bias)).ToArray(),
            Normalization = a.Normalize ? TowerNormalization.L2 : TowerNormalization.None,
        };
        try
        {
            spec.Validate();
        }
        catch (ArgumentException ex)
        {
            throw new ArgumentException($"The {name} cannot be exported: {ex.Message}", nameof(tower), ex);
        }
        return spec;
    }
}
