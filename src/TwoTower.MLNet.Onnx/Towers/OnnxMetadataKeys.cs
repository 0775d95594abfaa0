namespace TwoTower.MLNet.Onnx.Towers;

/// <summary>Keys of the ModelProto metadata_props we write (read them with InferenceSession.ModelMetadata.CustomMetadataMap).</summary>
public static class OnnxMetadataKeys
{
    /// <summary>"tower" or "scorer".</summary>
    public const string Kind = "twotower.kind";

    /// <summary>Format version of our graphs, "1".</summary>
    public const string FormatVersion = "twotower.format_version";

    /// <summary>Output embedding width d (tower) or query width (scorer), decimal.</summary>
    public const string Dimension = "twotower.dimension";

    /// <summary>"none" or "l2" (tower only).</summary>
    public const string Normalization = "twotower.normalization";

    /// <summary>Epsilon of the L2 normalisation, round-trip float text (tower with L2 only).</summary>
    public const string NormalizationEpsilon = "twotower.normalization_epsilon";

    /// <summary>Comma-separated ONNX input names, in graph order (for people: a name may hold a comma, so programs read the graph's inputs).</summary>
    public const string Inputs = "twotower.inputs";

    /// <summary>Comma-separated ONNX output names.</summary>
    public const string Outputs = "twotower.outputs";

    /// <summary>Number of items in the scorer's matrix, decimal (scorer only).</summary>
    public const string ItemCount = "twotower.item_count";

    /// <summary>k of the scorer's TopK, decimal (scorer only).</summary>
    public const string TopK = "twotower.k";
}
