using TwoTower.MLNet.Index.Common;
using TwoTower.MLNet.Index.Flat;
using TwoTower.MLNet.Index.Hnsw;
using TwoTower.MLNet.Index.Ivf;
using TwoTower.MLNet.Index.Persistence;
using TwoTower.MLNet.Index.Tests.Persistence;

namespace TwoTower.MLNet.Index.Tests;

/// <summary>
/// Cancelling Train, Add and Save of every kind: the documented exception, the state left behind (searchable, counts
/// consistent, the rest of a batch addable), and no partial file over a previous one.
/// </summary>
[TestClass]
public sealed class IndexCancellationTests
{
    private const int D = 8;

    private static CancellationToken Cancelled() => new(canceled: true);

    [TestMethod]
    [DataRow("Flat")]
    [DataRow("HNSW16")]
    [DataRow("IVF8,Flat")]
    [DataRow("IVF8,PQ4")]
    public void Add_TokenCancelledBeforeStart_ThrowsAndAddsNothingAndTheBatchAddsLater(string spec)
    {
        var x = TestData.Gaussian(400, D, 3);
        using var index = IndexFactory.Create(spec, D, VectorMetric.L2, buildThreads: 1);
        index.Train(x);

        Assert.ThrowsExactly<OperationCanceledException>(() => index.Add(TestData.Ids(400), x, Cancelled()));

        Assert.AreEqual(0, index.Count);
        index.Add(TestData.Ids(400), x);
        Assert.AreEqual(400, index.Count);
    }

    [TestMethod]
    [DataRow("Flat", VectorMetric.Cosine, 0)] // the validation pass
    [DataRow("Flat", VectorMetric.Cosine, 1)] // the normalising copy
    [DataRow("Flat", VectorMetric.L2, 1)] // the plain copy
    [DataRow("HNSW16", VectorMetric.Cosine, 0)]
    [DataRow("HNSW16", VectorMetric.Cosine, 1)] // the rows stored into the graph
    [DataRow("IVF8,Flat", VectorMetric.InnerProduct, 1)]
    [DataRow("IVF8,PQ4", VectorMetric.Cosine, 1)]
    [DataRow("IVF8,PQ4", VectorMetric.L2, 2)] // the residuals
    public void Add_CancelledDuringAPassOverTheBatch_StopsBeforeItsNextChunkAndAddsNothing(string spec, VectorMetric metric, int pass)
    {
        // 50,000 rows: several chunks in each pass over the batch.
        const int n = 50_000;
        var x = TestData.Gaussian(n, D, 5);
        using var index = IndexFactory.Create(spec, D, metric, buildThreads: 1);
        index.Train(x.AsSpan(0, 2000 * D));
        var chunksPerPass = (n + VectorInput.RowsPerCheck(D) - 1) / VectorInput.RowsPerCheck(D);
        Assert.IsGreaterThan(2, chunksPerPass);
        using var cancel = new CancellationTokenSource();
        var chunks = 0;
        var chunksAfterCancel = 0;
        // Cancelled as the middle chunk of the chosen pass starts; each pass's chunks count on from the last pass's.
        VectorInput.ChunkStarting = _ =>
        {
            if (cancel.IsCancellationRequested) chunksAfterCancel++;
            else if (++chunks == pass * chunksPerPass + chunksPerPass / 2 + 1) cancel.Cancel();
        };
        try
        {
            Assert.ThrowsExactly<OperationCanceledException>(() => index.Add(TestData.Ids(n), x, cancel.Token));
        }
        finally
        {
            VectorInput.ChunkStarting = null;
        }

        Assert.IsTrue(cancel.IsCancellationRequested, $"the Add made {chunks} passes' chunks, fewer than the test expects");
        Assert.AreEqual(0, chunksAfterCancel, "no chunk of any pass started after the cancel");
        Assert.AreEqual(0, index.Count);
        Assert.AreEqual(0, index.RemovedCount);
        index.Add(TestData.Ids(100), x.AsSpan(0, 100 * D));
        Assert.AreEqual(100, index.Count);
    }

    [TestMethod]
    [DataRow("IVF8,Flat")]
    [DataRow("IVF8,PQ4")]
    public void Train_TokenCancelledBeforeStart_ThrowsAndStaysUntrained(string spec)
    {
        var x = TestData.Gaussian(400, D, 3);
        using var index = IndexFactory.Create(spec, D, VectorMetric.L2, buildThreads: 1);

        Assert.ThrowsExactly<OperationCanceledException>(() => index.Train(x, Cancelled()));

        Assert.IsFalse(index.IsTrained);
    }

    [TestMethod]
    [DataRow(1)]
    [DataRow(4)]
    public void HnswAdd_CancelledAfter500Nodes_KeepsTheLinkedPrefixSearchableAndTheRestAdds(int threads)
    {
        const int n = 2000;
        var x = TestData.Gaussian(n, D, 11);
        var ids = TestData.Ids(n, offset: 1000);
        using var index = new HnswIndex(D, VectorMetric.L2, new HnswOptions { M = 8, EfConstruction = 40, BuildThreads = threads });
        using var cancel = new CancellationTokenSource();
        index.NodeLinked = node => { if (node == 499) cancel.Cancel(); };

        Assert.ThrowsExactly<OperationCanceledException>(() => index.Add(ids, x, cancel.Token));

        // One thread stops right after node 499; more may each finish the node they had taken.
        var kept = index.Count;
        if (threads == 1) Assert.AreEqual(500, kept);
        else Assert.IsTrue(kept >= 500 && kept < 500 + threads, $"{kept} nodes kept");
        Assert.AreEqual(kept, index.NodeCount, "no row stored without being linked");
        Assert.AreEqual(0, index.RemovedCount);
        AssertEachFindsItself(index, x, ids, kept);
        // The rows not kept are not stored: their ids are free.
        Assert.IsFalse(index.Remove(ids[kept]));
        var all = index.Search(x.AsSpan(0, D), n, new SearchOptions { EfSearch = n });
        Assert.AreEqual(kept, all.Ids.Count(id => id >= 0), "a search over everything finds the kept rows only");

        index.NodeLinked = null;
        index.Add(ids.AsSpan(kept), x.AsSpan(kept * D));

        Assert.AreEqual(n, index.Count);
        Assert.AreEqual(n, index.NodeCount);
        AssertEachFindsItself(index, x, ids, n);
    }

    [TestMethod]
    public void IvfTrain_CancelledWhileRunning_ThrowsAndStaysUntrained()
    {
        // 1024 lists of 200,000 rows: many seconds of k-means, cancelled after 100 ms.
        var x = TestData.Uniform(200_000, 32, 5);
        using var index = new IvfFlatIndex(32, VectorMetric.L2, new IvfOptions { Lists = 1024, BuildThreads = 2 });
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));

        Assert.ThrowsExactly<OperationCanceledException>(() => index.Train(x, cancel.Token));

        Assert.IsFalse(index.IsTrained);
        Assert.ThrowsExactly<InvalidOperationException>(() => index.Add([1], x.AsSpan(0, 32)));
    }

    [TestMethod]
    [DataRow("IVF1024,Flat")]
    [DataRow("IVF1024,PQ8")]
    public void IvfAdd_CancelledWhileAssigning_AddsNothingAndTheIndexStaysUsable(string spec)
    {
        var x = TestData.Uniform(200_000, 32, 7);
        using var index = IndexFactory.Create(spec, 32, VectorMetric.L2, buildThreads: 2);
        index.Train(x.AsSpan(0, 2048 * 32));
        index.Add(TestData.Ids(10), x.AsSpan(0, 10 * 32));
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));

        // 200,000 rows against 1024 centroids: seconds of assignment.
        Assert.ThrowsExactly<OperationCanceledException>(() => index.Add(TestData.Ids(200_000, offset: 10), x, cancel.Token));

        Assert.AreEqual(10, index.Count);
        Assert.AreEqual(0, index.RemovedCount);
        index.Add(TestData.Ids(100, offset: 10), x.AsSpan(0, 100 * 32));
        Assert.AreEqual(110, index.Count);
        var found = index.Search(x.AsSpan(50 * 32, 32), 2, new SearchOptions { NProbe = 1024 });
        CollectionAssert.Contains(found.Ids, 60L, "a row added after the cancel is found");
    }

    [TestMethod]
    [DataRow(FlatIndex.Kind)]
    [DataRow(HnswIndex.FileKind)]
    [DataRow(IvfFlatIndex.Kind)]
    [DataRow(IvfPqIndex.Kind)]
    public void Save_Cancelled_ThrowsKeepsThePreviousFileAndLeavesNoTemporary(string kind)
    {
        var dir = TestPaths.TempDir();
        var path = Path.Combine(dir, "items.ttvx");
        using (var previous = PersistenceTestIndexes.Build(kind, n: 300)) previous.Save(path);
        var before = File.ReadAllBytes(path);
        using var index = PersistenceTestIndexes.Build(kind, n: 600);

        Assert.ThrowsExactly<OperationCanceledException>(() => index.Save(path, Cancelled()));

        CollectionAssert.AreEqual(before, File.ReadAllBytes(path), "the previous file is kept as it was");
        CollectionAssert.AreEqual(new[] { path }, Directory.GetFiles(dir), "no temporary file is left");
        using var loaded = VectorIndex.Load(path);
        Assert.AreEqual(300, loaded.Count);
    }

    [TestMethod]
    public void IndexFileSave_CancelledBetweenWrites_StopsAtTheNextWriteAndKeepsThePreviousFile()
    {
        var dir = TestPaths.TempDir();
        var path = Path.Combine(dir, "items.ttvx");
        using (var previous = PersistenceTestIndexes.Build(FlatIndex.Kind, n: 50)) previous.Save(path);
        var before = File.ReadAllBytes(path);
        using var cancel = new CancellationTokenSource();
        var written = 0;

        Assert.ThrowsExactly<OperationCanceledException>(() => IndexFile.Save(path, FlatIndex.Kind, VectorMetric.L2, 4, w =>
        {
            w.Write(new byte[1 << 20]);
            written++;
            cancel.Cancel();
            w.Write(new byte[8 << 20]);
            written++;
        }, cancel.Token));

        Assert.AreEqual(1, written, "the write after the cancel threw");
        CollectionAssert.AreEqual(before, File.ReadAllBytes(path));
        CollectionAssert.AreEqual(new[] { path }, Directory.GetFiles(dir));
    }

    // Each of the first `count` rows is among the 5 nearest of its own vector.
    private static void AssertEachFindsItself(IVectorIndex index, float[] x, long[] ids, int count)
    {
        var r = index.Search(x.AsSpan(0, count * D), 5, new SearchOptions { EfSearch = 100 });
        var missed = Enumerable.Range(0, count).Where(i => !r.IdsOf(i).ToArray().Contains(ids[i])).ToArray();
        Assert.IsEmpty(missed, $"rows not found by their own vector: {string.Join(", ", missed.Take(10))}");
    }
}
