using TwoTower.MLNet.Data;
using TwoTower.MLNet.Index;
using TwoTower.MLNet.Retrieval.Engine;

namespace TwoTower.MLNet.Tests.Retrieval;

/// <summary>Disposing the engine (a server shutting down) while writes run or after they stop.</summary>
[TestClass]
public sealed class EngineDisposeTests
{
    [TestMethod]
    public void Dispose_WhileAPutIsBeingApplied_WaitsForItAndLaterWritesAreRefusedUnlogged()
    {
        // Shutdown closed the log and the index under a write still running (a request outliving the host's shutdown
        // timeout): the put was logged, then failed on the closed index, so its client got an error for an update that
        // the restart applied; a write after Dispose could change the catalogue of an engine without a log.
        var dir = TestPaths.TempDir();
        GatedIndex? gated = null;
        var engine = RetrievalEngine.Create(RetrievalFixture.Model(), RetrievalFixture.Items(), null, new RetrievalEngineOptions
        {
            ProjectionMinInteractions = 0, StateDirectory = dir,
            CreateIndex = d => gated = new GatedIndex(IndexFactory.Create("Flat", d, VectorMetric.InnerProduct)),
        });
        var vector = (float[])engine.Catalog.Get(0)!.Vector!.Clone();
        gated!.Armed = true;
        var put = Task.Run(() => engine.PutItem(new ItemRecord("in-flight", "Late", [], null), vector));
        Assert.IsTrue(gated.Entered.Wait(TimeSpan.FromSeconds(20)), "the put reaches the index");
        var dispose = Task.Run(engine.Dispose);
        Assert.IsFalse(dispose.Wait(TimeSpan.FromMilliseconds(300)), "Dispose waits for the write in progress");
        gated.Release.Set();
        Assert.AreEqual("Late", put.GetAwaiter().GetResult().Record.Title);
        Assert.IsTrue(dispose.Wait(TimeSpan.FromSeconds(20)));

        Assert.ThrowsExactly<ObjectDisposedException>(() => engine.PutItem(new ItemRecord("after", "After", [], null), vector));
        Assert.ThrowsExactly<ObjectDisposedException>(() => engine.RemoveItem("1"));
        Assert.ThrowsExactly<ObjectDisposedException>(() => engine.AppendHistory("u", ["1"]));
        Assert.IsNull(engine.Catalog.GetLive("after"), "a refused write changes nothing");
        Assert.IsNotNull(engine.Catalog.GetLive("1"));
        engine.Dispose(); // twice is harmless

        using (var reopened = RetrievalEngine.Create(RetrievalFixture.Model(), RetrievalFixture.Items(), null,
            new RetrievalEngineOptions { IndexSpec = "Flat", ProjectionMinInteractions = 0, StateDirectory = dir }))
        {
            Assert.AreEqual("Late", reopened.Catalog.GetLive("in-flight")!.Record.Title);
            Assert.AreEqual(1, reopened.RecoveredUpdates, "only the acknowledged put was logged");
        }
        Directory.Delete(dir, true);
    }

    [TestMethod]
    public void Dispose_CalledAgainWhileTheFirstIsClosing_ReturnsOnlyOnceTheIndexIsClosed()
    {
        // The second call (the host's stop hook and its service container both dispose the engine) returned at once while the
        // first was still closing the log and the index, so its caller could go on to reuse the state folder or the mapped file.
        SlowClosingIndex? index = null;
        var engine = RetrievalEngine.Create(RetrievalFixture.Model(), RetrievalFixture.Items(), null, new RetrievalEngineOptions
        {
            ProjectionMinInteractions = 0,
            CreateIndex = d => index = new SlowClosingIndex(IndexFactory.Create("Flat", d, VectorMetric.InnerProduct)),
        });
        var first = Task.Run(engine.Dispose);
        Assert.IsTrue(index!.Closing.Wait(TimeSpan.FromSeconds(20)), "the first Dispose reaches the index");
        var second = Task.Run(engine.Dispose);
        Assert.IsFalse(second.Wait(TimeSpan.FromMilliseconds(300)), "the second Dispose waits for the first");
        index.Release.Set();
        Assert.IsTrue(first.Wait(TimeSpan.FromSeconds(20)));
        Assert.IsTrue(second.Wait(TimeSpan.FromSeconds(20)));
        Assert.IsTrue(index.Closed);
    }

    // An index whose Dispose signals Closing and waits for Release (a shared index's connection draining).
    private sealed class SlowClosingIndex(IVectorIndex inner) : ForwardingIndex(inner)
    {
        public ManualResetEventSlim Closing { get; } = new();
        public ManualResetEventSlim Release { get; } = new();
        public volatile bool Closed;

        public override void Dispose()
        {
            Closing.Set();
            Release.Wait(TimeSpan.FromSeconds(30));
            base.Dispose();
            Closed = true;
        }
    }

    // A Flat index whose Add, once armed, signals Entered and waits for Release (a slow shared index mid-write).
    private sealed class GatedIndex(IVectorIndex inner) : ForwardingIndex(inner)
    {
        public volatile bool Armed;
        public ManualResetEventSlim Entered { get; } = new();
        public ManualResetEventSlim Release { get; } = new();

        public override void Add(ReadOnlySpan<long> ids, ReadOnlySpan<float> vectors)
        {
            if (Armed)
            {
                Entered.Set();
                Release.Wait(TimeSpan.FromSeconds(30));
            }
            Inner.Add(ids, vectors);
        }
    }
}
