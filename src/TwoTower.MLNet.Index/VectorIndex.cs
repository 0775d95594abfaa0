using TwoTower.MLNet.Index.Flat;
using TwoTower.MLNet.Index.Hnsw;
using TwoTower.MLNet.Index.Ivf;
using TwoTower.MLNet.Index.Persistence;

namespace TwoTower.MLNet.Index;

/// <summary>Entry points that work for every index type.</summary>
public static class VectorIndex
{
    /// <summary>Loads any saved index, dispatching on the kind in the file's header.</summary>
    /// <exception cref="InvalidDataException">The file is not an index file, is newer than this library, corrupt, or of an unknown kind.</exception>
    /// <exception cref="FileNotFoundException">The file does not exist, or the path is a folder.</exception>
    public static IVectorIndex Load(string path) => Load(path, IndexLoadOptions.Default);

    /// <summary>
    /// Loads any saved index as <paramref name="options"/> say (memory-mapped, checksum pass or not), dispatching
    /// on the kind in the file's header. A mapped index owns its mapping: dispose it to unmap.
    /// </summary>
    /// <exception cref="InvalidDataException">The file is not an index file, is newer than this library, corrupt, or of an unknown kind.</exception>
    /// <exception cref="FileNotFoundException">The file does not exist, or the path is a folder.</exception>
    public static IVectorIndex Load(string path, IndexLoadOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var kind = IndexFile.ReadHeader(path).Kind;
        return kind switch
        {
            FlatIndex.Kind => FlatIndex.Load(path, options),
            HnswIndex.FileKind => HnswIndex.Load(path, options),
            IvfFlatIndex.Kind => IvfFlatIndex.Load(path, options),
            IvfPqIndex.Kind => IvfPqIndex.Load(path, options),
            _ => throw new InvalidDataException($"'{path}' holds an index of unknown kind '{kind}'; expected Flat, HNSW, IVFFlat or IVFPQ."),
        };
    }
}
