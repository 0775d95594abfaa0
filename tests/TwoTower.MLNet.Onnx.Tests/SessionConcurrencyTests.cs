using TwoTower.MLNet.Onnx.Execution;
using TwoTower.MLNet.Onnx.Scoring;
using TwoTower.MLNet.Onnx.Towers;

namespace TwoTower.MLNet.Onnx.Tests;

/// <summary>
/// A session is not thread-safe (it reuses its input and output slots): a second concurrent Run is refused instead of
/// mixing its tensors with the first's, which returned another call's rows or failed inside ONNX Runtime; and a Dispose
/// while a Run is in progress lets that Run finish before the native session is released.
/// </summary>
[TestClass]
public sealed class SessionConcurrencyTests
{
    private const int Threads = 4, Rounds = 300;

    // Runs `run(thread)` on every thread at once, round after round; counts wrong answers and errors other than the refusal.
    private static (int Wrong, List<string> Errors, int Refused) Race(Func<int, bool> run)
    {
        int wrong = 0, refused = 0;
        var errors = new System.Collections.Concurrent.ConcurrentBag<string>();
        using var barrier = new Barrier(Threads);
        var threads = Enumerable.Range(0, Threads).Select(t => new Thread(() =>
        {
            for (var r = 0; r < Rounds; r++)
            {
                barrier.SignalAndWait();
                try
                {
                    if (!run(t)) Interlocked.Increment(ref wrong);
                }
                catch (InvalidOperationException ex) when (ex.Message.Contains("not thread-safe", StringComparison.Ordinal)) { Interlocked.Increment(ref refused); }
                catch (Exception ex) { errors.Add($"{ex.GetType().Name}: {ex.Message}"); }
            }
        })).ToArray();
        foreach (var t in threads) t.Start();
        foreach (var t in threads) t.Join();
        return (wrong, [.. errors], refused);
    }

    [TestMethod]
    public void TowerSession_ConcurrentRuns_RefusedNotMixed()
    {
        const int rows = 64;
        var spec = new TowerGraphSpec { IdInput = new TowerEmbeddingInput("id", new EmbeddingTable(rows, 4, [.. Enumerable.Range(0, rows * 4).Select(i => (float)i)])) };
        using var session = new OnnxTowerSession(OnnxSessionFactory.Create(OnnxTowerExporter.ToBytes(spec), OnnxExecution.Cpu));
        // Each thread its own batch size and ids, so a call answered with another's tensors shows.
        var batches = Enumerable.Range(0, Threads).Select(t =>
        {
            var n = 1 + t * 20;
            var ids = Enumerable.Range(0, n).Select(i => (long)((i + t) % rows)).ToArray();
            return (Ids: ids, Batch: new OnnxTowerBatch(n).SetInt64("id", ids));
        }).ToArray();
        var (wrong, errors, refused) = Race(t =>
        {
            var (ids, batch) = batches[t];
            var got = session.Run(batch);
            return got.Length == ids.Length * 4 && ids.Select((id, i) => got[i * 4] == id * 4).All(ok => ok);
        });
        Assert.AreEqual(0, wrong, "answers holding another call's rows");
        Assert.IsEmpty(errors, string.Join("\n", errors.Distinct()));
        Console.WriteLine($"{refused} of {Threads * Rounds} calls refused");
    }

    [TestMethod]
    public void ScorerSession_ConcurrentRuns_RefusedNotMixed()
    {
        const int items = 32;
        // Item i is (i, 1): a query (1, 0) ranks the items by index, (−1, 0) in reverse.
        var vectors = Enumerable.Range(0, items).SelectMany(i => new[] { (float)i, 1f }).ToArray();
        using var session = new OnnxScorerSession(OnnxSessionFactory.Create(OnnxScorerExporter.ToBytes(new OnnxScorerSpec { ItemVectors = vectors, ItemCount = items, Dimension = 2, K = 3 }), OnnxExecution.Cpu));
        var (wrong, errors, refused) = Race(t =>
        {
            var n = 1 + t * 20;
            var sign = t % 2 == 0 ? 1f : -1f;
            var queries = Enumerable.Range(0, n).SelectMany(_ => new[] { sign, 0f }).ToArray();
            var (_, indices) = session.Run(queries, n);
            long[] best = sign > 0 ? [items - 1, items - 2, items - 3] : [0, 1, 2];
            return indices.Length == n * 3 && Enumerable.Range(0, n).All(r => indices.AsSpan(r * 3, 3).SequenceEqual(best));
        });
        Assert.AreEqual(0, wrong, "answers holding another call's rows");
        Assert.IsEmpty(errors, string.Join("\n", errors.Distinct()));
        Console.WriteLine($"{refused} of {Threads * Rounds} calls refused");
    }

    // Disposes the session from this thread while another thread's Run is under way (after a few delays, so some
    // disposals land mid-run); the Run either completes with the right rows or was refused as disposed.
    private static void DisposeDuringRun(Func<IDisposable> open, Func<IDisposable, bool> run)
    {
        foreach (var delayMs in new[] { 0, 2, 5, 10, 20, 40 })
        {
            var session = open();
            string? outcome = null;
            var runner = new Thread(() =>
            {
                try { outcome = run(session) ? "right" : "wrong rows"; }
                catch (ObjectDisposedException) { outcome = "disposed"; }
                catch (Exception ex) { outcome = $"{ex.GetType().Name}: {ex.Message}"; }
            });
            runner.Start();
            Thread.Sleep(delayMs);
            session.Dispose();
            runner.Join();
            Assert.IsTrue(outcome is "right" or "disposed", $"delay {delayMs} ms: {outcome}");
        }
    }

    [TestMethod]
    public void TowerSession_DisposeDuringRun_RunFinishesThenTheSessionCloses()
    {
        const int rows = 1000, d = 128, n = 20000;
        var rng = new Random(1);
        float[] Random(int count) => [.. Enumerable.Range(0, count).Select(_ => (float)rng.NextDouble())];
        // Two dense layers over a wide batch: a run long enough (tens of ms) for the Dispose to land inside it.
        var spec = new TowerGraphSpec
        {
            IdInput = new TowerEmbeddingInput("id", new EmbeddingTable(rows, d, Random(rows * d))),
            Layers = [new TowerDenseLayer(d, d, Random(d * d), new float[d]), new TowerDenseLayer(d, 4, Random(4 * d), new float[4])],
        };
        var bytes = OnnxTowerExporter.ToBytes(spec);
        var batch = new OnnxTowerBatch(n).SetInt64("id", [.. Enumerable.Range(0, n).Select(i => (long)(i % rows))]);
        using var reference = new OnnxTowerSession(OnnxSessionFactory.Create(bytes, OnnxExecution.Cpu));
        var expected = reference.Run(batch);
        DisposeDuringRun(() => new OnnxTowerSession(OnnxSessionFactory.Create(bytes, OnnxExecution.Cpu)), s => ((OnnxTowerSession)s).Run(batch).AsSpan().SequenceEqual(expected));
    }

    [TestMethod]
    public void ScorerSession_DisposeDuringRun_RunFinishesThenTheSessionCloses()
    {
        const int items = 20000, d = 64, n = 200;
        var rng = new Random(1);
        var spec = new OnnxScorerSpec { ItemVectors = [.. Enumerable.Range(0, items * d).Select(_ => (float)rng.NextDouble())], ItemCount = items, Dimension = d, K = 10 };
        var bytes = OnnxScorerExporter.ToBytes(spec);
        var queries = Enumerable.Range(0, n * d).Select(_ => (float)rng.NextDouble()).ToArray();
        using var reference = new OnnxScorerSession(OnnxSessionFactory.Create(bytes, OnnxExecution.Cpu));
        var expected = reference.Run(queries, n).Indices;
        DisposeDuringRun(() => new OnnxScorerSession(OnnxSessionFactory.Create(bytes, OnnxExecution.Cpu)), s => ((OnnxScorerSession)s).Run(queries, n).Indices.AsSpan().SequenceEqual(expected));
    }
}
