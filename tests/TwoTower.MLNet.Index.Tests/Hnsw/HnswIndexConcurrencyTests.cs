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

    [TestMethod]
    public void ParallelBuild_UnderContention_LeavesHardlyAnyNodeUnreachable()
    {
        // Found by an audit: an insert linked back to its neighbours on each layer before searching the next one down, so
        // another insert could reach the node through a higher layer while its lower lists were empty, link only to it, and
        // lose the link back when the node then wrote its own list. With two build threads and two busy threads on 2 cores,
        // 23-28 of these 300 graphs had nodes no search reaches (serial builds: none); now 0-10 (14 of 1500). Nodes inserted
        // at the same moment still miss each other, as in hnswlib, which the bound allows (on a machine with idle cores the
        // threads rarely overlap and the test shows little either way).
        const int n = 300, graphs = 300;
        var data = TestData.Clustered(n, 8, 5, 0.3f, 3);
        using var stop = new CancellationTokenSource();
        var busy = Enumerable.Range(0, 2).Select(_ => Task.Run(() => { var x = 0.0; while (!stop.IsCancellationRequested) x += Math.Sqrt(x + 1); })).ToArray();
        int broken = 0;
        for (int seed = 0; seed < graphs; seed++)
        {
            using var index = new HnswIndex(8, VectorMetric.InnerProduct, new HnswOptions { BuildThreads = 2, Seed = seed });
            index.Add(Ids(n), data);
            if (Unreachable(index.Graph) > 0) broken++;
        }
        stop.Cancel();
        Task.WaitAll(busy);
        Assert.IsLessThanOrEqualTo(10, broken, $"{broken} of {graphs} graphs have unreachable nodes");
    }

    // Nodes that no walk over layer-0 links from the entry point reaches.
    private static int Unreachable(HnswGraph g)
    {
        var seen = new bool[g.NodeCount];
        var stack = new Stack<int>();
        stack.Push(g.Entry.Node);
        seen[g.Entry.Node] = true;
        while (stack.Count > 0)
        {
            var links = g.LinksAt(stack.Pop(), 0);
            for (int j = 1; j <= links[0]; j++)
                if (!seen[links[j]]) { seen[links[j]] = true; stack.Push(links[j]); }
        }
        return seen.Count(s => !s);
    }
}
