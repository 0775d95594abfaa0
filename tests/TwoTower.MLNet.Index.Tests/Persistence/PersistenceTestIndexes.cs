using TwoTower.MLNet.Index.Flat;
using TwoTower.MLNet.Index.Hnsw;
using TwoTower.MLNet.Index.Ivf;
using TwoTower.MLNet.Index.Persistence;

namespace TwoTower.MLNet.Index.Tests.Persistence;

/// <summary>Small seeded indexes of every kind, and helpers to compare and to walk the sections of saved files.</summary>
internal static class PersistenceTestIndexes
{
    public const int Dimension = 12;

    /// <summary>An index of <paramref name="kind"/> holding <paramref name="n"/> seeded vectors with ids 100, 103, 106, …</summary>
    public static IVectorIndex Build(string kind, int n = 600, VectorMetric metric = VectorMetric.L2, int seed = 5)
    {
        IVectorIndex index = kind switch
        {
            FlatIndex.Kind => new FlatIndex(Dimension, metric),
            HnswIndex.FileKind => new HnswIndex(Dimension, metric, new HnswOptions { M = 8, EfConstruction = 60, BuildThreads = 1 }),
            IvfFlatIndex.Kind => new IvfFlatIndex(Dimension, metric, new IvfOptions { Lists = 8, NProbe = 3, BuildThreads = 1 }),
            IvfPqIndex.Kind => new IvfPqIndex(Dimension, metric, new IvfOptions { Lists = 4, NProbe = 2, SubQuantizers = 4, Refine = true, BuildThreads = 1 }),
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Expected Flat, HNSW, IVFFlat or IVFPQ."),
        };
        var x = TestData.Clustered(n, Dimension, 12, 0.6f, seed);
        if (!index.IsTrained) index.Train(x);
        index.Add(Ids(n), x);
        return index;
    }

    public static long[] Ids(int n, long first = 100) => Enumerable.Range(0, n).Select(i => first + 3L * i).ToArray();

    public static float[] Queries(int n = 25, int seed = 77) => TestData.Clustered(n, Dimension, 12, 0.6f, seed);

    /// <summary>Asserts bit-identical ids and scores.</summary>
    public static void AssertSame(SearchResults expected, SearchResults actual, string what)
    {
        Assert.AreEqual(expected.QueryCount, actual.QueryCount, what);
        CollectionAssert.AreEqual(expected.Ids, actual.Ids, $"{what}: ids");
        CollectionAssert.AreEqual(expected.Scores.Select(BitConverter.SingleToInt32Bits).ToArray(), actual.Scores.Select(BitConverter.SingleToInt32Bits).ToArray(), $"{what}: scores");
    }

    /// <summary>Byte position where the payload starts (after magic, version, kind, metric, dimension).</summary>
    public static int PayloadStart(string kind) => 8 + 1 + kind.Length + 4 + 4;

    /// <summary>The (descriptor position, data offset, byte length) of consecutive sections starting with a descriptor at <paramref name="position"/>.</summary>
    public static List<(int Descriptor, long Offset, long Bytes)> Sections(byte[] file, int position, int count)
    {
        var sections = new List<(int, long, long)>();
        for (var i = 0; i < count; i++)
        {
            var offset = BitConverter.ToInt64(file, position);
            var bytes = BitConverter.ToInt64(file, position + 8);
            sections.Add((position, offset, bytes));
            position = checked((int)(offset + bytes));
        }
        return sections;
    }

    /// <summary>Loads with the given mode.</summary>
    public static IVectorIndex Load(string path, bool map, bool verify = true) => VectorIndex.Load(path, new IndexLoadOptions { MemoryMap = map, VerifyChecksum = verify });
}
