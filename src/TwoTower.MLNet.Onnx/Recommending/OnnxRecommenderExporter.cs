using System.Globalization;
using TwoTower.MLNet.Onnx.Graph;
using TwoTower.MLNet.Onnx.IO;
using TwoTower.MLNet.Onnx.Model;
using TwoTower.MLNet.Onnx.Towers;

namespace TwoTower.MLNet.Onnx.Recommending;

/// <summary>
/// Writes the recommend graph (<see cref="OnnxRecommenderSpec"/>) and the id → vector lookup graph
/// (<see cref="OnnxLookupSpec"/>) as ONNX models: opset 17 plus ai.onnx.ml opset 3 (LabelEncoder), IR version 8.
/// Raw ids are string tensors, so an ML.NET text column feeds the graph directly.
/// </summary>
public static class OnnxRecommenderExporter
{
    /// <summary>The ai.onnx.ml operator domain (LabelEncoder).</summary>
    public const string MlDomain = "ai.onnx.ml";

    /// <summary>The ai.onnx.ml opset we import (LabelEncoder-2 with string keys and int64 values).</summary>
    public const long MlOpset = 3;

    /// <summary>Validates <paramref name="spec"/> and returns the recommend model bytes.</summary>
    /// <exception cref="ArgumentException">The spec is invalid, or its weights pass the 2 GB one ONNX file holds.</exception>
    public static byte[] ToBytes(OnnxRecommenderSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        spec.Validate();
        int users = spec.UserIds.Count, items = spec.ItemIds.Count, d = spec.Dimension, k = spec.K;
        var g = new OnnxGraphBuilder(spec.Name);
        var n = OnnxDimension.Symbolic(OnnxGraphBuilder.BatchSymbol);
        g.AddInput(spec.UserIdInputName, OnnxDataType.String, n, OnnxDimension.Fixed(1));

        // The extra last row is the cold-start vector: LabelEncoder's default sends unknown ids there.
        var table = new float[(users + 1) * d];
        spec.UserVectors.CopyTo(table, 0);
        spec.ColdUserVector.CopyTo(table, users * d);
        var rows = EncodeIds(g, spec.UserIdInputName, spec.UserIds);
        var userTable = g.AddFloatInitializer("user_table", [users + 1, d], table);
        var userVectors = g.AddNode("Gather", [userTable, rows], [OnnxAttribute.Int("axis", 0)]);

        // Stored transposed [d, items] so scoring is a plain MatMul.
        var transposed = new float[items * d];
        for (var i = 0; i < items; i++)
            for (var j = 0; j < d; j++)
                transposed[j * items + i] = spec.ItemVectors[i * d + j];
        var itemsT = g.AddFloatInitializer("item_matrix_t", [d, items], transposed);
        var scores = g.AddNode("MatMul", [userVectors, itemsT]);
        if (spec.ExcludesSeen) scores = ExcludeSeen(g, spec, rows, scores);

        var kTensor = g.AddInt64Initializer("k", [1], [k]);
        const string topScores = "top_scores", topRows = "top_rows";
        g.AddNode("TopK", [scores, kTensor], [topScores, topRows],
            [OnnxAttribute.Int("axis", -1), OnnxAttribute.Int("largest", 1), OnnxAttribute.Int("sorted", 1)]);
        var itemIds = g.AddStringInitializer("item_ids", [items], spec.ItemIds);
        if (spec.ExcludesSeen)
        {
            // A user with fewer than K unseen items gets −∞ scores at the end: those places hold no item (an empty id), not a seen one.
            var gathered = g.AddNode("Gather", [itemIds, topRows], [OnnxAttribute.Int("axis", 0)]);
            var excluded = g.AddNode("IsInf", [topScores], [OnnxAttribute.Int("detect_positive", 0), OnnxAttribute.Int("detect_negative", 1)]);
            var empty = g.AddStringInitializer("no_item", [], [""]);
            g.AddNode("Where", [excluded, empty, gathered], outputName: spec.ItemIdsOutputName);
        }
        else
            g.AddNode("Gather", [itemIds, topRows], [OnnxAttribute.Int("axis", 0)], spec.ItemIdsOutputName);
        g.AddNode("Identity", [topScores], outputName: spec.ScoresOutputName);
        g.AddOutput(spec.ItemIdsOutputName, OnnxDataType.String, n, OnnxDimension.Fixed(k));
        g.AddOutput(spec.ScoresOutputName, OnnxDataType.Float, n, OnnxDimension.Fixed(k));

        var inv = CultureInfo.InvariantCulture;
        var model = g.ToModel(
        [
            new(OnnxMetadataKeys.Kind, "recommender"),
            new(OnnxMetadataKeys.FormatVersion, "1"),
            new(OnnxMetadataKeys.Dimension, d.ToString(inv)),
            new(OnnxMetadataKeys.ItemCount, items.ToString(inv)),
            new(OnnxMetadataKeys.TopK, k.ToString(inv)),
            new(OnnxMetadataKeys.Inputs, spec.UserIdInputName),
            new(OnnxMetadataKeys.Outputs, $"{spec.ItemIdsOutputName},{spec.ScoresOutputName}"),
            new("twotower.exclude_seen", spec.ExcludesSeen ? "true" : "false"),
        ], new OnnxOperatorSetId(MlDomain, MlOpset));
        return model.ToBytes();
    }

    /// <summary>Validates <paramref name="spec"/> and writes the recommend model to <paramref name="path"/> atomically.</summary>
    /// <exception cref="ArgumentException">The spec is invalid, or its weights pass the 2 GB one ONNX file holds.</exception>
    public static void Export(OnnxRecommenderSpec spec, string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        AtomicFile.WriteAllBytes(path, ToBytes(spec));
    }

    /// <summary>Validates <paramref name="spec"/> and returns the lookup model bytes.</summary>
    /// <exception cref="ArgumentException">The spec is invalid, or its weights pass the 2 GB one ONNX file holds.</exception>
    public static byte[] ToBytes(OnnxLookupSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        spec.Validate();
        int count = spec.Ids.Count, d = spec.Dimension;
        var g = new OnnxGraphBuilder(spec.Name);
        var n = OnnxDimension.Symbolic(OnnxGraphBuilder.BatchSymbol);
        g.AddInput(spec.InputName, OnnxDataType.String, n, OnnxDimension.Fixed(1));
        var table = new float[(count + 1) * d];
        spec.Vectors.CopyTo(table, 0);
        spec.UnknownVector.CopyTo(table, count * d);
        var rows = EncodeIds(g, spec.InputName, spec.Ids);
        var tableName = g.AddFloatInitializer("table", [count + 1, d], table);
        g.AddNode("Gather", [tableName, rows], [OnnxAttribute.Int("axis", 0)], spec.OutputName);
        g.AddOutput(spec.OutputName, OnnxDataType.Float, n, OnnxDimension.Fixed(d));
        var model = g.ToModel(
        [
            new(OnnxMetadataKeys.Kind, "lookup"),
            new(OnnxMetadataKeys.FormatVersion, "1"),
            new(OnnxMetadataKeys.Dimension, d.ToString(CultureInfo.InvariantCulture)),
            new(OnnxMetadataKeys.Inputs, spec.InputName),
            new(OnnxMetadataKeys.Outputs, spec.OutputName),
        ], new OnnxOperatorSetId(MlDomain, MlOpset));
        return model.ToBytes();
    }

    /// <summary>Raw id [N,1] → row numbers [N] (ids.Count for unknown ids).</summary>
    private static string EncodeIds(OnnxGraphBuilder g, string input, IReadOnlyList<string> ids)
    {
        var values = new long[ids.Count];
        for (var i = 0; i < values.Length; i++) values[i] = i;
        var codes = g.AddDomainNode(MlDomain, "LabelEncoder", [input],
        [
            OnnxAttribute.Strings("keys_strings", ids),
            OnnxAttribute.Ints("values_int64s", values),
            OnnxAttribute.Int("default_int64", ids.Count),
        ]);
        var flat = g.AddInt64Initializer("flat_shape", [1], [-1]);
        return g.AddNode("Reshape", [codes, flat]);
    }

    /// <summary>
    /// Sets the scores of each row's seen items to −∞, for any batch size: the row's CSR slice is read as
    /// a padded [N, L] index matrix (L = longest slice, at least 1); padding points at an extra score
    /// column that is sliced off afterwards, so rows with short or empty lists need no special case.
    /// </summary>
    private static string ExcludeSeen(OnnxGraphBuilder g, OnnxRecommenderSpec spec, string rows, string scores)
    {
        int users = spec.UserIds.Count, items = spec.ItemIds.Count;
        var ptr = spec.SeenPointers!;
        var seen = spec.SeenItems!;
        long nnz = seen.Length;
        // Row `users` (the cold-start row) has an empty list.
        var starts = new long[users + 1];
        var ends = new long[users + 1];
        for (var u = 0; u < users; u++) { starts[u] = ptr[u]; ends[u] = ptr[u + 1]; }
        starts[users] = nnz;
        ends[users] = nnz;
        // A sentinel after the last entry keeps clamped positions inside the tensor when nnz = 0.
        var seenWithSentinel = new long[nnz + 1];
        for (var j = 0; j < nnz; j++) seenWithSentinel[j] = seen[j];
        seenWithSentinel[nnz] = items;

        var startsName = g.AddInt64Initializer("seen_starts", [users + 1], starts);
        var endsName = g.AddInt64Initializer("seen_ends", [users + 1], ends);
        var seenName = g.AddInt64Initializer("seen_items", [nnz + 1], seenWithSentinel);
        var zero = g.AddInt64Initializer("zero", [], [0]);
        var one = g.AddInt64Initializer("one", [], [1]);
        var nnzScalar = g.AddInt64Initializer("nnz", [], [nnz]);
        var padColumn = g.AddInt64Initializer("pad_column", [], [items]);
        var axis1 = g.AddInt64Initializer("axis1", [1], [1]);

        var start = g.AddNode("Gather", [startsName, rows], [OnnxAttribute.Int("axis", 0)]);
        var end = g.AddNode("Gather", [endsName, rows], [OnnxAttribute.Int("axis", 0)]);
        var lengths = g.AddNode("Sub", [end, start]);
        var longest = g.AddNode("ReduceMax", [lengths], [OnnxAttribute.Int("keepdims", 0)]);
        var width = g.AddNode("Max", [longest, one]);
        var offsets = g.AddNode("Range", [zero, width, one]);
        var start2 = g.AddNode("Unsqueeze", [start, axis1]);
        var lengths2 = g.AddNode("Unsqueeze", [lengths, axis1]);
        var positions = g.AddNode("Add", [start2, offsets]);
        var clamped = g.AddNode("Min", [positions, nnzScalar]);
        var valid = g.AddNode("Less", [offsets, lengths2]);
        var gathered = g.AddNode("Gather", [seenName, clamped], [OnnxAttribute.Int("axis", 0)]);
        var columns = g.AddNode("Where", [valid, gathered, padColumn]);

        var pads = g.AddInt64Initializer("pads", [4], [0, 0, 0, 1]);
        var padded = g.AddNode("Pad", [scores, pads]);
        var negInf = g.AddFloatInitializer("neg_inf", [], [float.NegativeInfinity]);
        var shape = g.AddNode("Shape", [columns]);
        var updates = g.AddNode("Expand", [negInf, shape]);
        var masked = g.AddNode("ScatterElements", [padded, columns, updates], [OnnxAttribute.Int("axis", 1)]);
        var sliceStart = g.AddInt64Initializer("slice_start", [1], [0]);
        var sliceEnd = g.AddInt64Initializer("slice_end", [1], [items]);
        return g.AddNode("Slice", [masked, sliceStart, sliceEnd, axis1]);
    }
}
