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
/// the mapped file, owned by the index until <see cref="IvfIndex.Dispose"/>.
/// </summary>
public sealed class IvfFlatIndex : IvfIndex
{
    /// <summary>Kind name written into saved files.</summary>
    public const string Kind = "IVFFlat";

    private CoarseQuantizer? _quantizer;
    private readonly InvertedLists<PackedVectors> _lists;

    /// <summary>Creates an empty, untrained index.</summary>
    public IvfFlatIndex(int dimension, VectorMetric metric = VectorMetric.InnerProduct, IvfOptions? options = null)
        : this(dimension, metric, options, new InvertedLists<PackedVectors>())
    {
    }

    private IvfFlatIndex(int dimension, VectorMetric metric, IvfOptions? options, InvertedLists<PackedVectors> lists)
        : base(dimension, metric, options, pq: false, lists) => _lists = lists;

    /// <inheritdoc/>
    public override bool IsTrained => _quantizer is not null;

    /// <summary>Whether some list's vectors are read from a memory-mapped file (until an add to that list copies them).</summary>
    public override bool IsMemoryMapped => _lists.Lists.Any(l => MemoryMarshal.TryGetMemoryManager<float, MappedMemory<float>>(l.Packed, out _));

    /// <inheritdoc/>
    public override void Train(ReadOnlySpan<float> vectors, CancellationToken cancellationToken)
    {
        ThrowIfDisposed();
        cancellationToken.ThrowIfCancellationRequested();
        VectorInput.CountRows(vectors, Dimension, nameof(vectors), cancellationToken);
        var prepared = VectorInput.Prepare(vectors, Dimension, Metric, nameof(vectors), cancellationToken);
        var quantizer = CoarseQuantizer.Train(prepared, Dimension, Options.Lists, Options.Seed, Options.BuildThreads, Metric, cancellationToken);
        lock (WriteLock)
        {
            _lists.Reset(Enumerable.Range(0, quantizer.Lists).Select(_ => PackedVectors.Empty(Dimension)).ToArray());
            _quantizer = quantizer;
        }
    }

    /// <inheritdoc/>
    public override void Add(ReadOnlySpan<long> ids, ReadOnlySpan<float> vectors, CancellationToken cancellationToken)
    {
        ThrowIfDisposed();
        cancellationToken.ThrowIfCancellationRequested();
        var quantizer = _quantizer ?? throw new InvalidOperationException("Train the IVF index (Train(sample vectors)) before adding vectors.");
        var rows = VectorInput.CountRows(vectors, Dimension, nameof(vectors), cancellationToken);
        var prepared = VectorInput.Prepare(vectors, Dimension, Metric, nameof(vectors), cancellationToken);
        var assign = quantizer.Assign(prepared, l2: true, Options.BuildThreads, cancellationToken);
        AppendBatch(_lists, ids, rows, assign, (list, memberIds, members) =>
        {
            var memberVectors = new float[members.Length * Dimension];
            for (var i = 0; i < members.Length; i++)
                prepared.AsSpan(members[i] * Dimension, Dimension).CopyTo(memberVectors.AsSpan(i * Dimension));
            return list.Append(memberIds, memberVectors);
        }, () => ReferenceEquals(_quantizer, quantizer), cancellationToken);
    }

    /// <inheritdoc/>
    public override void Replace(long id, ReadOnlySpan<float> vector)
    {
        ThrowIfDisposed();
        VectorInput.CheckOne(vector, Dimension, Metric, id, nameof(vector));
        // An untrained index stores no id.
        var quantizer = _quantizer ?? throw VectorInput.NotStored(id);
        var prepared = VectorInput.Prepare(vector, Dimension, Metric, nameof(vector));
        var list = quantizer.Assign(prepared, l2: true, 1)[0];
        ReplaceRow(_lists, id, list, (l, ids) => l.Append(ids, prepared), () => ReferenceEquals(_quantizer, quantizer));
    }

    /// <inheritdoc/>
    public override SearchResults Search(ReadOnlySpan<float> queries, int k, SearchOptions? options = null)
    {
        ThrowIfDisposed();
        (options, var nq, var q, var ids, var scores) = VectorInput.StartSearch(queries, k, options, Dimension, Metric, readsNProbe: true);
        var counts = new int[nq];
        using var lease = Hold();
        var quantizer = _quantizer;
        var lists = _lists.Lists;
        if (quantizer is not null && nq > 0)
        {
            var nprobe = IvfSearch.NProbe(options, Options, quantizer.Lists);
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
    public override void Save(string path, CancellationToken cancellationToken)
    {
        ThrowIfDisposed();
        var quantizer = _quantizer ?? throw new InvalidOperationException("An untrained IVF index has nothing to save; call Train first.");
        using var lease = Hold();
        // Under the write lock: a Remove meanwhile would tombstone a row of the lists being written (see FlatIndex.Save).
        lock (WriteLock)
        {
            var lists = _lists.Lists;
            IndexFile.Save(path, Kind, Metric, Dimension, w =>
            {
                w.Write(Options.NProbe);
                w.Write(Options.Seed);
                quantizer.Write(w);
                for (var l = 0; l < lists.Length; l++) PackedVectorsSerializer.Write(w, lists[l]);
            }, cancellationToken);
        }
    }

    /// <summary>Loads an index written by <see cref="IvfIndex.Save(string)"/>.</summary>
    public static IvfFlatIndex Load(string path) => Load(path, IndexLoadOptions.Default);

    /// <summary>Loads an index written by <see cref="IvfIndex.Save(string)"/>, memory-mapped and/or without the checksum pass as <paramref name="options"/> say.</summary>
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
        index.Lifetime.AdoptClaimed(p);
        return index;
    });
}
