using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using TwoTower.MLNet.Index.Common;
using TwoTower.MLNet.Index.Persistence;

namespace TwoTower.MLNet.Index.Ivf;

/// <summary>
/// Inverted file with product-quantised residuals (FAISS's <c>IndexIVFPQ</c>): each vector is stored as
/// its list's centroid plus M one-byte codes of the residual. Queries score codes through ADC lookup
/// tables; with <see cref="IvfOptions.Refine"/> a shortlist of RefineFactor·k is re-ranked exactly
/// against stored full vectors (<c>IndexRefineFlat</c>). For inner product the cells are those of the vectors' directions.
/// </summary>
public sealed class IvfPqIndex : IvfIndex
{
    /// <summary>Kind name written into saved files.</summary>
    public const string Kind = "IVFPQ";

    private CoarseQuantizer? _coarse;
    private ProductQuantizer? _pq;
    private readonly InvertedLists<PqList> _lists;

    /// <summary>Creates an empty, untrained index.</summary>
    public IvfPqIndex(int dimension, VectorMetric metric = VectorMetric.InnerProduct, IvfOptions? options = null)
        : this(dimension, metric, options, new InvertedLists<PqList>())
    {
    }

    private IvfPqIndex(int dimension, VectorMetric metric, IvfOptions? options, InvertedLists<PqList> lists)
        : base(dimension, metric, options, pq: true, lists) => _lists = lists;

    /// <inheritdoc/>
    public override bool IsTrained => _pq is not null;

    /// <summary>Whether some list's codes are read from a memory-mapped file (until an add to that list copies them).</summary>
    public override bool IsMemoryMapped => _lists.Lists.Any(l => MemoryMarshal.TryGetMemoryManager<byte, MappedMemory<byte>>(l.Codes, out _));

    /// <inheritdoc/>
    public override void Train(ReadOnlySpan<float> vectors, CancellationToken cancellationToken)
    {
        ThrowIfDisposed();
        cancellationToken.ThrowIfCancellationRequested();
        var n = VectorInput.CountRows(vectors, Dimension, nameof(vectors), cancellationToken);
        if (n < ProductQuantizer.Codewords)
            throw new ArgumentException($"IVF-PQ training needs at least {ProductQuantizer.Codewords} vectors (codewords per sub-quantizer); got {n}.", nameof(vectors));
        var prepared = VectorInput.Prepare(vectors, Dimension, Metric, nameof(vectors), cancellationToken);
        var coarse = CoarseQuantizer.Train(prepared, Dimension, Options.Lists, Options.Seed, Options.BuildThreads, Metric, cancellationToken);
        var pq = ProductQuantizer.Train(Residuals(coarse, prepared, coarse.Assign(prepared, l2: true, Options.BuildThreads, cancellationToken), cancellationToken), Dimension,
            Options.SubQuantizers, Options.Seed, Options.BuildThreads, cancellationToken);
        lock (WriteLock)
        {
            _lists.Reset(Enumerable.Range(0, coarse.Lists).Select(_ => PqList.Empty(pq.M, Dimension, Options.Refine)).ToArray());
            (_coarse, _pq) = (coarse, pq);
        }
    }

    // Each row minus its list's centroid; the token is checked every chunk of rows (see VectorInput.RowsPerCheck).
    private float[] Residuals(CoarseQuantizer coarse, float[] x, int[] assign, CancellationToken cancellationToken = default)
    {
        // Every value is written by the subtraction.
        var r = GC.AllocateUninitializedArray<float>(x.Length);
        var step = VectorInput.RowsPerCheck(Dimension);
        for (var start = 0; start < assign.Length; start += step)
        {
            VectorInput.CheckChunk(cancellationToken, start);
            var end = Math.Min(assign.Length, start + step);
            for (var i = start; i < end; i++)
                TensorPrimitives.Subtract(x.AsSpan(i * Dimension, Dimension), coarse.Centroids.AsSpan(assign[i] * Dimension, Dimension), r.AsSpan(i * Dimension, Dimension));
        }
        return r;
    }

    /// <inheritdoc/>
    public override void Add(ReadOnlySpan<long> ids, ReadOnlySpan<float> vectors, CancellationToken cancellationToken)
    {
        ThrowIfDisposed();
        cancellationToken.ThrowIfCancellationRequested();
        var (coarse, pq) = (_coarse, _pq);
        if (coarse is null || pq is null) throw new InvalidOperationException("Train the IVF-PQ index (Train(sample vectors)) before adding vectors.");
        var rows = VectorInput.CountRows(vectors, Dimension, nameof(vectors), cancellationToken);
        var prepared = VectorInput.Prepare(vectors, Dimension, Metric, nameof(vectors), cancellationToken);
        var assign = coarse.Assign(prepared, l2: true, Options.BuildThreads, cancellationToken);
        var codes = pq.Encode(Residuals(coarse, prepared, assign, cancellationToken), Options.BuildThreads, cancellationToken);
        var (m, refine) = (pq.M, Options.Refine);
        AppendBatch(_lists, ids, rows, assign, (list, memberIds, members) =>
        {
            var memberCodes = new byte[members.Length * m];
            var memberVectors = new float[refine ? members.Length * Dimension : 0];
            for (var i = 0; i < members.Length; i++)
            {
                codes.AsSpan(members[i] * m, m).CopyTo(memberCodes.AsSpan(i * m));
                if (refine) prepared.AsSpan(members[i] * Dimension, Dimension).CopyTo(memberVectors.AsSpan(i * Dimension));
            }
            return list.Append(memberIds, memberCodes, memberVectors);
        }, () => ReferenceEquals(_coarse, coarse) && ReferenceEquals(_pq, pq), cancellationToken);
    }

    /// <inheritdoc/>
    public override void Replace(long id, ReadOnlySpan<float> vector)
    {
        ThrowIfDisposed();
        VectorInput.CheckOne(vector, Dimension, Metric, id, nameof(vector));
        var (coarse, pq) = (_coarse, _pq);
        // An untrained index stores no id.
        if (coarse is null || pq is null) throw VectorInput.NotStored(id);
        var prepared = VectorInput.Prepare(vector, Dimension, Metric, nameof(vector));
        var assign = coarse.Assign(prepared, l2: true, 1);
        var codes = pq.Encode(Residuals(coarse, prepared, assign), 1);
        // The full vector is kept only by a list with refinement (PqList.Append ignores it otherwise).
        ReplaceRow(_lists, id, assign[0], (l, ids) => l.Append(ids, codes, prepared), () => ReferenceEquals(_coarse, coarse) && ReferenceEquals(_pq, pq));
    }

    /// <inheritdoc/>
    public override SearchResults Search(ReadOnlySpan<float> queries, int k, SearchOptions? options = null)
    {
        ThrowIfDisposed();
        (options, var nq, var q, var ids, var scores) = VectorInput.StartSearch(queries, k, options, Dimension, Metric, readsNProbe: true);
        using var lease = Hold();
        var (coarse, pq, lists) = (_coarse, _pq, _lists.Lists);
        if (coarse is null || pq is null || nq == 0)
        {
            for (var i = 0; i < nq; i++) TopK.SortDescending(scores.AsSpan(i * k, k), ids.AsSpan(i * k, k), 0);
            return new SearchResults(nq, k, ids, scores);
        }
        var nprobe = IvfSearch.NProbe(options, Options, coarse.Lists);
        var probes = coarse.Probe(q, nprobe, l2: true, options.Threads);
        var eligible = VectorInput.Eligibility(options);
        // In long, capped at the stored vectors: k × RefineFactor can pass int.MaxValue, and no shortlist needs more than Count.
        var shortlist = Options.Refine ? (int)Math.Min((long)k * Options.RefineFactor, Math.Max(k, Count)) : k;
        void One(int i)
        {
            var table = new float[pq.M * ProductQuantizer.Codewords];
            var residual = new float[Dimension];
            var hs = new float[shortlist];
            var hi = new long[shortlist];
            var hl = new long[shortlist];
            var count = 0;
            var qi = q.AsSpan(i * Dimension, Dimension);
            var l2 = Metric == VectorMetric.L2;
            if (!l2) pq.LookupTable(qi, l2: false, table);
            for (var j = 0; j < nprobe; j++)
            {
                var list = (int)probes[(long)i * nprobe + j];
                var centroid = coarse.Centroids.AsSpan(list * Dimension, Dimension);
                float offset;
                if (l2)
                {
                    TensorPrimitives.Subtract(qi, centroid, residual);
                    pq.LookupTable(residual, l2: true, table);
                    offset = 0f;
                }
                else offset = TensorPrimitives.Dot(qi, centroid);
                ScanList(lists[list], list, table, offset, eligible, hs, hi, hl, ref count);
            }
            Finish(lists, qi, hs, hl, count, ids.AsSpan(i * k, k), scores.AsSpan(i * k, k));
        }
        CallerLedLoop.For(nq, options.Threads, One);
        return new SearchResults(nq, k, ids, scores);
    }

    // ADC: a code's score is the offset plus one table entry per sub-quantizer. The heap ranks (score, id), so ties go to the
    // smaller id as in the other kinds, and carries each code's location, list·2³² + row, in hl.
    private static void ScanList(PqList list, int listIndex, float[] table, float offset, Func<long, bool>? eligible, Span<float> hs, Span<long> hi, Span<long> hl, ref int count)
    {
        var m = list.M;
        var codes = list.Codes.Span[..(list.Rows * m)];
        var threshold = TopK.Threshold(hs, count);
        for (var row = 0; row < list.Rows; row++)
        {
            var code = codes.Slice(row * m, m);
            var s = offset;
            for (var j = 0; j < m; j++) s += table[(j << 8) + code[j]];
            if (s < threshold || list.Removed[row]) continue;
            var id = list.Ids[row];
            if (count == hs.Length && !TopK.Better(s, id, hs[0], hi[0])) continue;
            if (eligible is not null && !eligible(id)) continue;
            TopK.Push(hs, hi, hl, ref count, s, id, ((long)listIndex << 32) | (uint)row);
            threshold = TopK.Threshold(hs, count);
        }
    }

    // Turns shortlist locations into ids; with refinement, re-scores them exactly against the stored vectors.
    private void Finish(PqList[] lists, ReadOnlySpan<float> q, Span<float> hs, Span<long> hl, int count, Span<long> outIds, Span<float> outScores)
    {
        var n = 0;
        for (var c = 0; c < count; c++)
        {
            var list = lists[(int)(hl[c] >> 32)];
            var row = (int)(hl[c] & 0xFFFFFFFF);
            var score = hs[c];
            if (Options.Refine)
            {
                var x = list.Vectors.Span.Slice(row * Dimension, Dimension);
                if (Metric == VectorMetric.L2) { var dist = TensorPrimitives.Distance(q, x); score = 0f - dist * dist; } // +0 for an exact match, as Flat
                else score = TensorPrimitives.Dot(q, x);
            }
            TopK.Push(outScores, outIds, ref n, score, list.Ids[row]);
        }
        TopK.SortDescending(outScores, outIds, n);
    }

    /// <inheritdoc/>
    public override void Save(string path, CancellationToken cancellationToken)
    {
        ThrowIfDisposed();
        using var lease = Hold();
        // Under the write lock: a Remove meanwhile would tombstone a row of the lists being written (see FlatIndex.Save).
        lock (WriteLock)
        {
            var (coarse, pq, lists) = (_coarse, _pq, _lists.Lists);
            if (coarse is null || pq is null) throw new InvalidOperationException("An untrained IVF-PQ index has nothing to save; call Train first.");
            IndexFile.Save(path, Kind, Metric, Dimension, w =>
            {
                w.Write(Options.NProbe);
                w.Write(Options.Seed);
                w.Write(Options.Refine);
                w.Write(Options.RefineFactor);
                coarse.Write(w);
                pq.Write(w);
                foreach (var list in lists)
                {
                    var (ids, codes, vectors) = list.LiveRows();
                    w.Write(ids.Length);
                    IndexSections.Write<long>(w, ids);
                    IndexSections.Write<byte>(w, codes);
                    IndexSections.Write<float>(w, vectors);
                }
            }, cancellationToken);
        }
    }

    /// <summary>Loads an index written by <see cref="IvfIndex.Save(string)"/>.</summary>
    public static IvfPqIndex Load(string path) => Load(path, IndexLoadOptions.Default);

    /// <summary>Loads an index written by <see cref="IvfIndex.Save(string)"/>, memory-mapped and/or without the checksum pass as <paramref name="options"/> say.</summary>
    /// <exception cref="InvalidDataException">The file is not an IVF-PQ index, is corrupt, or is of a newer version.</exception>
    public static IvfPqIndex Load(string path, IndexLoadOptions options) => IndexFile.Load(path, options, p =>
    {
        var (h, r) = (p.Header, p.Reader);
        IndexFile.ExpectKind(path, h, Kind);
        var (nprobe, seed, refine, factor) = (r.ReadInt32(), r.ReadInt32(), r.ReadBoolean(), r.ReadInt32());
        var coarse = CoarseQuantizer.Read(p);
        var pq = ProductQuantizer.Read(r, h.Dimension);
        var options = new IvfOptions { Lists = coarse.Lists, NProbe = nprobe, Seed = seed, Refine = refine, RefineFactor = factor, SubQuantizers = pq.M };
        var index = new IvfPqIndex(h.Dimension, h.Metric, options) { _coarse = coarse, _pq = pq };
        var lists = new PqList[coarse.Lists];
        var keep = refine ? h.Dimension : 0;
        for (var l = 0; l < lists.Length; l++)
        {
            var n = r.ReadInt32();
            if (n < 0) throw p.Corrupt($"list {l} has {n} rows");
            if (h.FormatVersion < IndexFile.FirstMappableVersion)
            {
                var ids = BinaryIo.ReadLongs(r, n);
                var codes = BinaryIo.Read<byte>(r, (long)n * pq.M);
                var vectors = BinaryIo.ReadFloats(r, (long)n * keep);
                lists[l] = PqList.Empty(pq.M, h.Dimension, refine).Append(ids, codes, vectors);
            }
            else
            {
                var ids = p.ReadArray<long>(n, $"list {l} ids");
                var codes = p.ReadMemory<byte>((long)n * pq.M, $"list {l} codes");
                var vectors = p.ReadMemory<float>((long)n * keep, $"list {l} vectors");
                lists[l] = new PqList(pq.M, keep, codes, vectors, ids, new bool[n], n, n);
            }
        }
        index._lists.Adopt(lists, p.Corrupt);
        index.Lifetime.AdoptClaimed(p);
        return index;
    });
}
