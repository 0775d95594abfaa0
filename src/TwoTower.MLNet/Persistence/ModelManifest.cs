using System.Text.Json.Serialization;

namespace TwoTower.MLNet.Persistence;

/// <summary>The manifest.json of a model container: format, version, model type and a checksum per entry.</summary>
public sealed class ModelManifest
{
    /// <summary>The format tag every model file carries (our "magic").</summary>
    public const string FormatTag = "twotower-model";

    /// <summary>The container format version this build writes; it reads this and every older one.</summary>
    public const int CurrentFormatVersion = 1;

    /// <summary>The newest model layout version the registered loaders read (every model type writes version 1).</summary>
    public const int CurrentModelVersion = 1;

    /// <summary>Always <see cref="FormatTag"/>.</summary>
    [JsonPropertyName("format")] public string Format { get; set; } = FormatTag;

    /// <summary>Container format version.</summary>
    [JsonPropertyName("formatVersion")] public int FormatVersion { get; set; } = CurrentFormatVersion;

    /// <summary>Model type, e.g. "popularity".</summary>
    [JsonPropertyName("modelType")] public string ModelType { get; set; } = "";

    /// <summary>Version of the model type's own layout inside the container.</summary>
    [JsonPropertyName("modelVersion")] public int ModelVersion { get; set; } = 1;

    /// <summary>Library version that wrote the file.</summary>
    [JsonPropertyName("writer")] public string Writer { get; set; } = "";

    /// <summary>The payload entries with their checksums.</summary>
    [JsonPropertyName("entries")] public List<ModelManifestEntry> Entries { get; set; } = new();
}

/// <summary>One payload entry of a model container.</summary>
public sealed class ModelManifestEntry
{
    /// <summary>Entry name inside the zip.</summary>
    [JsonPropertyName("name")] public string Name { get; set; } = "";

    /// <summary>"json", "text", "float32" or "int32".</summary>
    [JsonPropertyName("kind")] public string Kind { get; set; } = "";

    /// <summary>Tensor shape for float32/int32 entries.</summary>
    [JsonPropertyName("shape")] public int[]? Shape { get; set; }

    /// <summary>Payload length in bytes.</summary>
    [JsonPropertyName("length")] public long Length { get; set; }

    /// <summary>Lower-case hex SHA-256 of the payload.</summary>
    [JsonPropertyName("sha256")] public string Sha256 { get; set; } = "";
}
