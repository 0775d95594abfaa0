using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;

namespace TwoTower.Serving.Tests;

[TestClass]
public sealed class ItemWriteEndpointTests
{
    private static HttpRequestMessage Put(string path, string json, string? key)
    {
        var req = new HttpRequestMessage(HttpMethod.Put, path) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        if (key is not null) req.Headers.Add("X-Api-Key", key);
        return req;
    }

    [TestMethod]
    public async Task PutItem_NoOrWrongKey_401()
    {
        await using var f = await ServingFixture.StartAsync();
        Assert.AreEqual(HttpStatusCode.Unauthorized, (await f.Client.SendAsync(Put("/items/x", "{}", null))).StatusCode);
        Assert.AreEqual(HttpStatusCode.Unauthorized, (await f.Client.SendAsync(Put("/items/x", "{}", "wrong"))).StatusCode);
        Assert.IsNull(f.Engine.Catalog.GetLive("x"));
    }

    [TestMethod]
    public async Task PutItem_NoKeyConfigured_403()
    {
        await using var f = await ServingFixture.StartAsync(apiKey: null);
        var res = await f.Client.SendAsync(Put("/items/x", "{}", "anything"));
        Assert.AreEqual(HttpStatusCode.Forbidden, res.StatusCode);
        StringAssert.Contains(await res.Content.ReadAsStringAsync(), "No API key is configured");
    }

    [TestMethod]
    public async Task PutSimilarDelete_NewItem_LifeCycle()
    {
        await using var f = await ServingFixture.StartAsync();
        var res = await f.Client.SendAsync(Put("/items/new-9", """{"title":"Fresh","genres":["Comedy"],"releaseDate":"1998-02-03"}""", ServingFixture.ApiKey));
        Assert.AreEqual(HttpStatusCode.Created, res.StatusCode);
        Assert.AreEqual("Fresh", (await res.Content.ReadFromJsonAsync<JsonObject>())!["title"]!.GetValue<string>());
        var similar = await f.Client.GetFromJsonAsync<JsonObject>("/items/new-9/similar?k=4");
        Assert.HasCount(4, similar!["items"]!.AsArray());
        res = await f.Client.SendAsync(Put("/items/new-9", """{"title":"Fresher","genres":["Comedy"]}""", ServingFixture.ApiKey));
        Assert.AreEqual(HttpStatusCode.OK, res.StatusCode);
        Assert.AreEqual("Fresher", (await f.Client.GetFromJsonAsync<JsonObject>("/items/new-9"))!["title"]!.GetValue<string>());
        var del = new HttpRequestMessage(HttpMethod.Delete, "/items/new-9");
        del.Headers.Add("X-Api-Key", ServingFixture.ApiKey);
        Assert.AreEqual(HttpStatusCode.NoContent, (await f.Client.SendAsync(del)).StatusCode);
        Assert.AreEqual(HttpStatusCode.NotFound, (await f.Client.GetAsync("/items/new-9")).StatusCode);
    }

    [TestMethod]
    public async Task ItemIdsWithSlashesOrPercentSigns_ReachTheirItems()
    {
        // ASP.NET leaves %2F encoded in route values: "sku/7" was stored and looked up as "sku%2F7".
        await using var f = await ServingFixture.StartAsync();
        var slash = await f.Client.SendAsync(Put("/items/sku%2F7", """{"title":"Slash","genres":["Comedy"]}""", ServingFixture.ApiKey));
        Assert.AreEqual(HttpStatusCode.Created, slash.StatusCode);
        Assert.AreEqual("/items/sku%2F7", slash.Headers.Location!.OriginalString);
        Assert.IsNotNull(f.Engine.Catalog.GetLive("sku/7"));
        Assert.IsNull(f.Engine.Catalog.GetLive("sku%2F7"));
        // The id "sku%2F7" itself, sent with its '%' escaped, stays a different item.
        Assert.AreEqual(HttpStatusCode.Created, (await f.Client.SendAsync(Put("/items/sku%252F7", """{"title":"Percent","genres":["Drama"]}""", ServingFixture.ApiKey))).StatusCode);
        Assert.AreEqual("Slash", (await f.Client.GetFromJsonAsync<JsonObject>("/items/sku%2F7"))!["title"]!.GetValue<string>());
        Assert.AreEqual("Percent", (await f.Client.GetFromJsonAsync<JsonObject>("/items/sku%252F7"))!["title"]!.GetValue<string>());
        Assert.HasCount(3, (await f.Client.GetFromJsonAsync<JsonObject>("/items/sku%2F7/similar?k=3"))!["items"]!.AsArray());
        var history = await f.Client.SendAsync(Put("/users/team%2Fa/history", """{"items":["sku/7"]}""", ServingFixture.ApiKey));
        Assert.AreEqual(HttpStatusCode.OK, history.StatusCode, await history.Content.ReadAsStringAsync());
        Assert.AreEqual("team/a", (await history.Content.ReadFromJsonAsync<JsonObject>())!["userId"]!.GetValue<string>());
        var del = new HttpRequestMessage(HttpMethod.Delete, "/items/sku%2F7");
        del.Headers.Add("X-Api-Key", ServingFixture.ApiKey);
        Assert.AreEqual(HttpStatusCode.NoContent, (await f.Client.SendAsync(del)).StatusCode);
        Assert.IsNull(f.Engine.Catalog.GetLive("sku/7"));
        Assert.IsNotNull(f.Engine.Catalog.GetLive("sku%2F7"));
    }

    [TestMethod]
    public async Task PutItem_WrongVectorLength_400()
    {
        await using var f = await ServingFixture.StartAsync();
        var res = await f.Client.SendAsync(Put("/items/v", """{"title":"V","vector":[1,2,3]}""", ServingFixture.ApiKey));
        Assert.AreEqual(HttpStatusCode.BadRequest, res.StatusCode);
        StringAssert.Contains(await res.Content.ReadAsStringAsync(), "vector has 3 values; the model's dimension is 8");
    }

    [TestMethod]
    public async Task PutItem_VectorThatWouldOverflowScores_400()
    {
        await using var f = await ServingFixture.StartAsync();
        var res = await f.Client.SendAsync(Put("/items/huge", "{\"title\":\"H\",\"vector\":[" + string.Join(",", Enumerable.Repeat("3e18", 8)) + "]}", ServingFixture.ApiKey));
        Assert.AreEqual(HttpStatusCode.BadRequest, res.StatusCode);
        StringAssert.Contains(await res.Content.ReadAsStringAsync(), "vector has norm 8.49E+18; at most 1000000 is accepted");
        Assert.AreEqual(HttpStatusCode.NotFound, (await f.Client.GetAsync("/items/huge")).StatusCode);
    }

    [TestMethod]
    public async Task Put_ConcurrentPutsOfANewId_ExactlyOneAnswersCreated()
    {
        // Found by an audit: the endpoint asked "new?" before the engine's write lock, so racing PUTs of one new id all said 201.
        await using var f = await ServingFixture.StartAsync();
        for (var round = 0; round < 5; round++)
        {
            var id = $"racing-{round}";
            var answers = await Task.WhenAll(Enumerable.Range(0, 16).Select(_ =>
                f.Client.SendAsync(Put($"/items/{id}", "{\"title\":\"R\",\"vector\":[1,0,0,0,0,0,0,0]}", ServingFixture.ApiKey))));
            Assert.AreEqual(1, answers.Count(a => a.StatusCode == HttpStatusCode.Created), $"round {round}: {string.Join(", ", answers.Select(a => (int)a.StatusCode))}");
            Assert.AreEqual(15, answers.Count(a => a.StatusCode == HttpStatusCode.OK));
        }
    }

    [TestMethod]
    public async Task StateFolder_SecondServer_RefusedWhileTheFirstHoldsIt()
    {
        var dir = Path.Combine(Path.GetTempPath(), "twotower-serving-" + Guid.NewGuid().ToString("N"));
        await using (var f = await ServingFixture.StartAsync(stateDirectory: dir))
        {
            var ex = await Assert.ThrowsExactlyAsync<InvalidOperationException>(() => ServingFixture.StartAsync(stateDirectory: dir));
            StringAssert.Contains(ex.Message, "is in use by another process (another server?); each server needs its own state folder");
        }
        await using (var again = await ServingFixture.StartAsync(stateDirectory: dir)) { } // released with the first
        Directory.Delete(dir, true);
    }

    [TestMethod]
    public async Task StateFolder_OfAnotherModel_RefusedNamingTheFolder()
    {
        var dir = Path.Combine(Path.GetTempPath(), "twotower-serving-" + Guid.NewGuid().ToString("N"));
        await using (var f = await ServingFixture.StartAsync(stateDirectory: dir))
            Assert.AreEqual(HttpStatusCode.Created, (await f.Client.SendAsync(Put("/items/v8", "{\"title\":\"V\",\"vector\":[1,0,0,0,0,0,0,0]}", ServingFixture.ApiKey))).StatusCode);
        var ex = Assert.ThrowsExactly<InvalidDataException>(() => TwoTower.MLNet.Retrieval.Engine.RetrievalEngine.Create(ServingFixture.Model(20, 30, dim: 4), ServingFixture.Items(30), null,
            new TwoTower.MLNet.Retrieval.Engine.RetrievalEngineOptions { StateDirectory = dir, ProjectionMinInteractions = 0 }));
        StringAssert.Contains(ex.Message, $"State folder '{dir}' does not fit this model");
        StringAssert.Contains(ex.Message, "give each model its own state folder");
        await using (var f = await ServingFixture.StartAsync(stateDirectory: dir)) { } // the failed open let go of the folder
        Directory.Delete(dir, true);
    }

    [TestMethod]
    public async Task History_Upsert_ThenRecommendUsesIt()
    {
        await using var f = await ServingFixture.StartAsync();
        var res = await f.Client.SendAsync(Put("/users/fresh/history", """{"items":["3","5","7","9","11","13","15","17","19","21","23","25"]}""", ServingFixture.ApiKey));
        Assert.AreEqual(HttpStatusCode.OK, res.StatusCode);
        Assert.AreEqual(12, (await res.Content.ReadFromJsonAsync<JsonObject>())!["historyLength"]!.GetValue<int>());
        var rec = await f.Client.PostAsync("/recommend", new StringContent("""{"userId":"fresh","k":5}""", Encoding.UTF8, "application/json"));
        var body = (await rec.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.IsFalse(body["coldStart"]!.GetValue<bool>());
        Assert.AreEqual(12, body["historyLength"]!.GetValue<int>());
        Assert.IsTrue(body["items"]!.AsArray().All(i => !new[] { "3", "5", "7", "9", "11", "13", "15", "17", "19", "21", "23", "25" }.Contains(i!["itemId"]!.GetValue<string>())));
    }

    [TestMethod]
    public async Task Restart_WithStateFolder_KeepsAcknowledgedWrites()
    {
        var dir = Path.Combine(Path.GetTempPath(), "twotower-serving-" + Guid.NewGuid().ToString("N"));
        await using (var f = await ServingFixture.StartAsync(stateDirectory: dir))
        {
            Assert.AreEqual(HttpStatusCode.Created, (await f.Client.SendAsync(Put("/items/kept", """{"title":"Kept","genres":["Drama"]}""", ServingFixture.ApiKey))).StatusCode);
        }
        await using (var f = await ServingFixture.StartAsync(stateDirectory: dir))
        {
            Assert.AreEqual("Kept", (await f.Client.GetFromJsonAsync<JsonObject>("/items/kept"))!["title"]!.GetValue<string>());
            Assert.AreEqual(1, (await f.Client.GetFromJsonAsync<JsonObject>("/health"))!["recoveredUpdates"]!.GetValue<int>());
        }
        Directory.Delete(dir, true);
    }
}
