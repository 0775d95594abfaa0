using System.Globalization;
using TwoTower.MLNet.Onnx.Model;

namespace TwoTower.MLNet.Onnx.Graph;

/// <summary>Accumulates nodes, initializers, inputs and outputs with unique generated value names.</summary>
/// <param name="graphName">Graph name written into the model.</param>
/// <param name="maxInitializerBytes">Most bytes of initializer data the graph may hold (<see cref="MaxInitializerBytes"/>).</param>
internal sealed class OnnxGraphBuilder(string graphName, long maxInitializerBytes = OnnxGraphBuilder.MaxInitializerBytes)
{
    /// <summary>
    /// Initializer bytes a graph may hold: an ONNX file is one protobuf message of at most 2 GB (ONNX Runtime reads no
    /// larger one), less room for the rest of the model.
    /// </summary>
    public const long MaxInitializerBytes = int.MaxValue - (64L << 20);

    private long _initializerBytes;

    private readonly List<OnnxNode> _nodes = [];
    private readonly List<OnnxTensor> _initializers = [];
    private readonly List<OnnxValueInfo> _inputs = [];
    private readonly List<OnnxValueInfo> _outputs = [];
    private readonly HashSet<string> _names = new(StringComparer.Ordinal);
    private int _counter;

    /// <summary>Name of the batch dimension in every input and output shape.</summary>
    public const string BatchSymbol = "N";

    /// <summary>A fresh value name starting with <paramref name="prefix"/>.</summary>
    public string NewName(string prefix)
    {
        string name;
        do name = $"{prefix}_{_counter++}"; while (!_names.Add(name));
        return name;
    }

    private void Reserve(string name)
    {
        if (!_names.Add(name)) throw new ArgumentException($"Value name '{name}' is used twice in graph '{graphName}'.", nameof(name));
    }

    /// <summary>Declares a graph input.</summary>
    public string AddInput(string name, OnnxDataType type, params OnnxDimension[] shape)
    {
        Reserve(name);
        _inputs.Add(new OnnxValueInfo(name, type, shape));
        return name;
    }

    /// <summary>Declares a graph output produced by some node.</summary>
    public void AddOutput(string name, OnnxDataType type, params OnnxDimension[] shape) => _outputs.Add(new OnnxValueInfo(name, type, shape));

    /// <summary>Adds a float initializer and returns its name.</summary>
    /// <exception cref="ArgumentException">The graph's initializers would pass the size limit.</exception>
    public string AddFloatInitializer(string prefix, long[] dims, ReadOnlySpan<float> values)
    {
        var name = NewName(prefix);
        CountBytes(name, dims, 4L * values.Length);
        _initializers.Add(OnnxTensor.FromFloats(name, dims, values));
        return name;
    }

    /// <summary>Adds an int64 initializer and returns its name.</summary>
    /// <exception cref="ArgumentException">The graph's initializers would pass the size limit.</exception>
    public string AddInt64Initializer(string prefix, long[] dims, ReadOnlySpan<long> values)
    {
        var name = NewName(prefix);
        CountBytes(name, dims, 8L * values.Length);
        _initializers.Add(OnnxTensor.FromInt64s(name, dims, values));
        return name;
    }

    /// <summary>Adds a string initializer and returns its name.</summary>
    /// <exception cref="ArgumentException">The graph's initializers would pass the size limit.</exception>
    public string AddStringInitializer(string prefix, long[] dims, IReadOnlyList<string> values)
    {
        var name = NewName(prefix);
        // Each string is a length-delimited field: its UTF-8 bytes plus at most 6 bytes of key and length.
        CountBytes(name, dims, values.Sum(v => 6L + System.Text.Encoding.UTF8.GetByteCount(v)));
        _initializers.Add(OnnxTensor.FromStrings(name, dims, values));
        return name;
    }

    // Checked before a tensor is encoded: past 2 GB the encoder's buffers overflow with no word of why.
    private void CountBytes(string name, long[] dims, long bytes)
    {
        _initializerBytes += bytes;
        if (_initializerBytes > maxInitializerBytes)
            throw new ArgumentException(
                $"Graph '{graphName}' would hold {_initializerBytes.ToString("N0", CultureInfo.InvariantCulture)} bytes of weights with tensor '{name}' [{string.Join(',', dims)}]; " +
                "an ONNX file is one protobuf message of at most 2 GB, so export fewer users or items or a smaller dimension.", "spec");
    }

    /// <summary>Adds a node of a non-default operator domain (e.g. "ai.onnx.ml") with one generated output.</summary>
    public string AddDomainNode(string domain, string opType, string[] inputs, OnnxAttribute[] attributes)
    {
        var output = NewName(opType.ToLowerInvariant());
        _nodes.Add(new OnnxNode(opType, inputs, [output], $"{opType}_{_nodes.Count}", attributes, domain));
        return output;
    }

    /// <summary>Adds a node with one output; the output gets <paramref name="outputName"/> or a generated name.</summary>
    public string AddNode(string opType, string[] inputs, OnnxAttribute[]? attributes = null, string? outputName = null)
    {
        string output;
        if (outputName is null) output = NewName(opType.ToLowerInvariant());
        else { Reserve(outputName); output = outputName; }
        _nodes.Add(new OnnxNode(opType, inputs, [output], $"{opType}_{_nodes.Count}", attributes ?? []));
        return output;
    }

    /// <summary>Adds a node with several named outputs.</summary>
    public void AddNode(string opType, string[] inputs, string[] outputs, OnnxAttribute[]? attributes = null)
    {
        foreach (var o in outputs) Reserve(o);
        _nodes.Add(new OnnxNode(opType, inputs, outputs, $"{opType}_{_nodes.Count}", attributes ?? []));
    }

    /// <summary>Builds the model with opset 17, IR version 8, the given metadata and any extra operator-set imports (e.g. ai.onnx.ml).</summary>
    public OnnxModel ToModel(IEnumerable<KeyValuePair<string, string>> metadata, params OnnxOperatorSetId[] extraOpsets)
    {
        var graph = new OnnxGraph(graphName, _nodes.ToArray(), _initializers.ToArray(), _inputs.ToArray(), _outputs.ToArray());
        return new OnnxModel(
            OnnxModel.DefaultIrVersion,
            [new OnnxOperatorSetId("", OnnxModel.DefaultOpset), .. extraOpsets],
            "TwoTower.MLNet",
            typeof(OnnxGraphBuilder).Assembly.GetName().Version?.ToString() ?? "0",
            graph,
            metadata.Select(kv => new OnnxStringEntry(kv.Key, kv.Value)).ToArray());
    }
}
