using System.Text.Json.Serialization;

namespace TwoTower.MLNet;

/// <summary>
/// The metadata JSON written beside the exported ONNX files (<c>metadata.json</c>): what each file takes and gives,
/// the vector dimension and normalisation, and the id maps from raw ids to the int64 tower inputs.
/// </summary>
public sealed class OnnxExportManifest
{
    /// <summary>Version of this manifest's layout (1).</summary>
    [JsonPropertyName("format_version")] public int FormatVersion { get; init; } = 1;

    /// <summary>The model type ("twotower", "ials", "mf", ...).</summary>
    [JsonPropertyName("model")] public required string Model { get; init; }

    /// <summary>Vector dimension d of both towers' outputs.</summary>
    [JsonPropertyName("dimension")] public required int Dimension { get; init; }

    /// <summary>"l2" when every exported vector has unit length (scores are cosines), else "none" (inner products).</summary>
    [JsonPropertyName("normalization")] public required string Normalization { get; init; }

    /// <summary>How a user and an item score: always "inner_product" of the towers' outputs.</summary>
    [JsonPropertyName("score")] public string Score { get; init; } = "inner_product";

    /// <summary>ONNX opset of the default domain (17).</summary>
    [JsonPropertyName("opset")] public int Opset { get; init; } = 17;

    /// <summary>ONNX IR version (8).</summary>
    [JsonPropertyName("ir_version")] public int IrVersion { get; init; } = 8;

    /// <summary>The exported graphs.</summary>
    [JsonPropertyName("files")] public required IReadOnlyList<OnnxExportFile> Files { get; init; }

    /// <summary>
    /// "network" when the tower files are the trained networks (id and feature inputs; see <see cref="QueryFeatures"/>),
    /// "lookup" when they are tables of the model's vectors (models without towers: MF, ensembles, older files).
    /// </summary>
    [JsonPropertyName("towers")] public string Towers { get; init; } = "lookup";

    /// <summary>Feature inputs of the query tower besides the id, in input order (empty for a lookup).</summary>
    [JsonPropertyName("query_features")] public IReadOnlyList<OnnxExportFeature> QueryFeatures { get; init; } = [];

    /// <summary>Feature inputs of the item tower besides the id, in input order (empty for a lookup).</summary>
    [JsonPropertyName("item_features")] public IReadOnlyList<OnnxExportFeature> ItemFeatures { get; init; } = [];

    /// <summary>
    /// Raw user ids in tower-input order: user_ids[i] has input index i + 1. Index 0 = unknown user: the cold-start
    /// vector for a lookup tower, a zero id embedding (the vector comes from the features) for a network tower.
    /// </summary>
    [JsonPropertyName("user_ids")] public required IReadOnlyList<string> UserIds { get; init; }

    /// <summary>
    /// The model's answer for an unknown user (what recommend.onnx and the in-process recommenders use). A network
    /// tower's index 0 embeds the user's features instead, so a server outside .NET that wants the same cold-start
    /// answer scores this vector.
    /// </summary>
    [JsonPropertyName("cold_user_vector")] public IReadOnlyList<float> ColdUserVector { get; init; } = [];

    /// <summary>
    /// Raw item ids in tower-input order: item_ids[i] has input index i + 1. Index 0 = unknown item: the zero vector for
    /// a lookup tower, a zero id embedding (a new item embedded from its features) for a network tower.
    /// </summary>
    [JsonPropertyName("item_ids")] public required IReadOnlyList<string> ItemIds { get; init; }
}

/// <summary>One exported ONNX graph in <see cref="OnnxExportManifest.Files"/>.</summary>
public sealed class OnnxExportFile
{
    /// <summary>File name inside the export folder.</summary>
    [JsonPropertyName("file")] public required string File { get; init; }

    /// <summary>
    /// "query_tower", "item_tower", "recommend" or "recommend_exclude_seen" (each user's training items left out; a user
    /// with fewer than K other items gets empty ids with score negative infinity at the end of the row).
    /// </summary>
    [JsonPropertyName("kind")] public required string Kind { get; init; }

    /// <summary>Inputs: name, element type and shape ("N" = batch).</summary>
    [JsonPropertyName("inputs")] public required IReadOnlyList<OnnxExportTensor> Inputs { get; init; }

    /// <summary>Outputs: name, element type and shape.</summary>
    [JsonPropertyName("outputs")] public required IReadOnlyList<OnnxExportTensor> Outputs { get; init; }
}

/// <summary>An input or output of an exported graph.</summary>
/// <param name="Name">Tensor name.</param>
/// <param name="Type">Element type ("int64", "float", "string").</param>
/// <param name="Shape">Dimensions; "N" is the batch.</param>
public sealed record OnnxExportTensor(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("shape")] IReadOnlyList<string> Shape);

/// <summary>
/// One feature input of a network tower and how to encode a raw value for it: a categorical takes index
/// i + 1 for vocabulary[i] and 0 for missing or unknown; a bag takes the indices of its distinct tokens (vocabulary[i] → i;
/// a repeated token once, as the model was trained), right-padded with <see cref="Padding"/>, and averages their embeddings; a numeric takes the raw value (the graph computes
/// (x − mean) / std; feed the mean when missing).
/// </summary>
public sealed class OnnxExportFeature
{
    /// <summary>Input name (the feature name).</summary>
    [JsonPropertyName("name")] public required string Name { get; init; }

    /// <summary>"categorical" (int64 [N,1]), "bag" (int64 [N,L]) or "numeric" (float [N,1]).</summary>
    [JsonPropertyName("kind")] public required string Kind { get; init; }

    /// <summary>Raw values of a categorical or bag in index order (null for a numeric).</summary>
    [JsonPropertyName("vocabulary")] public IReadOnlyList<string>? Vocabulary { get; init; }

    /// <summary>The padding index of a bag (the vocabulary size); null otherwise.</summary>
    [JsonPropertyName("padding")] public int? Padding { get; init; }

    /// <summary>
    /// For the user tower's "history" bag of a model trained on each user's latest N interactions only: N (feed the distinct
    /// items of the user's last N interactions by time, as training did: an item seen again takes another of the N places);
    /// null when the whole history was used or the bag is not a history.
    /// </summary>
    [JsonPropertyName("max_length")] public int? MaxLength { get; init; }

    /// <summary>Mean subtracted from a numeric (null otherwise).</summary>
    [JsonPropertyName("mean")] public double? Mean { get; init; }

    /// <summary>Standard deviation dividing a numeric (null otherwise).</summary>
    [JsonPropertyName("std")] public double? Std { get; init; }
}
