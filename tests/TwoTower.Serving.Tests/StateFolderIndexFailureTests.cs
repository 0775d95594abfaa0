using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using TwoTower.MLNet.Index;
using TwoTower.MLNet.Tests.Retrieval;

namespace TwoTower.Serving.Tests;

/// <summary>Writes answered 500 because the item index failed (a shared index out of reach) and the restart after them.</summary>
[TestClass]
public sealed class StateFolderIndexFailureTests
{
    [TestMethod]
    public async Task Restart_AfterAPutAndADeleteAnswered500_RecoversNeither()
    {
        // Both were logged before the index failed: the client was told they failed, and the restart applied them.
        var dir = Path.Combine(Path.GetTempPath(), "twotower-serving-" + Guid.NewGuid().ToString("N"));
        UnreachableIndex? index = null;
        await using (var f = await ServingFixture.StartAsync(stateDirectory: dir,
            configure: o => o with { CreateIndex = d => index = new UnreachableIndex(IndexFactory.Create("Flat", d, VectorMetric.InnerProduct)) }))
        {
            index!.Down = true;
            var vector = string.Join(",", Enumerable.Repeat("0.5", 8));
            Assert.AreEqual(HttpStatusCode.InternalServerError, (await f.Client.SendAsync(Request(HttpMethod.Put, "/items/2", $$"""{"title":"Refused","vector":[{{vector}}]}"""))).StatusCode);
            Assert.AreEqual(HttpStatusCode.InternalServerError, (await f.Client.SendAsync(Request(HttpMethod.Put, "/items/refused-new", $$"""{"title":"Refused","vector":[{{vector}}]}"""))).StatusCode);
            Assert.AreEqual(HttpStatusCode.InternalServerError, (await f.Client.SendAsync(Request(HttpMethod.Delete, "/items/3", null))).StatusCode);
        }
        await using (var f = await ServingFixture.StartAsync(stateDirectory: dir))
        {
            Assert.AreEqual("Movie 2", (await f.Client.GetFromJsonAsync<JsonObject>("/items/2"))!["title"]!.GetValue<string>());
            Assert.AreEqual(HttpStatusCode.NotFound, (await f.Client.GetAsync("/items/refused-new")).StatusCode);
            Assert.AreEqual(HttpStatusCode.OK, (await f.Client.GetAsync("/items/3")).StatusCode);
        }
        Directory.Delete(dir, true);
    }

    private static HttpRequestMessage Request(HttpMethod method, string path, string? json)
    {
        var req = new HttpRequestMessage(method, path);
        if (json is not null) req.Content = new StringContent(json, Encoding.UTF8, "application/json");
        req.Headers.Add("X-Api-Key", ServingFixture.ApiKey);
        return req;
    }

    // A Flat index whose writes fail, once Down, as a database out of reach does.
    private sealed class UnreachableIndex(IVectorIndex inner) : ForwardingIndex(inner)
    {
        public bool Down { get; set; }

        public override void Add(ReadOnlySpan<long> ids, ReadOnlySpan<float> vectors)
        {
            ThrowIfDown();
            Inner.Add(ids, vectors);
        }

        public override void Replace(long id, ReadOnlySpan<float> vector)
        {
            ThrowIfDown();
            Inner.Replace(id, vector);
        }

        public override bool Remove(long id)
        {
            ThrowIfDown();
            return Inner.Remove(id);
        }

        private void ThrowIfDown()
        {
            if (Down) throw new IOException("Connection refused");
        }
    }
}
