using TwoTower.MLNet.Index;
using TwoTower.MLNet.Index.Hnsw;
using static TwoTower.MLNet.Index.Tests.Hnsw.HnswTestData;

namespace TwoTower.MLNet.Index.Tests.Hnsw;

[TestClass]
public sealed class HnswIndexConcurrencyTests
{
    [TestMethod]
    public void Search_WhileAddingInBatches_NoErrorsNoInvalidIdsAndFinalRecallHigh()
    {
        const int n = 6000, d = 16, batch = 250;
        var data = Clustered(n, d, 40, 31);
        var queries = Clustered(30, d, 40, 32);
        var ids = Ids(n, 100);
        using var index = new HnswIndex(d, VectorMetric.L2, new HnswOptions { BuildThreads = 2, EfConstruction = 100 });
        int added = 0, searches = 0;
        var errors = new System.Collections.Concurrent.ConcurrentQueue<string>();
        using var stop = new CancellationTokenSource();
        var readers = Enumerable.Range(0, 2).Select(t => Task.Run(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    var r = index.Search(queries, 10, new SearchOptions { Filter = t == 0 ? null : id => id % 2 == 0 });
                    // Read after the search: only the batch in progress when it ended may be partly visible.
                    long maxId = 100 + Volatile.Read(ref added) + batch;
                    foreach (long id in r.Ids)
                        if (id != -1 && (id < 100 || id >= maxId || (t == 1 && id % 2 != 0))) errors.Enqueue($"invalid id {id}");
                    Interlocked.Increment(ref searches);
                }
                catch (Exception e) { errors.Enqueue(e.ToString()); }
            }
        })).ToArray();
        for (int start = 0; start < n; start += batch)
        {
            index.Add(ids.AsSpan(start, batch), data.AsSpan(start * d, batch * d));
            Volatile.Write(ref added, start + batch);
        }
        stop.Cancel();
        Task.WaitAll(readers);
        Assert.IsTrue(errors.IsEmpty, string.Join("\n", errors.Take(3)));
        Assert.IsGreaterThan(0, searches);
        Assert.AreEqual(n, index.Count);
        double recall = Recall(index.Search(queries, 10), VectorMetric.L2, data, ids, d, queries, 10);
        Assert.IsGreaterThanOrEqualTo(0.95, recall);
    }
}
