using System.Globalization;
using TwoTower.MLNet.Onnx.Graph;
using TwoTower.MLNet.Onnx.Model;

namespace TwoTower.MLNet.Onnx.Towers;

/// <summary>Translates a validated <see cref="TowerGraphSpec"/> into an ONNX model (opset 17, IR 8).</summary>
internal static class TowerGraphBuilder
{
    /// <summary>Validates <paramref name="spec"/> and builds its ONNX model.</summary>
    public static OnnxModel Build(TowerGraphSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        spec.Validate();
        var g = new OnnxGraphBuilder(spec.Name);
        var n = OnnxDimension.Symbolic(OnnxGraphBuilder.BatchSymbol);
        var parts = new List<string>();

        if (spec.IdInput is not null) parts.Add(AddLookup(g, spec.IdInput, n));
        foreach (var c in spec.CategoricalInputs) parts.Add(AddLookup(g, c, n));
        foreach (var b in spec.BagInputs) parts.Add(AddBag(g, b, n));
        foreach (var x in spec.NumericInputs) parts.Add(AddNumeric(g, x, n));

        var h = parts.Count == 1 ? parts[0] : g.AddNode("Concat", [.. parts], [OnnxAttribute.Int("axis", 1)]);

        for (int i = 0; i < spec.Layers.Count; i++)
        {
            var l = spec.Layers[i];
            var w = g.AddFloatInitializer($"dense{i}_weight", [l.OutputSize, l.InputSize], l.Weights);
            var b = g.AddFloatInitializer($"dense{i}_bias", [l.OutputSize], l.Bias);
            // Gemm with transB=1 computes x·Wᵀ + b for W stored [out,in].
            h = g.AddNode("Gemm", [h, w, b], [OnnxAttribute.Int("transB", 1)]);
            if (i < spec.Layers.Count - 1) h = g.AddNode("Relu", [h]);
        }

        if (spec.Normalization == TowerNormalization.L2)
        {
            // x / max(‖x‖, eps): the managed formula; LpNormalization's zero-norm behaviour is not specified the same way.
            var norm = g.AddNode("ReduceL2", [h], [OnnxAttribute.Ints("axes", 1), OnnxAttribute.Int("keepdims", 1)]);
            var eps = g.AddFloatInitializer("l2_epsilon", [], [spec.NormalizationEpsilon]);
            var safe = g.AddNode("Max", [norm, eps]);
            g.AddNode("Div", [h, safe], outputName: TowerGraphSpec.OutputName);
        }
        else
        {
            g.AddNode("Identity", [h], outputName: TowerGraphSpec.OutputName);
        }
        g.AddOutput(TowerGraphSpec.OutputName, OnnxDataType.Float, n, OnnxDimension.Fixed(spec.OutputDimension));

        var meta = new List<KeyValuePair<string, string>>
        {
            new(OnnxMetadataKeys.Kind, "tower"),
            new(OnnxMetadataKeys.FormatVersion, "1"),
            new(OnnxMetadataKeys.Dimension, spec.OutputDimension.ToString(CultureInfo.InvariantCulture)),
            new(OnnxMetadataKeys.Normalization, spec.Normalization == TowerNormalization.L2 ? "l2" : "none"),
        };
        if (spec.Normalization == TowerNormalization.L2)
            meta.Add(new(OnnxMetadataKeys.NormalizationEpsilon, spec.NormalizationEpsilon.ToString("R", CultureInfo.InvariantCulture)));
        meta.Add(new(OnnxMetadataKeys.Inputs, string.Join(',', spec.InputNames)));
        meta.Add(new(OnnxMetadataKeys.Outputs, TowerGraphSpec.OutputName));
        return g.ToModel(meta);
    }

    private static string AddLookup(OnnxGraphBuilder g, TowerEmbeddingInput input, OnnxDimension n)
    {
        g.AddInput(input.Name, OnnxDataType.Int64, n, OnnxDimension.Fixed(1));
        var t = input.Table;
        var table = g.AddFloatInitializer($"{input.Name}_table", [t.RowCount, t.Dimension], t.Values);
        var gathered = g.AddNode("Gather", [table, RefuseNegative(g, input.Name, t.RowCount)], [OnnxAttribute.Int("axis", 0)]); // [N,1,dim]
        return g.AddNode("Flatten", [gathered], [OnnxAttribute.Int("axis", 1)]);                   // [N,dim]
    }

    private static string AddBag(OnnxGraphBuilder g, TowerBagInput bag, OnnxDimension n)
    {
        var length = bag.Length is { } len ? OnnxDimension.Fixed(len) : OnnxDimension.Symbolic($"{bag.Name}_length");
        g.AddInput(bag.Name, OnnxDataType.Int64, n, length);
        var t = bag.Table;
        var table = g.AddFloatInitializer($"{bag.Name}_table", [t.RowCount, t.Dimension], t.Values);
        var axis1 = g.AddInt64Initializer($"{bag.Name}_axes", [1], [1]);
        var gathered = g.AddNode("Gather", [table, RefuseNegative(g, bag.Name, t.RowCount)], [OnnxAttribute.Int("axis", 0)]); // [N,L,dim]
        // The padding row is zero, so the plain sum over L is the sum over real entries.
        var sum = g.AddNode("ReduceSum", [gathered, axis1], [OnnxAttribute.Int("keepdims", 0)]);              // [N,dim]
        var pad = g.AddInt64Initializer($"{bag.Name}_padding", [], [bag.PaddingIndex]);
        var isPad = g.AddNode("Equal", [bag.Name, pad]);
        var notPad = g.AddNode("Not", [isPad]);
        var ones = g.AddNode("Cast", [notPad], [OnnxAttribute.Int("to", (long)OnnxDataType.Float)]);
        var count = g.AddNode("ReduceSum", [ones, axis1], [OnnxAttribute.Int("keepdims", 1)]);                // [N,1]
        var one = g.AddFloatInitializer($"{bag.Name}_one", [], [1f]);
        // An all-padding row has count 0 and sum 0: dividing by max(count,1) yields the zero vector.
        var safe = g.AddNode("Max", [count, one]);
        return g.AddNode("Div", [sum, safe]);
    }

    /// <summary>
    /// The indices with every negative one replaced by <paramref name="rowCount"/>, which Gather refuses: ONNX Gather
    /// reads −i as row RowCount − i, so a −1 ("unknown" in the managed API) would silently pick the last row.
    /// </summary>
    private static string RefuseNegative(OnnxGraphBuilder g, string indices, int rowCount)
    {
        var zero = g.AddInt64Initializer($"{indices}_zero", [], [0]);
        var outside = g.AddInt64Initializer($"{indices}_outside", [], [rowCount]);
        var negative = g.AddNode("Less", [indices, zero]);
        return g.AddNode("Where", [negative, outside, indices]);
    }

    private static string AddNumeric(OnnxGraphBuilder g, TowerNumericInput x, OnnxDimension n)
    {
        int f = x.Mean.Length;
        g.AddInput(x.Name, OnnxDataType.Float, n, OnnxDimension.Fixed(f));
        var mean = g.AddFloatInitializer($"{x.Name}_mean", [f], x.Mean);
        var std = g.AddFloatInitializer($"{x.Name}_std", [f], x.Std);
        var centred = g.AddNode("Sub", [x.Name, mean]);
        return g.AddNode("Div", [centred, std]);
    }
}
