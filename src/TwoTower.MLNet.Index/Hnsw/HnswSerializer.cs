using System.Runtime.InteropServices;
using TwoTower.MLNet.Index.Persistence;

namespace TwoTower.MLNet.Index.Hnsw;

/// <summary>
/// The HNSW payload inside an <see cref="IndexFile"/>: payload version, options, node count, entry
/// point, then per-node ids, levels and tombstones, the padded vector rows, the flat layer-0 link
/// block and each upper node's link lists. Everything is validated on read so a bad file fails cleanly.
/// </summary>
internal static unsafe class HnswSerializer
{
    // Version 2 adds EntryBeam after KeepPrunedConnections; version 1 files still load (with the default beam).
    private const int PayloadVersion = 2;

    public static void Write(BinaryWriter w, HnswGraph g, HnswOptions options)
    {
        int n = g.NodeCount;
        w.Write(PayloadVersion);
        w.Write(options.M);
        w.Write(options.EfConstruction);
        w.Write(options.EfSearch);
        w.Write(options.Seed);
        w.Write(options.BuildThreads);
        w.Write(options.KeepPrunedConnections);
        w.Write(options.EntryBeam);
        w.Write(n);
        var (entry, maxLevel) = g.Entry;
        w.Write(entry);
        w.Write(maxLevel);
        w.Write(MemoryMarshal.AsBytes(g.Labels.AsSpan(0, n)));
        w.Write(g.Levels.AsSpan(0, n));
        w.Write(g.Deleted.AsSpan(0, n));
        w.Write(new ReadOnlySpan<byte>(g.Vectors, checked(n * g.Stride * 4)));
        w.Write(new ReadOnlySpan<byte>(g.Links0, checked(n * g.Link0Stride * 4)));
        for (int i = 0; i < n; i++)
        {
            if (g.Upper[i] is { } upper) w.Write(MemoryMarshal.AsBytes(upper.AsSpan()));
        }
    }

    public static HnswIndex Read(BinaryReader r, IndexFileHeader header, string path)
    {
        int version = r.ReadInt32();
        if (version < 1 || version > PayloadVersion)
            throw new InvalidDataException($"'{path}': HNSW payload version {version}, this library reads 1 to {PayloadVersion}.");
        var options = new HnswOptions
        {
            M = r.ReadInt32(),
            EfConstruction = r.ReadInt32(),
            EfSearch = r.ReadInt32(),
            Seed = r.ReadInt32(),
            BuildThreads = r.ReadInt32(),
            KeepPrunedConnections = r.ReadBoolean(),
        };
        if (version >= 2) options = options with { EntryBeam = r.ReadInt32() };
        try { options.Validate(); }
        catch (ArgumentOutOfRangeException e) { throw new InvalidDataException($"'{path}': invalid HNSW options ({e.Message}).", e); }
        int n = r.ReadInt32(), entry = r.ReadInt32(), maxLevel = r.ReadInt32();
        if (n < 0 || entry < -1 || entry >= Math.Max(n, 1) || (n > 0 && entry < 0) || maxLevel < -1 || maxLevel > 30)
            throw new InvalidDataException($"'{path}': invalid HNSW header (nodes {n}, entry {entry}, max level {maxLevel}).");
        return HnswIndex.FromGraph(header.Dimension, header.Metric, options, stripes =>
        {
            var g = new HnswGraph(header.Dimension, options.M, Math.Max(n, 1024), stripes);
            ReadExactly(r, MemoryMarshal.AsBytes(g.Labels.AsSpan(0, n)));
            ReadExactly(r, g.Levels.AsSpan(0, n));
            ReadExactly(r, g.Deleted.AsSpan(0, n));
            ReadExactly(r, new Span<byte>(g.Vectors, checked(n * g.Stride * 4)));
            ReadExactly(r, new Span<byte>(g.Links0, checked(n * g.Link0Stride * 4)));
            int deleted = 0;
            for (int i = 0; i < n; i++)
            {
                int level = g.Levels[i];
                if (level > maxLevel) throw new InvalidDataException($"'{path}': node {i} has level {level} above the top level {maxLevel}.");
                if (g.Deleted[i] > 1) throw new InvalidDataException($"'{path}': node {i} has tombstone byte {g.Deleted[i]}.");
                if (g.Labels[i] < 0) throw new InvalidDataException($"'{path}': node {i} has negative id {g.Labels[i]}.");
                deleted += g.Deleted[i];
                if (level > 0)
                {
                    var upper = new int[level * g.UpperStride];
                    ReadExactly(r, MemoryMarshal.AsBytes(upper.AsSpan()));
                    g.Upper[i] = upper;
                }
                float* v = g.Vector(i);
                float squared = 0;
                for (int j = 0; j < g.Stride; j++) squared += v[j] * v[j];
                g.Terms[i] = header.Metric == VectorMetric.L2 ? squared : 0f;
            }
            // Every link must name a stored node at a level that has the layer: a corrupt graph must not reach the unchecked hot loop.
            for (int i = 0; i < n; i++)
            {
                for (int layer = 0; layer <= g.Levels[i]; layer++)
                {
                    Span<int> links = g.LinksAt(i, layer);
                    int count = links[0];
                    if (count < 0 || count > links.Length - 1)
                        throw new InvalidDataException($"'{path}': node {i} has {count} links on layer {layer}.");
                    for (int j = 1; j <= count; j++)
                    {
                        int t = links[j];
                        if (t < 0 || t >= n || g.Levels[t] < layer)
                            throw new InvalidDataException($"'{path}': node {i} links to invalid node {t} on layer {layer}.");
                    }
                }
            }
            if (entry >= 0 && g.Levels[entry] != maxLevel)
                throw new InvalidDataException($"'{path}': entry node {entry} has level {g.Levels[entry]}, expected {maxLevel}.");
            g.DeletedCount = deleted;
            g.NodeCount = n;
            g.Entry = (entry, maxLevel);
            return g;
        });
    }

    private static void ReadExactly(BinaryReader r, Span<byte> destination)
    {
        while (destination.Length > 0)
        {
            int read = r.Read(destination);
            if (read <= 0) throw new EndOfStreamException();
            destination = destination[read..];
        }
    }
}
