using System.IO.Compression;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using TwoTower.MLNet.Data;

namespace TwoTower.MLNet.Persistence;

/// <summary>
/// Builds a model file: a zip whose manifest.json names the format, its version, the model type and a
/// SHA-256 per entry. Save is atomic (temporary file in the same folder, then rename).
/// </summary>
public sealed class ModelContainerWriter
{
    // Fixed entry times make the same model give the same bytes.
    private static readonly DateTimeOffset EntryTime = new(2000, 1, 1, 0, 0, 0, TimeSpan.Zero);
    // Summaries and reports may hold NaN ("not measured"): JSON has no literal for it, so it is written as the string "NaN".
    internal static readonly JsonSerializerOptions Json = new() { WriteIndented = true, NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals };

    private readonly List<(ModelManifestEntry Entry, byte[] Payload)> _entries = new();

    /// <summary>Starts a container for a model of type <paramref name="modelType"/>.</summary>
    public ModelContainerWriter(string modelType, int modelVersion = 1)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(modelType);
        if (modelVersion < 1) throw new ArgumentOutOfRangeException(nameof(modelVersion), modelVersion, "Must be ≥ 1.");
        ModelType = modelType;
        ModelVersion = modelVersion;
    }

    /// <summary>The model type written to the manifest.</summary>
    public string ModelType { get; }

    /// <summary>The model layout version written to the manifest.</summary>
    public int ModelVersion { get; }

    /// <summary>Adds an object serialised as JSON.</summary>
    public void AddJson<T>(string name, T value) => Add(name, "json", null, JsonSerializer.SerializeToUtf8Bytes(value, Json));

    /// <summary>Adds UTF-8 text.</summary>
    public void AddText(string name, string text) => Add(name, "text", null, Encoding.UTF8.GetBytes(text));

    /// <summary>Adds lines of text (one string per line; strings must not contain line breaks).</summary>
    public void AddLines(string name, IEnumerable<string> lines)
    {
        var sb = new StringBuilder();
        foreach (var l in lines)
        {
            if (l.AsSpan().IndexOfAny('\n', '\r') >= 0)
                throw new ArgumentException($"Entry '{name}': a line contains a line break.", nameof(lines));
            sb.Append(l).Append('\n');
        }
        AddText(name, sb.ToString());
    }

    /// <summary>Adds an id map (one raw id per line, in key order).</summary>
    public void AddIdMap(string name, IdMap map) => AddLines(name, map.RawIds);

    /// <summary>Adds a float32 tensor (little-endian) with its shape.</summary>
    public void AddFloats(string name, ReadOnlySpan<float> data, params int[] shape)
    {
        CheckShape(name, data.Length, shape);
        Add(name, "float32", shape, MemoryMarshal.AsBytes(data).ToArray());
    }

    /// <summary>Adds an int32 tensor (little-endian) with its shape.</summary>
    public void AddInts(string name, ReadOnlySpan<int> data, params int[] shape)
    {
        CheckShape(name, data.Length, shape);
        Add(name, "int32", shape, MemoryMarshal.AsBytes(data).ToArray());
    }

    /// <summary>Writes the container to <paramref name="path"/> atomically: readers never see a partial file.</summary>
    public void Save(string path)
    {
        AtomicFile.Write(path, WriteTo);
    }

    /// <summary>Writes the container to a stream.</summary>
    public void WriteTo(Stream stream)
    {
        var manifest = new ModelManifest
        {
            ModelType = ModelType,
            ModelVersion = ModelVersion,
            Writer = $"TwoTower.MLNet {typeof(ModelContainerWriter).Assembly.GetName().Version}",
            Entries = _entries.Select(e => e.Entry).ToList(),
        };
        using var zip = new ZipArchive(stream, ZipArchiveMode.Create, leaveOpen: true);
        WriteEntry(zip, ModelContainerReader.ManifestName, JsonSerializer.SerializeToUtf8Bytes(manifest, Json), CompressionLevel.Optimal);
        foreach (var (entry, payload) in _entries)
            WriteEntry(zip, entry.Name, payload, entry.Kind is "float32" or "int32" ? CompressionLevel.NoCompression : CompressionLevel.Optimal);
    }

    private static void WriteEntry(ZipArchive zip, string name, byte[] payload, CompressionLevel level)
    {
        var e = zip.CreateEntry(name, level);
        e.LastWriteTime = EntryTime;
        using var s = e.Open();
        s.Write(payload);
    }

    /// <summary>
    /// SHA-256 of what the container holds (model type, layout version, each entry's name, kind, shape and hash), not of
    /// the zip bytes: the same model gives the same value on any machine and with any writer version.
    /// </summary>
    internal string ContentSha256() => ContentSha256(ModelType, ModelVersion, _entries.Select(e => e.Entry));

    /// <summary>The value of <see cref="ContentSha256()"/> for a container of these manifest fields and entries (a file's own, say).</summary>
    internal static string ContentSha256(string modelType, int modelVersion, IEnumerable<ModelManifestEntry> entries)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        void Append(string text) => hash.AppendData(Encoding.UTF8.GetBytes(text + "\n"));
        Append($"{modelType} {modelVersion}");
        foreach (var entry in entries)
            Append($"{entry.Name} {entry.Kind} [{string.Join(",", entry.Shape ?? [])}] {entry.Sha256}");
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    /// <summary>Adds an entry as given (tests use it to write what another writer version would have written).</summary>
    internal void AddRaw(string name, string kind, int[]? shape, byte[] payload) => Add(name, kind, shape, payload);

    private void Add(string name, string kind, int[]? shape, byte[] payload)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (name == ModelContainerReader.ManifestName || _entries.Any(e => e.Entry.Name == name))
            throw new ArgumentException($"Entry name '{name}' is reserved or already used.", nameof(name));
        _entries.Add((new ModelManifestEntry
        {
            Name = name,
            Kind = kind,
            Shape = shape,
            Length = payload.Length,
            Sha256 = Convert.ToHexStringLower(SHA256.HashData(payload)),
        }, payload));
    }

    private static void CheckShape(string name, int length, int[] shape)
    {
        if (shape.Length == 0) throw new ArgumentException($"Entry '{name}': a shape is required.", nameof(shape));
        long n = 1;
        foreach (var d in shape)
        {
            if (d < 0) throw new ArgumentException($"Entry '{name}': negative dimension {d}.", nameof(shape));
            n *= d;
        }
        if (n != length) throw new ArgumentException($"Entry '{name}': shape [{string.Join(",", shape)}] holds {n} values but {length} were given.", nameof(shape));
    }
}
