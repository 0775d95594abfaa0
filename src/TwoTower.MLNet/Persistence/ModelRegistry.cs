using System.Collections.Concurrent;
using TwoTower.MLNet.Models;

namespace TwoTower.MLNet.Persistence;

/// <summary>
/// Maps model type names to loaders, so that <see cref="Load(string)"/> can read any model file. Built-in models
/// register themselves; other assemblies call <see cref="Register"/>.
/// </summary>
public static class ModelRegistry
{
    private static readonly ConcurrentDictionary<string, Func<ModelContainerReader, IRecommender>> Loaders = new(StringComparer.Ordinal);

    static ModelRegistry()
    {
        BuiltInModels.RegisterAll();
    }

    /// <summary>Registers (or replaces) the loader for a model type.</summary>
    public static void Register(string modelType, Func<ModelContainerReader, IRecommender> loader)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(modelType);
        ArgumentNullException.ThrowIfNull(loader);
        Loaders[modelType] = loader;
    }

    /// <summary>The registered model types.</summary>
    public static IReadOnlyCollection<string> ModelTypes => Loaders.Keys.Order(StringComparer.Ordinal).ToArray();

    /// <summary>Saves a model atomically.</summary>
    public static void Save(IRecommender model, string path)
    {
        ArgumentNullException.ThrowIfNull(model);
        var writer = new ModelContainerWriter(model.ModelType);
        model.Save(writer);
        writer.Save(path);
    }

    /// <summary>Loads a model file of any registered type; validates the whole file first.</summary>
    public static IRecommender Load(string path)
    {
        var reader = ModelContainerReader.Open(path);
        return Load(reader);
    }

    /// <summary>Loads a model from an opened container.</summary>
    public static IRecommender Load(ModelContainerReader reader)
    {
        if (!Loaders.TryGetValue(reader.ModelType, out var loader))
            throw new ModelFormatException(reader.Path, $"unknown model type '{reader.ModelType}' (known: {string.Join(", ", ModelTypes)}).");
        // The container can be readable while the model's own layout is from a newer library: refuse before reading it.
        var version = reader.Manifest.ModelVersion;
        if (version > ModelManifest.CurrentModelVersion)
            throw new ModelFormatException(reader.Path, $"{reader.ModelType} model version {version} is newer than this library reads ({ModelManifest.CurrentModelVersion}); upgrade TwoTower.MLNet.");
        if (version < 1) throw new ModelFormatException(reader.Path, $"invalid model version {version}.");
        try
        {
            return loader(reader);
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or IndexOutOfRangeException)
        {
            throw new ModelFormatException(reader.Path, $"invalid {reader.ModelType} model: {ex.Message}", ex);
        }
    }
}
