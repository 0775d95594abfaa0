using System.Collections.Concurrent;
using FsCheck;
using FsCheck.Fluent;
using TwoTower.MLNet.Index;
using TwoTower.MLNet.Index.Hnsw;
using static TwoTower.MLNet.Index.Tests.Hnsw.HnswTestData;

namespace TwoTower.MLNet.Index.Tests.Hnsw;

/// <summary>
/// Rounds of random Add, Remove, Replace and remove-then-re-add on several threads while another one compacts over and over,
/// checked against a model kept by the test: the rebuild runs outside the write lock and carries the writes made meanwhile.
/// </summary>
[TestClass]
public sealed class HnswCompactionStressTests
{
    private const int D = 8;
    private const int Initial = 300;
    private const int Writers = 2;
    private const int OpsPerWriter = 150;
    // Wider than all the nodes a round can hold (300 + 2 × 150 × 2): the graph search is exact on a connected graph.
    private static readonly SearchOptions Exact = new() { EfSearch = 1000 };

    [TestMethod]
    [DataRow(false)]
    [DataRow(true)]
    public void Compact_RacingRandomWrites_EveryLiveIdOnceAtItsLatestVectorAndNoRemovedIdReturned(bool cancelMidway)
    {
        var property = Prop.ForAll(Arb.From(Gen.Choose(1, 100_000)), seed =>
        {
            var failures = RunRound(seed, cancelMidway);
            return (failures.Count == 0).Label($"seed {seed}: {string.Join("; ", failures.Take(5))}");
        });
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(40), property);
    }

    [TestMethod]
    public void Dispose_DuringACompactionWithWritesRunning_CompactionEndsDisposedAndNothingElseFails()
    {
        for (int seed = 1; seed <= 5; seed++)
        {
            var rng = new Random(seed);
            var index = new HnswIndex(D, VectorMetric.L2, new HnswOptions { BuildThreads = 1, EfConstruction = 48, Seed = seed });
            index.Add(Ids(Initial), Clustered(Initial, D, 8, seed));
            for (long id = 0; id < Initial; id += 3) index.Remove(id);
            using var paused = new ManualResetEventSlim();
            using var resume = new ManualResetEventSlim();
            int compactingThread = -1;
            index.NodeLinked = node => { if (node == 40 + seed && Environment.CurrentManagedThreadId == Volatile.Read(ref compactingThread)) { paused.Set(); resume.Wait(); } };
            var compaction = Task.Factory.StartNew(() => { Volatile.Write(ref compactingThread, Environment.CurrentManagedThreadId); index.Compact(); }, TaskCreationOptions.LongRunning);
            Assert.IsTrue(paused.Wait(TimeSpan.FromSeconds(30)), "the rebuild reached its pause");
            // Writes and searches on other threads until the index is disposed under them; only ObjectDisposedException may stop them.
            var unexpected = new ConcurrentQueue<Exception>();
            var workers = Enumerable.Range(0, Writers).Select(w => Task.Run(() =>
            {
                var local = new Random(seed * 31 + w);
                long next = Initial + w;
                try
                {
                    for (int i = 0; i < 10_000; i++)
                    {
                        var v = RandomVector(local);
                        index.Add([next], v);
                        index.Search(v, 5, Exact);
                        if (local.Next(2) == 0) index.Remove(next);
                        else index.Replace(next, RandomVector(local));
                        next += Writers;
                    }
                }
                catch (ObjectDisposedException) { }
                catch (Exception e) { unexpected.Enqueue(e); }
            })).ToArray();
            Thread.Sleep(rng.Next(1, 10));
            index.Dispose();
            resume.Set();
            var error = Assert.ThrowsExactly<AggregateException>(() => compaction.Wait(TimeSpan.FromSeconds(30)));
            Assert.IsInstanceOfType<ObjectDisposedException>(error.InnerException, "a compaction outlived by Dispose ends disposed, not published");
            Assert.IsTrue(Task.WaitAll(workers, TimeSpan.FromSeconds(30)), "writers stopped after Dispose");
            Assert.IsEmpty(unexpected, string.Join("; ", unexpected));
            Assert.ThrowsExactly<ObjectDisposedException>(() => index.Search(new float[D], 1));
            Assert.ThrowsExactly<ObjectDisposedException>(() => index.Compact());
        }
    }

    // One round: the failures found (empty when every check held).
    private static List<string> RunRound(int seed, bool cancelMidway)
    {
        var failures = new ConcurrentQueue<string>();
        var rng = new Random(seed);
        using var index = new HnswIndex(D, VectorMetric.L2, new HnswOptions { BuildThreads = 1, EfConstruction = 48, Seed = seed });
        var data = Clustered(Initial, D, 8, seed);
        index.Add(Ids(Initial), data);
        // Each writer owns the ids ≡ its number mod Writers, so its part of the model is written by it alone.
        var live = Enumerable.Range(0, Writers).Select(_ => new Dictionary<long, float[]>()).ToArray();
        // Ids removed for good (never added back): no search that starts after their Remove returned may return them.
        var gone = new ConcurrentDictionary<long, byte>();
        for (long id = 0; id < Initial; id++)
        {
            if (rng.Next(3) == 0) { index.Remove(id); gone[id] = 0; }
            else live[id % Writers][id] = data.AsSpan((int)id * D, D).ToArray();
        }

        using var stop = new CancellationTokenSource();
        int compactions = 0, cancelled = 0, compactingThread = -1, cancelAt = -1;
        CancellationTokenSource? compaction = null;
        // Cancels every other compaction, the first included, at a random rebuilt node (a timer of a few milliseconds fires after such a small rebuild).
        if (cancelMidway)
            index.NodeLinked = node => { if (node == Volatile.Read(ref cancelAt) && Environment.CurrentManagedThreadId == Volatile.Read(ref compactingThread)) compaction?.Cancel(); };
        var compactor = Task.Factory.StartNew(() =>
        {
            Volatile.Write(ref compactingThread, Environment.CurrentManagedThreadId);
            var local = new Random(seed + 1);
            while (!stop.IsCancellationRequested)
            {
                if (index.RemovedCount == 0) { Thread.Yield(); continue; }
                using var cts = new CancellationTokenSource();
                compaction = cts;
                Volatile.Write(ref cancelAt, (compactions + cancelled) % 2 == 0 ? local.Next(0, index.Count) : -1);
                try { index.Compact(cts.Token); compactions++; }
                catch (OperationCanceledException) { cancelled++; }
            }
        }, TaskCreationOptions.LongRunning);
        var searcher = Task.Factory.StartNew(() =>
        {
            var local = new Random(seed + 2);
            while (!stop.IsCancellationRequested)
            {
                var before = new HashSet<long>(gone.Keys);
                var hits = index.Search(RandomVector(local), 10, Exact);
                foreach (long id in hits.Ids)
                    if (before.Contains(id)) failures.Enqueue($"a search returned id {id} after its Remove returned");
            }
        }, TaskCreationOptions.LongRunning);
        var writers = Enumerable.Range(0, Writers).Select(w => Task.Factory.StartNew(
            () => Write(index, w, live[w], gone, new Random(seed * 17 + w), failures), TaskCreationOptions.LongRunning)).ToArray();
        try
        {
            Task.WaitAll(writers);
        }
        finally
        {
            stop.Cancel();
            Task.WaitAll(compactor, searcher);
            index.NodeLinked = null;
        }

        var model = live.SelectMany(part => part).ToDictionary();
        CheckAgainstModel(index, model, gone, "after the writes", failures);
        if (!cancelMidway && compactions == 0) failures.Enqueue("no compaction ran while the writers wrote");
        if (cancelMidway && cancelled == 0) failures.Enqueue("no compaction was cancelled");

        // Save/Load round-trips the tombstones, the counts and the answers.
        string path = Path.Combine(Path.GetTempPath(), $"hnsw-compaction-stress-{Guid.NewGuid():N}.idx");
        try
        {
            index.Save(path);
            using var loaded = HnswIndex.Load(path);
            if (loaded.Count != index.Count || loaded.RemovedCount != index.RemovedCount || loaded.NodeCount != index.NodeCount)
                failures.Enqueue($"loaded counts {loaded.Count}/{loaded.RemovedCount}/{loaded.NodeCount}, saved {index.Count}/{index.RemovedCount}/{index.NodeCount}");
            var queries = Enumerable.Range(0, 10).SelectMany(_ => RandomVector(rng)).ToArray();
            CollectionAssert.AreEqual(index.Search(queries, 10, Exact).Ids.ToArray(), loaded.Search(queries, 10, Exact).Ids.ToArray(), $"seed {seed}: the loaded index answers as the saved one");
            CheckAgainstModel(loaded, model, gone, "after Save/Load", failures);
        }
        finally
        {
            File.Delete(path);
        }

        index.Compact();
        if (index.RemovedCount != 0 || index.NodeCount != index.Count)
            failures.Enqueue($"a quiet compaction left {index.RemovedCount} tombstones, {index.NodeCount} nodes for {index.Count} ids");
        CheckAgainstModel(index, model, gone, "after a quiet compaction", failures);
        return failures.ToList();
    }

    private static void Write(HnswIndex index, int writer, Dictionary<long, float[]> live, ConcurrentDictionary<long, byte> gone, Random rng, ConcurrentQueue<string> failures)
    {
        long next = Initial + writer;
        for (int op = 0; op < OpsPerWriter; op++)
        {
            int kind = live.Count < 20 ? 0 : rng.Next(4);
            long id;
            float[] vector = RandomVector(rng);
            switch (kind)
            {
                case 0:
                    id = next;
                    next += Writers;
                    index.Add([id], vector);
                    break;
                case 1:
                    id = live.Keys.ElementAt(rng.Next(live.Count));
                    if (!index.Remove(id)) failures.Enqueue($"Remove({id}) of a live id returned false");
                    live.Remove(id);
                    gone[id] = 0;
                    continue;
                case 2:
                    id = live.Keys.ElementAt(rng.Next(live.Count));
                    index.Replace(id, vector);
                    break;
                default:
                    id = live.Keys.ElementAt(rng.Next(live.Count));
                    if (!index.Remove(id)) failures.Enqueue($"Remove({id}) before its re-add returned false");
                    index.Add([id], vector);
                    break;
            }
            live[id] = vector;
            // Checked while the compactor runs: the write is visible to the next search, whichever graph it reads.
            var hit = index.Search(vector, 1, Exact);
            if (hit.Ids[0] != id || hit.Scores[0] < -1e-4f)
                failures.Enqueue($"after op {kind} on id {id} its own vector found id {hit.Ids[0]} at {hit.Scores[0]}");
        }
    }

    // Every live id stored once at its latest vector, no removed id, counts as the model says, results as brute force.
    private static void CheckAgainstModel(HnswIndex index, Dictionary<long, float[]> model, ConcurrentDictionary<long, byte> gone, string when, ConcurrentQueue<string> failures)
    {
        if (index.Count != model.Count) failures.Enqueue($"{when}: Count {index.Count}, model {model.Count}");
        if (index.NodeCount != index.Count + index.RemovedCount)
            failures.Enqueue($"{when}: NodeCount {index.NodeCount} is not Count {index.Count} + RemovedCount {index.RemovedCount}");
        var any = model.Values.First();
        var all = index.Search(any, model.Count, Exact).Ids.ToArray();
        if (all.Distinct().Count() != all.Length) failures.Enqueue($"{when}: a search for all ids listed one twice");
        var missing = model.Keys.Except(all).ToArray();
        var extra = all.Except(model.Keys).ToArray();
        if (missing.Length > 0 || extra.Length > 0)
            failures.Enqueue($"{when}: a search for all ids missed [{string.Join(",", missing.Take(5))}] and listed [{string.Join(",", extra.Take(5))}] (gone: {extra.Count(gone.ContainsKey)})");
        foreach (var (id, vector) in model)
        {
            var hit = index.Search(vector, 1, Exact);
            if (hit.Ids[0] != id || hit.Scores[0] < -1e-4f) failures.Enqueue($"{when}: id {id}'s latest vector found id {hit.Ids[0]} at {hit.Scores[0]}");
        }
        var ids = model.Keys.ToArray();
        var rows = ids.SelectMany(id => model[id]).ToArray();
        for (int q = 0; q < 5; q++)
        {
            var query = model[ids[q * 7 % ids.Length]].Select(v => v + 0.05f).ToArray();
            var expected = ExactTopK(VectorMetric.L2, rows, ids, D, query, 10);
            var got = index.Search(query, 10, Exact).Ids.ToArray();
            if (!expected.ToHashSet().SetEquals(got)) failures.Enqueue($"{when}: top 10 [{string.Join(",", got)}], brute force [{string.Join(",", expected)}]");
        }
    }

    private static float[] RandomVector(Random rng) => Enumerable.Range(0, D).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
}
