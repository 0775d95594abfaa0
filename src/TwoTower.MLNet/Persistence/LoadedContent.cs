using System.Runtime.CompilerServices;

namespace TwoTower.MLNet.Persistence;

/// <summary>
/// The manifest entries (checksums included, verified when the file was read) that each object <see cref="ModelFile.Load"/>
/// built was read from: a model, and its seen items. A batch job identifies a loaded model by them instead of serialising
/// it again. Kept beside the object itself, so a record copied with another model does not carry them.
/// </summary>
internal static class LoadedContent
{
    private static readonly ConditionalWeakTable<object, Read> Table = new();

    private sealed record Read(string ModelType, int ModelVersion, ModelManifestEntry[] Entries);

    /// <summary>Records that <paramref name="loaded"/> was built from <paramref name="entries"/> of a file of this model type and version.</summary>
    internal static void Remember(object loaded, ModelManifest manifest, IEnumerable<ModelManifestEntry> entries) =>
        Table.AddOrUpdate(loaded, new Read(manifest.ModelType, manifest.ModelVersion, entries.ToArray()));

    /// <summary>
    /// <see cref="ModelContainerWriter.ContentSha256()"/> of the file's entries for <paramref name="model"/>, then those of
    /// <paramref name="seen"/> when given (the order <see cref="ModelFile.Save"/> writes them); null unless each was read from a file.
    /// </summary>
    internal static string? ContentSha256(object model, object? seen)
    {
        if (!Table.TryGetValue(model, out var read)) return null;
        IEnumerable<ModelManifestEntry> entries = read.Entries;
        if (seen is not null)
        {
            if (!Table.TryGetValue(seen, out var seenRead)) return null;
            entries = entries.Concat(seenRead.Entries);
        }
        return ModelContainerWriter.ContentSha256(read.ModelType, read.ModelVersion, entries);
    }
}
