using System.Runtime.InteropServices;
using TwoTower.MLNet.Index.Persistence;

namespace TwoTower.MLNet.Index.Hnsw;

/// <summary>
/// The HNSW payload inside an <see cref="IndexFile"/>: payload version, options, node count, entry
/// point, then per-node ids, levels and tombstones, the padded vector rows, the flat layer-0 link
/// block and each upper node's link lists. Everything is validated on read so a bad file fails cleanly.
/// Payload version 3 (file format 2) stores these as aligned sections and adds the per-node distance
/// terms, so a mapped load uses rows and links in place without touching them.
/// </summary>
internal static unsafe class HnswSerializer
{
    // 1: original; 2: adds EntryBeam after KeepPrunedConnections; 3: aligned sections and stored terms (file format 2).
    private const int PayloadVersion = 3;
    private const int LastUnalignedVersion = 2;

    public static void Write(BinaryWriter w, HnswGraph g, HnswOptions options, VectorMetric metric)
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
        IndexSections.Write<long>(w, g.Labels.AsSpan(0, n));
        IndexSections.Write<byte>(w, g.Levels.AsSpan(0, n));
        IndexSections.Write<byte>(w, g.Deleted.AsSpan(0, n));
        // Only L2 has non-zero distance terms (squared norms): inner product and cosine keep the file at hnswlib's size.
        if (HasTerms(metric)) IndexSections.Write<float>(w, g.Terms.AsSpan(0, n));
        IndexSections.Write(w, g.Vectors, (long)n * g.Stride * 4);
        IndexSections.Write(w, g.Links0, (long)n * g.Link0Stride * 4);
        IndexSections.Begin(w, UpperInts(g.Levels.AsSpan(0, n), g.UpperStride) * 4);
        for (int i = 0; i < n; i++)
        {
            if (g.Upper[i] is { } upper) w.Write(MemoryMarshal.AsBytes(upper.AsSpan()));
        }
    }

    private static long UpperInts(ReadOnlySpan<byte> levels, int upperStride)
    {
        long total = 0;
        foreach (var level in levels) total += (long)level * upperStride;
        return total;
    }

    /// <summary>Reads a payload; with a mapped file (payload version 3) vector rows and layer-0 links stay in the mapping.</summary>
    public static HnswIndex Read(IndexPayloadReader p)
    {
        var r = p.Reader;
        var path = p.Path;
        var header = p.Header;
        int version = r.ReadInt32();
        if (version < 1 || version > PayloadVersion)
            throw new InvalidDataException($"'{path}': HNSW payload version {version}, this library reads 1 to {PayloadVersion}.");
        if ((version > LastUnalignedVersion) != (header.FormatVersion >= IndexFile.FirstMappableVersion))
            throw p.Corrupt($"HNSW payload version {version} does not belong in a format-version-{header.FormatVersion} file");
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
        // The rows and layer-0 links of n nodes must fit in what is left of the payload, checked before the graph is allocated:
        // a corrupt node count or dimension read without the checksum pass asked for terabytes (OutOfMemoryException).
        long rowBytes = (((long)header.Dimension + 15) & ~15L) * 4 + (2L * options.M + 1) * 4;
        if (n > 0 && rowBytes > p.Remaining / n)
            throw p.Corrupt($"{n} HNSW nodes of dimension {header.Dimension} need {(decimal)n * rowBytes} bytes of rows and links; the payload has {p.Remaining} left");
        // An empty graph gets no spare rows: its dimension is all a file of no nodes says, and the first add grows it anyway.
        int capacity = n > 0 ? Math.Max(n, 1024) : 1;
        var mapped = p.IsMapped && n > 0;
        var index = HnswIndex.FromGraph(path, header.Dimension, header.Metric, options, stripes =>
        {
            var g = version <= LastUnalignedVersion ? ReadUnaligned(r, header, options, n, capacity, stripes)
                : mapped ? ReadMapped(p, options, n, stripes)
                : ReadAligned(p, options, n, capacity, stripes);
            int deleted = 0;
            for (int i = 0; i < n; i++)
            {
                int level = g.Levels[i];
                if (level > maxLevel) throw new InvalidDataException($"'{path}': node {i} has level {level} above the top level {maxLevel}.");
                if (g.Deleted[i] > 1) throw new InvalidDataException($"'{path}': node {i} has tombstone byte {g.Deleted[i]}.");
                if (g.Labels[i] < 0) throw new InvalidDataException($"'{path}': node {i} has negative id {g.Labels[i]}.");
                deleted += g.Deleted[i];
            }
            if (version <= LastUnalignedVersion) ReadUpperUnaligned(r, g, n);
            else SplitUpper(p.ReadArray<int>(UpperInts(g.Levels.AsSpan(0, n), g.UpperStride), "upper links"), g, n);
            g.NodeCount = n;
            // Every link must name a stored node at a level that has the layer: a corrupt graph must not reach the unchecked hot loop.
            // A mapped graph checks its upper layers (small, owned) here and its layer-0 block lazily, so opening stays lazy.
            if (g.FindBadLink(firstLayer: mapped ? 1 : 0) is { } bad) throw new InvalidDataException($"'{path}': {bad}.");
            g.LinksVerified = !mapped;
            if (entry >= 0 && g.Levels[entry] != maxLevel)
                throw new InvalidDataException($"'{path}': entry node {entry} has level {g.Levels[entry]}, expected {maxLevel}.");
            g.DeletedCount = deleted;
            g.Entry = (entry, maxLevel);
            return g;
        });
        if (mapped) index.AttachMapping(p.ClaimMapping());
        return index;
    }

    private static HnswGraph ReadUnaligned(BinaryReader r, IndexFileHeader header, HnswOptions options, int n, int capacity, Lock[] stripes)
    {
        var g = new HnswGraph(header.Dimension, options.M, capacity, stripes);
        ReadExactly(r, MemoryMarshal.AsBytes(g.Labels.AsSpan(0, n)));
        ReadExactly(r, g.Levels.AsSpan(0, n));
        ReadExactly(r, g.Deleted.AsSpan(0, n));
        ReadExactly(r, new Span<byte>(g.Vectors, checked(n * g.Stride * 4)));
        ReadExactly(r, new Span<byte>(g.Links0, checked(n * g.Link0Stride * 4)));
        // Version 1 and 2 payloads do not store the distance terms: recompute them from the rows.
        for (int i = 0; i < n; i++)
        {
            float* v = g.Vector(i);
            float squared = 0;
            for (int j = 0; j < g.Stride; j++) squared += v[j] * v[j];
            g.Terms[i] = header.Metric == VectorMetric.L2 ? squared : 0f;
        }
        return g;
    }

    private static void ReadUpperUnaligned(BinaryReader r, HnswGraph g, int n)
    {
        for (int i = 0; i < n; i++)
        {
            int level = g.Levels[i];
            if (level == 0) continue;
            var upper = new int[level * g.UpperStride];
            ReadExactly(r, MemoryMarshal.AsBytes(upper.AsSpan()));
            g.Upper[i] = upper;
        }
    }

    private static HnswGraph ReadAligned(IndexPayloadReader p, HnswOptions options, int n, int capacity, Lock[] stripes)
    {
        var g = new HnswGraph(p.Header.Dimension, options.M, capacity, stripes);
        p.ReadArray<long>(n, "labels").CopyTo(g.Labels, 0);
        p.ReadArray<byte>(n, "levels").CopyTo(g.Levels, 0);
        p.ReadArray<byte>(n, "tombstones").CopyTo(g.Deleted, 0);
        if (HasTerms(p.Header.Metric)) p.ReadArray<float>(n, "terms").CopyTo(g.Terms, 0);
        p.ReadInto(g.Vectors, (long)n * g.Stride * 4, "vectors");
        p.ReadInto(g.Links0, (long)n * g.Link0Stride * 4, "layer-0 links");
        return g;
    }

    private static HnswGraph ReadMapped(IndexPayloadReader p, HnswOptions options, int n, Lock[] stripes)
    {
        var labels = p.ReadArray<long>(n, "labels");
        var levels = p.ReadArray<byte>(n, "levels");
        var deleted = p.ReadArray<byte>(n, "tombstones");
        var terms = HasTerms(p.Header.Metric) ? p.ReadArray<float>(n, "terms") : new float[n];
        int stride = VectorDot.PaddedLength(p.Header.Dimension);
        var vectors = (float*)p.MapSection((long)n * stride * 4, "vectors");
        var links = (int*)p.MapSection((long)n * (2 * options.M + 1) * 4, "layer-0 links");
        return new HnswGraph(p.Header.Dimension, options.M, n, stripes, labels, levels, deleted, terms, vectors, links);
    }

    private static bool HasTerms(VectorMetric metric) => metric == VectorMetric.L2;

    private static void SplitUpper(int[] all, HnswGraph g, int n)
    {
        long at = 0;
        for (int i = 0; i < n; i++)
        {
            int length = g.Levels[i] * g.UpperStride;
            if (length == 0) continue;
            g.Upper[i] = all.AsSpan((int)at, length).ToArray();
            at += length;
        }
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
