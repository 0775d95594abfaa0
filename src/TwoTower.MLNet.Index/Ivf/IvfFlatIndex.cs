using System.Runtime.InteropServices;
using TwoTower.MLNet.Index.Common;
using TwoTower.MLNet.Index.Flat;
using TwoTower.MLNet.Index.Persistence;

namespace TwoTower.MLNet.Index.Ivf;

/// <summary>
/// Inverted-file index with full vectors (FAISS's <c>IndexIVFFlat</c>): k-means cells; a query scans only
/// the nProbe nearest cells. A batch is inverted to cell → queries, so each cell is scanned once per batch
/// by the blocked GEMM kernel for all queries that probe it. For inner product the cells are those of the
/// vectors' directions (as for cosine), so a vector's or query's length does not move it to another cell.
/// Loaded with <see cref="IndexLoadOptions.MemoryMap"/>, each list's packed vectors are read in place from
/// the mapped file, owned by the index until <see cref="Dispose"/>.
/// </summary>
public sealed class IvfFlatIndex : IVectorIndex
{
    /// <summary>Kind name written into saved files.</summary>
    public const string Kind = "IVFFlat";

    private readonly object _writeLock = new();
    private readonly IvfOptions _options;
    private CoarseQuantizer? _quantizer;
    private readonly InvertedLists<PackedVectors> _lists = new();
    private readonly IndexLifetime _lifetime = new();

    /// <summary>Creates an empty, untrained index.</summary>
    public IvfFlatIndex(int dimension, VectorMetric metric = VectorMetric.InnerProduct, IvfOptions? options = null)
    {
        if (dimension < 1) throw new ArgumentOutOfRangeException(nameof(dimension), dimension, "Dimension must be ≥ 1.");
        if (!Enum.IsDefined(metric)) throw new ArgumentOutOfRangeException(nameof(metric), metric, "Expected a defined VectorMetric.");
        _options = options ?? new IvfOptions();
        _options.Validate(dimension, pq: false);
        Dimension = dimension;
        Metric = metric;
    }

    /// <inheritdoc/>
    public int Dimension { get; }

    /// <inheritdoc/>
    public int Count => _lists.Count;

    /// <inheritdoc/>
    public VectorMetric Metric { get; }

    /// <inheritdoc/>
    public bool IsExact => false;

    /// <inheritdoc/>
    public bool IsTrained => _quantizer is not null;

    /// <summary>Whether some list's vectors are read from a memory-mapped file (until an add to that list copies them).</summary>
    public bool IsMemoryMapped => _lists.Lists.Any(l => MemoryMarshal.TryGetMemoryManager<float, MappedMemory<float>>(l.Packed, out _));

    /// <summary>The settings this index was created with.</summary>
    public IvfOptions Options => _options;

    /// <inheritdoc/>
    public void Train(ReadOnlySpan<float> vectors)
    {
        ThrowIfDisposed();
        VectorInput.CountRows(vectors, Dimension, nameof(vectors));
        var prepared = VectorInput.Prepare(vectors, Dimension, Metric, nameof(vectors));
        var quantizer = CoarseQuantizer.Train(prepared, Dimension, _options.Lists, _options.Seed, _options.BuildThreads, Metric);
        lock (_writeLock)
        {
            _lists.Reset(Enumerable.Range(0, quantizer.Lists).Select(_ => PackedVectors.Empty(Dimension)).ToArray());
            _quantizer = quantizer;
        }
    }

    /// <inheritdoc/>
    public void Add(ReadOnlySpan<long> ids, ReadOnlySpan<float> vectors)
    {
        ThrowIfDisposed();
        var quantizer = _quantizer ?? throw new InvalidOperationException("Train the IVF index (Train(sample vectors)) before adding vectors.");
        var rows = VectorInput.CountRows(vectors, Dimension, nameof(vectors));
        var prepared = VectorInput.Prepare(vectors, Dimension, Metric, nameof(vectors));
        var assign = quantizer.Assign(prepared, l2: true, _options.BuildThreads);
        using var lease = Hold();
        lock (_writeLock)
        {
            VectorInput.CheckIds(ids, rows, _lists.Contains);
            _lists.Append(ids, assign, (list, memberIds, members) =>
            {
                var memberVectors = new float[members.Length * Dimension];
                for (var i = 0; i < members.Length; i++)
                    prepared.AsSpan(members[i] * Dimension, Dimension).CopyTo(memberVectors.AsSpan(i * Dimension));
                return list.Append(memberIds, memberVectors);
            });
        }
    }

    /// <inheritdoc/>
    public SearchResults Search(ReadOnlySpan<float> queries, int k, SearchOptions? options = null)
    {
        ThrowIfDisposed();
        (options, var nq, var q, var ids, var scores) = VectorInput.StartSearch(queries, k, options, Dimension, Metric, readsNProbe: true);
        var counts = new int[nq];
        using var lease = Hold();
        var quantizer = _quantizer;
        var lists = _lists.Lists;
        if (quantizer is not null && nq > 0)
        {
            var nprobe = IvfSearch.NProbe(options, _options, quantizer.Lists);
            var probes = quantizer.Probe(q, nprobe, l2: true, options.Threads);
            var eligible = VectorInput.Eligibility(options);
            var l2 = Metric == VectorMetric.L2;
            IvfSearch.ForEachListBatch(nq, nprobe, probes, quantizer.Lists, options.Threads, (list, members) =>
                IvfSearch.Gather(q, Dimension, members, (buffer, m, map) =>
                    PackedScan.Scan(lists[list], buffer, m, l2, eligible, scores, ids, counts, k, map)));
        }
        FlatIndex.Finish(q, Dimension, Metric == VectorMetric.L2, scores, ids, counts, k);
        return new SearchResults(nq, k, ids, scores);
    }

    /// <inheritdoc/>
    public bool Remove(long id)
    {
        ThrowIfDisposed();
        lock (_writeLock) return _lists.Remove(id);
    }

    /// <inheritdoc/>
    public void Compact()
    {
        ThrowIfDisposed();
        using var lease = Hold();
        lock (_writeLock) _lists.Compact();
    }

    /// <inheritdoc/>
    public void Save(string path)
    {
        ThrowIfDisposed();
        var quantizer = _quantizer ?? throw new InvalidOperationException("An untrained IVF index has nothing to save; call Train first.");
        using var lease = Hold();
        var lists = _lists.Lists;
        IndexFile.Save(path, Kind, Metric, Dimension, w =>
        {
            w.Write(_options.NProbe);
            w.Write(_options.Seed);
            quantizer.Write(w);
            for (var l = 0; l < lists.Length; l++) PackedVectorsSerializer.Write(w, lists[l]);
        });
    }

    /// <summary>Loads an index written by <see cref="Save"/>.</summary>
    public static IvfFlatIndex Load(string path) => Load(path, IndexLoadOptions.Default);

    /// <summary>Loads an index written by <see cref="Save"/>, memory-mapped and/or without the checksum pass as <paramref name="options"/> say.</summary>
    /// <exception cref="InvalidDataException">The file is not an IVF-Flat index, is corrupt, or is of a newer version.</exception>
    public static IvfFlatIndex Load(string path, IndexLoadOptions options) => IndexFile.Load(path, options, p =>
    {
        var (h, r) = (p.Header, p.Reader);
        IndexFile.ExpectKind(path, h, Kind);
        var nprobe = r.ReadInt32();
        var seed = r.ReadInt32();
        var quantizer = CoarseQuantizer.Read(p);
        var index = new IvfFlatIndex(h.Dimension, h.Metric, new IvfOptions { Lists = quantizer.Lists, NProbe = nprobe, Seed = seed }) { _quantizer = quantizer };
        var lists = new PackedVectors[quantizer.Lists];
        for (var l = 0; l < lists.Length; l++)
        {
            if (h.FormatVersion < IndexFile.FirstMappableVersion)
            {
                var n = r.ReadInt32();
                var ids = BinaryIo.ReadLongs(r, n);
                lists[l] = PackedVectors.Empty(h.Dimension).Append(ids, BinaryIo.ReadFloats(r, (long)n * h.Dimension));
            }
            else lists[l] = PackedVectorsSerializer.Read(p, $"list {l}");
        }
        index._lists.Adopt(lists, p.Corrupt);
        index._lifetime.AdoptClaimed(p);
        return index;
    });

    /// <summary>Releases the mapped file of a memory-mapped load (searches still running finish first); later calls throw <see cref="ObjectDisposedException"/>.</summary>
    public void Dispose() => _lifetime.Dispose();

    private void ThrowIfDisposed() => _lifetime.ThrowIfDisposed(this);

    // Keeps the mapping (if any) alive while its memory is read; throws once disposed.
    private MappedFile.Lease Hold() => _lifetime.Hold();
}
