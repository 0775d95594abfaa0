using System.IO.Compression;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using TwoTower.MLNet.Data;

namespace TwoTower.MLNet.Persistence;

/// <summary>
/// Reads a model file written by <see cref="ModelContainerWriter"/>. Opening validates everything first
/// (format tag, version, every entry's length and checksum), so a model is never half-loaded.
/// </summary>
public sealed class ModelContainerReader
{
    /// <summary>Name of the manifest entry.</summary>
    public const string ManifestName = "manifest.json";

    private readonly Dictionary<string, (ModelManifestEntry Entry, byte[] Payload)> _entries;

    private ModelContainerReader(string path, ModelManifest manifest, Dictionary<string, (ModelManifestEntry, byte[])> entries)
    {
        Path = path;
        Manifest = manifest;
        _entries = entries;
    }

    /// <summary>The file read.</summary>
    public string Path { get; }

    /// <summary>The validated manifest.</summary>
    public ModelManifest Manifest { get; }

    /// <summary>Model type from the manifest.</summary>
    public string ModelType => Manifest.ModelType;

    /// <summary>Opens and fully validates a model file; throws <see cref="ModelFormatException"/> with the reason otherwise.</summary>
    public static ModelContainerReader Open(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (!File.Exists(path)) throw new FileNotFoundException(Directory.Exists(path) ? $"Model path '{path}' is a folder: give the model file (.zip)." : $"Model file '{path}' does not exist.", path);
        using var fs = File.OpenRead(path);
        return Read(fs, path);
    }

    /// <summary>Reads and validates a container from a stream; <paramref name="name"/> is used in messages.</summary>
    public static ModelContainerReader Read(Stream stream, string name)
    {
        ZipArchive zip;
        try
        {
            zip = new ZipArchive(stream, ZipArchiveMode.Read, leaveOpen: true);
        }
        catch (InvalidDataException ex)
        {
            throw new ModelFormatException(name, "not a TwoTower model file (not a zip container, or truncated).", ex);
        }
        using (zip)
        {
            try
            {
                return Read(zip, name);
            }
            catch (InvalidDataException ex)
            {
                // The central directory is read lazily, on the first lookup: its corruption surfaces here, not at open.
                throw new ModelFormatException(name, $"the zip directory is corrupt ({ex.Message.TrimEnd('.')}).", ex);
            }
        }
    }

    private static ModelContainerReader Read(ZipArchive zip, string name)
    {
        var manifestEntry = zip.GetEntry(ManifestName)
            ?? throw new ModelFormatException(name, $"no {ManifestName}: not a TwoTower model file.");
        ModelManifest manifest;
        try
        {
            manifest = JsonSerializer.Deserialize<ModelManifest>(ReadAll(manifestEntry, name), ModelContainerWriter.Json)
                ?? throw new ModelFormatException(name, "empty manifest.");
        }
        catch (JsonException ex)
        {
            throw new ModelFormatException(name, $"the manifest is not valid JSON ({ex.Message}).", ex);
        }
        if (manifest.Format != ModelManifest.FormatTag)
            throw new ModelFormatException(name, $"format tag is '{manifest.Format}', expected '{ModelManifest.FormatTag}'.");
        if (manifest.FormatVersion > ModelManifest.CurrentFormatVersion)
            throw new ModelFormatException(name, $"format version {manifest.FormatVersion} is newer than this library reads ({ModelManifest.CurrentFormatVersion}); upgrade TwoTower.MLNet.");
        if (manifest.FormatVersion < 1)
            throw new ModelFormatException(name, $"invalid format version {manifest.FormatVersion}.");
        if (string.IsNullOrWhiteSpace(manifest.ModelType))
            throw new ModelFormatException(name, "the manifest names no model type.");
        if (manifest.Entries is null) throw new ModelFormatException(name, "the manifest lists no entries.");
        for (var i = 0; i < manifest.Entries.Count; i++)
            if (string.IsNullOrEmpty(manifest.Entries[i]?.Name))
                throw new ModelFormatException(name, $"manifest entry {i} has no name.");

        var entries = new Dictionary<string, (ModelManifestEntry, byte[])>(StringComparer.Ordinal);
        foreach (var e in manifest.Entries)
        {
            var ze = zip.GetEntry(e.Name) ?? throw new ModelFormatException(name, $"entry '{e.Name}' listed in the manifest is missing.");
            var payload = ReadAll(ze, name);
            if (payload.Length != e.Length)
                throw new ModelFormatException(name, $"entry '{e.Name}' has {payload.Length} bytes, the manifest says {e.Length} (truncated or corrupt).");
            var sha = Convert.ToHexStringLower(SHA256.HashData(payload));
            if (!string.Equals(sha, e.Sha256, StringComparison.Ordinal))
                throw new ModelFormatException(name, $"checksum mismatch in entry '{e.Name}' (corrupt file).");
            CheckTensorShape(e, payload.Length, name);
            entries[e.Name] = (e, payload);
        }
        // Every payload is listed with its checksum; an unlisted one means the file was edited or not written by us.
        foreach (var ze in zip.Entries)
            if (ze.FullName != ManifestName && !entries.ContainsKey(ze.FullName))
                throw new ModelFormatException(name, $"entry '{ze.FullName}' is in the file but not in its manifest (the file was edited, or not written by TwoTower.MLNet).");
        return new ModelContainerReader(name, manifest, entries);
    }

    // The checksum covers the bytes, not the shape beside it in the manifest: a tensor read back must fill its shape exactly.
    private static void CheckTensorShape(ModelManifestEntry e, int length, string name)
    {
        if (e.Kind is not ("float32" or "int32")) return;
        var shape = e.Shape ?? throw new ModelFormatException(name, $"entry '{e.Name}' ({e.Kind}) has no shape.");
        var text = $"[{string.Join(",", shape)}]";
        if (shape.Length == 0 || shape.Any(d => d < 0))
            throw new ModelFormatException(name, shape.Length == 0 ? $"entry '{e.Name}' has an empty shape." : $"entry '{e.Name}' has a negative dimension in shape {text}.");
        var values = shape.Aggregate(1.0, (n, d) => n * d);
        if (values * 4 != length)
            throw new ModelFormatException(name, $"entry '{e.Name}' has shape {text} ({values:0} values, {values * 4:0} bytes) but {length} bytes (corrupt, or not written by TwoTower.MLNet).");
    }

    /// <summary>Whether an entry exists.</summary>
    public bool Contains(string name) => _entries.ContainsKey(name);

    /// <summary>Reads a JSON entry.</summary>
    public T ReadJson<T>(string name)
    {
        var payload = Get(name, "json").Payload;
        try
        {
            return JsonSerializer.Deserialize<T>(payload, ModelContainerWriter.Json) ?? throw new ModelFormatException(Path, $"entry '{name}' is null.");
        }
        catch (JsonException ex)
        {
            throw new ModelFormatException(Path, $"entry '{name}' is not valid JSON for {typeof(T).Name} ({ex.Message}).", ex);
        }
    }

    /// <summary>Reads a text entry.</summary>
    public string ReadText(string name) => Encoding.UTF8.GetString(Get(name, "text").Payload);

    /// <summary>Reads a lines entry written by <see cref="ModelContainerWriter.AddLines"/>.</summary>
    public string[] ReadLines(string name)
    {
        var text = ReadText(name);
        if (text.Length == 0) return Array.Empty<string>();
        if (!text.EndsWith('\n')) throw new ModelFormatException(Path, $"entry '{name}' is not a lines entry.");
        return text[..^1].Split('\n');
    }

    /// <summary>Reads an id map entry.</summary>
    public IdMap ReadIdMap(string name, string kind)
    {
        try
        {
            return new IdMap(kind, ReadLines(name));
        }
        catch (ArgumentException ex)
        {
            throw new ModelFormatException(Path, $"entry '{name}': {ex.Message}", ex);
        }
    }

    /// <summary>Reads a float32 tensor and its shape.</summary>
    public float[] ReadFloats(string name, out int[] shape)
    {
        var (e, payload) = Get(name, "float32");
        shape = e.Shape ?? throw new ModelFormatException(Path, $"entry '{name}' has no shape.");
        return MemoryMarshal.Cast<byte, float>(payload).ToArray();
    }

    /// <summary>Reads a float32 tensor and checks its shape.</summary>
    public float[] ReadFloats(string name, params int[] expectedShape)
    {
        var data = ReadFloats(name, out var shape);
        CheckShape(name, shape, expectedShape);
        return data;
    }

    /// <summary>Reads an int32 tensor and its shape.</summary>
    public int[] ReadInts(string name, out int[] shape)
    {
        var (e, payload) = Get(name, "int32");
        shape = e.Shape ?? throw new ModelFormatException(Path, $"entry '{name}' has no shape.");
        return MemoryMarshal.Cast<byte, int>(payload).ToArray();
    }

    /// <summary>Reads an int32 tensor and checks its shape.</summary>
    public int[] ReadInts(string name, params int[] expectedShape)
    {
        var data = ReadInts(name, out var shape);
        CheckShape(name, shape, expectedShape);
        return data;
    }

    private void CheckShape(string name, int[] shape, int[] expectedShape)
    {
        if (!shape.AsSpan().SequenceEqual(expectedShape))
            throw new ModelFormatException(Path, $"entry '{name}' has shape [{string.Join(",", shape)}], expected [{string.Join(",", expectedShape)}].");
    }

    private (ModelManifestEntry Entry, byte[] Payload) Get(string name, string kind)
    {
        if (!_entries.TryGetValue(name, out var e))
            throw new ModelFormatException(Path, $"entry '{name}' is missing (model type '{ModelType}').");
        if (e.Entry.Kind != kind)
            throw new ModelFormatException(Path, $"entry '{name}' is {e.Entry.Kind}, expected {kind}.");
        var elem = kind is "float32" or "int32" ? 4 : 1;
        if (e.Payload.Length % elem != 0)
            throw new ModelFormatException(Path, $"entry '{name}' has {e.Payload.Length} bytes, not a multiple of {elem}.");
        return e;
    }

    private static byte[] ReadAll(ZipArchiveEntry entry, string name)
    {
        try
        {
            using var s = entry.Open();
            using var ms = new MemoryStream();
            s.CopyTo(ms);
            return ms.ToArray();
        }
        catch (InvalidDataException ex)
        {
            throw new ModelFormatException(name, $"entry '{entry.FullName}' cannot be decompressed (corrupt or truncated).", ex);
        }
    }
}
