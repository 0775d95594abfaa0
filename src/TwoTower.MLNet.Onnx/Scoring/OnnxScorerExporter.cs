using System.Globalization;
using TwoTower.MLNet.Onnx.Graph;
using TwoTower.MLNet.Onnx.IO;
using TwoTower.MLNet.Onnx.Model;
using TwoTower.MLNet.Onnx.Towers;

namespace TwoTower.MLNet.Onnx.Scoring;

/// <summary>Writes an exact top-k scorer (see <see cref="OnnxScorerSpec"/>) as an ONNX model (opset 17, IR version 8).</summary>
public static class OnnxScorerExporter
{
    /// <summary>Validates <paramref name="spec"/> and writes the model to <paramref name="path"/> atomically.</summary>
    /// <exception cref="ArgumentException">The spec is invalid, or its weights pass the 2 GB one ONNX file holds.</exception>
    /// <exception cref="DirectoryNotFoundException">The directory of <paramref name="path"/> does not exist.</exception>
    public static void Export(OnnxScorerSpec spec, string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        AtomicFile.WriteAllBytes(path, ToBytes(spec));
    }

    /// <summary>Validates <paramref name="spec"/> and returns the ONNX model bytes.</summary>
    /// <exception cref="ArgumentException">The spec is invalid, or its weights pass the 2 GB one ONNX file holds.</exception>
    public static byte[] ToBytes(OnnxScorerSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        spec.Validate();
        int items = spec.ItemCount, d = spec.Dimension;
        var g = new OnnxGraphBuilder(spec.Name);
        var n = OnnxDimension.Symbolic(OnnxGraphBuilder.BatchSymbol);
        g.AddInput(spec.QueryInputName, OnnxDataType.Float, n, OnnxDimension.Fixed(d));
        if (spec.UseExclusionMask) g.AddInput(spec.MaskInputName, OnnxDataType.Float, n, OnnxDimension.Fixed(items));

        // Stored transposed [d, items] so the graph is a plain MatMul query·itemsᵀ.
        var transposed = new float[items * d];
        for (int i = 0; i < items; i++)
            for (int j = 0; j < d; j++)
                transposed[j * items + i] = spec.ItemVectors[i * d + j];
        var itemsT = g.AddFloatInitializer("item_matrix_t", [d, items], transposed);
        var scores = g.AddNode("MatMul", [spec.QueryInputName, itemsT]);
        if (spec.UseExclusionMask) scores = g.AddNode("Add", [scores, spec.MaskInputName]);
        var k = g.AddInt64Initializer("k", [1], [spec.K]);
        g.AddNode("TopK", [scores, k], [OnnxScorerSpec.ScoresOutputName, OnnxScorerSpec.IndicesOutputName],
            [OnnxAttribute.Int("axis", -1), OnnxAttribute.Int("largest", 1), OnnxAttribute.Int("sorted", 1)]);
        g.AddOutput(OnnxScorerSpec.ScoresOutputName, OnnxDataType.Float, n, OnnxDimension.Fixed(spec.K));
        g.AddOutput(OnnxScorerSpec.IndicesOutputName, OnnxDataType.Int64, n, OnnxDimension.Fixed(spec.K));

        var inv = CultureInfo.InvariantCulture;
        var model = g.ToModel(
        [
            new(OnnxMetadataKeys.Kind, "scorer"),
            new(OnnxMetadataKeys.FormatVersion, "1"),
            new(OnnxMetadataKeys.Dimension, d.ToString(inv)),
            new(OnnxMetadataKeys.ItemCount, items.ToString(inv)),
            new(OnnxMetadataKeys.TopK, spec.K.ToString(inv)),
            new(OnnxMetadataKeys.Inputs, spec.UseExclusionMask ? $"{spec.QueryInputName},{spec.MaskInputName}" : spec.QueryInputName),
            new(OnnxMetadataKeys.Outputs, $"{OnnxScorerSpec.ScoresOutputName},{OnnxScorerSpec.IndicesOutputName}"),
        ]);
        return model.ToBytes();
    }
}
