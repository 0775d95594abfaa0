using TwoTower.MLNet.Retrieval.Engine;
using TwoTower.Serving.Hosting;

namespace TwoTower.Serving.Tests;

/// <summary>The engine's life ends with the app's, however the app ends.</summary>
[TestClass]
public sealed class ServingAppDisposeTests
{
    [TestMethod]
    [DataRow(true)]
    [DataRow(false)]
    public async Task DisposeWithoutStop_EngineDisposedAndStateFolderFree(bool started)
    {
        // The engine was disposed only when the app stopped: an app disposed without StopAsync (a failed start, an
        // `await using` that never stopped) kept the update log open and the state folder locked for the process's life.
        var dir = Path.Combine(Path.GetTempPath(), "twotower-serving-" + Guid.NewGuid().ToString("N"));
        RetrievalEngine Engine() => RetrievalEngine.Create(ServingFixture.Model(20, 30), ServingFixture.Items(30), null,
            new RetrievalEngineOptions { IndexSpec = "Flat", ProjectionMinInteractions = 0, StateDirectory = dir });
        var engine = Engine();
        var app = ServingApp.Build(engine, new ServingOptions { ApiKey = ServingFixture.ApiKey });
        app.Urls.Add("http://127.0.0.1:0");
        if (started) await app.StartAsync();
        await app.DisposeAsync();
        Assert.ThrowsExactly<ObjectDisposedException>(() => engine.RemoveItem("1"));
        Engine().Dispose();
        Directory.Delete(dir, true);
    }
}
