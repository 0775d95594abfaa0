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

    [TestMethod]
    public async Task RequestAfterTheEngineIsDisposed_503ShuttingDown()
    {
        // A request that outlives the host's shutdown timeout meets the disposed engine: that was a 500 "unexpected error",
        // logged with its trace, for a server that is only going away.
        await using var f = await ServingFixture.StartAsync();
        f.Engine.Dispose();
        var put = new HttpRequestMessage(HttpMethod.Put, "/items/late") { Content = new StringContent("{\"title\":\"Late\"}", System.Text.Encoding.UTF8, "application/json") };
        put.Headers.Add("X-Api-Key", ServingFixture.ApiKey);
        foreach (var res in new[]
        {
            await f.Client.SendAsync(put),
            await f.Client.PostAsync("/recommend", new StringContent("{\"userId\":\"1\"}", System.Text.Encoding.UTF8, "application/json")),
        })
        {
            Assert.AreEqual(System.Net.HttpStatusCode.ServiceUnavailable, res.StatusCode);
            Assert.AreEqual("application/problem+json", res.Content.Headers.ContentType?.MediaType);
            StringAssert.Contains(await res.Content.ReadAsStringAsync(), "The service is shutting down");
        }
    }
}
