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
    public static IVectorIndex Load(string path)
    {
        var kind = IndexFile.ReadHeader(path).Kind;
        return kind switch
        {
            FlatIndex.Kind => FlatIndex.Load(path),
            HnswIndex.FileKind => HnswIndex.Load(path),
            IvfFlatIndex.Kind => IvfFlatIndex.Load(path),
            IvfPqIndex.Kind => IvfPqIndex.Load(path),
            _ => throw new InvalidDataException($"'{path}' holds an index of unknown kind '{kind}'; expected Flat, HNSW, IVFFlat or IVFPQ."),
        };
    }
}
