using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using TwoTower.MLNet.Retrieval.Candidates;
using TwoTower.MLNet.Retrieval.Updates;

namespace TwoTower.Serving.Tests;

/// <summary>The item index behind PUT/DELETE /items/{id} seen through HTTP: atomic replaces, compaction, the removed gauge, replay.</summary>
[TestClass]
public sealed class ItemIndexEndpointTests
{
    private static HttpRequestMessage Write(HttpMethod method, string path, string? json = null)
    {
        var req = new HttpRequestMessage(method, path);
        if (json is not null) req.Content = new StringContent(json, Encoding.UTF8, "application/json");
        req.Headers.Add("X-Api-Key", ServingFixture.ApiKey);
        return req;
    }

    private static string VectorJson(float[] v) => "[" + string.Join(",", v.Select(x => x.ToString("R", CultureInfo.InvariantCulture))) + "]";

    private static string ItemJson(string title, string genre, float[] v) => $"{{\"title\":\"{title}\",\"genres\":[\"{genre}\"],\"vector\":{VectorJson(v)}}}";

    private static string NewDirectory() => Path.Combine(Path.GetTempPath(), "twotower-serving-" + Guid.NewGuid().ToString("N"));

    private static async Task<double> Gauge(HttpClient client, string name)
    {
        var text = await client.GetStringAsync("/metrics");
        var line = text.Split('\n').Single(l => l.StartsWith(name + " ", StringComparison.Ordinal));
        return double.Parse(line[(name.Length + 1)..], CultureInfo.InvariantCulture);
    }

    private static async Task<string[]> Ids(HttpResponseMessage res)
    {
        Assert.AreEqual(HttpStatusCode.OK, res.StatusCode, await res.Content.ReadAsStringAsync());
        return (await res.Content.ReadFromJsonAsync<JsonObject>())!["items"]!.AsArray().Select(i => i!["itemId"]!.GetValue<string>()).ToArray();
    }

    [TestMethod]
    [DataRow("Flat")]
    [DataRow("HNSW16")]
    public async Task PutChangedVectors_WhileSimilarAndRecommendRun_ItemNeverMissing(string indexSpec)
    {
        // Only the ANN source answers /recommend, so an item the index hides is missing from the answer.
        await using var f = await ServingFixture.StartAsync(configure: o => o with
        {
            IndexSpec = indexSpec,
            Generator = new CandidateGeneratorOptions { Sources = [new SourceQuota("mf", 100)] },
        });
        float[][] flips = [[1, 0, 0, 0, 0, 0, 0, 0], [0, -1, 0, 0, 0, 0, 0, 0]];
        using var stop = new CancellationTokenSource();
        var problems = new List<string>();
        var puts = 0;
        async Task Reader(int r)
        {
            while (!stop.IsCancellationRequested)
            {
                var similar = await Ids(await f.Client.GetAsync("/items/1/similar?k=29"));
                if (!similar.Contains("5") || similar.Length != 29 || similar.Distinct().Count() != 29)
                    lock (problems) problems.Add($"similar of 1: {similar.Length} items, 5 listed {similar.Count(i => i == "5")} times, missing {string.Join(" ", Enumerable.Range(2, 29).Select(i => i.ToString(CultureInfo.InvariantCulture)).Except(similar))}");
                var own = await Ids(await f.Client.GetAsync("/items/5/similar?k=29"));
                if (own.Length != 29 || own.Contains("5"))
                    lock (problems) problems.Add($"similar of 5: {own.Length} items");
                var rec = await Ids(await f.Client.PostAsync("/recommend", new StringContent($"{{\"userId\":\"{1 + r}\",\"k\":30,\"excludeSeen\":false}}", Encoding.UTF8, "application/json")));
                if (!rec.Contains("5") || rec.Length != 30 || rec.Distinct().Count() != 30)
                    lock (problems) problems.Add($"recommend: {rec.Length} items, 5 listed {rec.Count(i => i == "5")} times");
            }
        }
        var readers = Enumerable.Range(0, 4).Select(r => Task.Run(() => Reader(r))).ToArray();
        var until = DateTime.UtcNow.AddSeconds(1.5);
        while (DateTime.UtcNow < until)
        {
            var res = await f.Client.SendAsync(Write(HttpMethod.Put, "/items/5", ItemJson("Five", "Drama", flips[puts % 2])));
            Assert.AreEqual(HttpStatusCode.OK, res.StatusCode, await res.Content.ReadAsStringAsync());
            puts++;
        }
        await stop.CancelAsync();
        await Task.WhenAll(readers);
        Assert.IsGreaterThan(20, puts);
        Assert.IsEmpty(problems, $"{problems.Count} problems in {puts} puts; first: {problems.FirstOrDefault()}");
    }

    [TestMethod]
    public async Task MetricsIndexRemoved_CountsTombstones_DropsAfterCompaction()
    {
        await using var f = await ServingFixture.StartAsync();
        var rng = new Random(3);
        int live = 30, removed = 0, compactions = 0;
        Assert.AreEqual(0, await Gauge(f.Client, "twotower_index_removed"));
        for (var step = 0; step < 40; step++)
        {
            HttpResponseMessage res;
            if (step % 5 == 4)
            {
                res = await f.Client.SendAsync(Write(HttpMethod.Delete, $"/items/{21 + step / 5}"));
                Assert.AreEqual(HttpStatusCode.NoContent, res.StatusCode);
                live--;
                removed++;
            }
            else
            {
                var v = Enumerable.Range(0, 8).Select(_ => (float)rng.NextDouble()).ToArray();
                res = await f.Client.SendAsync(Write(HttpMethod.Put, $"/items/{1 + step % 20}", ItemJson("T", "Drama", v)));
                Assert.AreEqual(HttpStatusCode.OK, res.StatusCode);
                removed++; // the old vector stays as a tombstone
            }
            // The write returns before the compaction it started ends (it runs in the background).
            f.Engine.WaitForIndexCompaction();
            if (removed > 0.25 * live)
            {
                removed = 0;
                compactions++;
            }
            Assert.AreEqual(removed, await Gauge(f.Client, "twotower_index_removed"), $"step {step}");
            Assert.AreEqual(live, await Gauge(f.Client, "twotower_index_vectors"), $"step {step}");
            Assert.AreEqual(live, await Gauge(f.Client, "twotower_items_live"), $"step {step}");
        }
        Assert.IsGreaterThan(1, compactions);
        // A put of the same vector and a delete of an unknown id leave no tombstone.
        var before = await Gauge(f.Client, "twotower_index_removed");
        var same = f.Engine.Catalog.GetLive("29")!.Vector!;
        Assert.AreEqual(HttpStatusCode.OK, (await f.Client.SendAsync(Write(HttpMethod.Put, "/items/29", ItemJson("Renamed", "Drama", same)))).StatusCode);
        Assert.AreEqual(HttpStatusCode.NotFound, (await f.Client.SendAsync(Write(HttpMethod.Delete, "/items/nope"))).StatusCode);
        Assert.AreEqual(before, await Gauge(f.Client, "twotower_index_removed"));
    }

    private static async Task<List<string>> Answers(HttpClient client, IEnumerable<string> ids)
    {
        var answers = new List<string>();
        foreach (var id in ids)
        {
            var item = await client.GetAsync($"/items/{id}");
            // A problem's traceId differs per request.
            answers.Add($"{id}: {(int)item.StatusCode} {(item.StatusCode == HttpStatusCode.OK ? await item.Content.ReadAsStringAsync() : "")}");
            if (item.StatusCode == HttpStatusCode.OK)
                answers.Add($"{id}/similar: {await client.GetStringAsync($"/items/{id}/similar?k=10")}");
        }
        for (var u = 1; u <= 20; u++)
            foreach (var exclude in new[] { "true", "false" })
            {
                var rec = await client.PostAsync("/recommend", new StringContent($"{{\"userId\":\"{u}\",\"k\":10,\"excludeSeen\":{exclude}}}", Encoding.UTF8, "application/json"));
                answers.Add($"recommend {u} {exclude}: {(int)rec.StatusCode} {await rec.Content.ReadAsStringAsync()}");
            }
        var health = (await client.GetFromJsonAsync<JsonObject>("/health"))!;
        answers.Add($"live items {health["items"]}, index vectors {await Gauge(client, "twotower_index_vectors")}");
        return answers;
    }

    [TestMethod]
    [DataRow(1000)]
    [DataRow(7)]
    public async Task Restart_AfterManyPutsAndDeletes_ReplaysToTheSameAnswers(int snapshotEvery)
    {
        var dir = NewDirectory();
        var ids = Enumerable.Range(1, 30).Select(i => i.ToString(CultureInfo.InvariantCulture)).Concat(Enumerable.Range(1, 10).Select(i => $"n{i}")).ToArray();
        List<string> before;
        var rng = new Random(17);
        await using (var f = await ServingFixture.StartAsync(stateDirectory: dir, configure: o => o with { SnapshotEvery = snapshotEvery }))
        {
            for (var step = 0; step < 300; step++)
            {
                var id = ids[rng.Next(ids.Length)];
                var live = f.Engine.Catalog.GetLive(id);
                var op = rng.Next(10);
                HttpResponseMessage res;
                if (op < 3 && live is not null) res = await f.Client.SendAsync(Write(HttpMethod.Delete, $"/items/{id}"));
                else if (op < 5 && live?.Vector is { } same) res = await f.Client.SendAsync(Write(HttpMethod.Put, $"/items/{id}", ItemJson($"Same {step}", ServingFixture.Genres[step % 3], same)));
                else
                {
                    var v = Enumerable.Range(0, 8).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
                    res = await f.Client.SendAsync(Write(HttpMethod.Put, $"/items/{id}", ItemJson($"New {step}", ServingFixture.Genres[step % 3], v)));
                }
                Assert.IsTrue(res.IsSuccessStatusCode, $"step {step}: {(int)res.StatusCode} {await res.Content.ReadAsStringAsync()}");
                if (step % 50 == 0)
                    Assert.AreEqual(HttpStatusCode.OK, (await f.Client.SendAsync(Write(HttpMethod.Put, $"/users/{1 + step % 20}/history",
                        $"{{\"items\":[\"{ids[rng.Next(30)]}\"]}}"))).StatusCode);
            }
            before = await Answers(f.Client, ids);
        }
        for (var restart = 0; restart < 2; restart++)
        {
            await using var f = await ServingFixture.StartAsync(stateDirectory: dir, configure: o => o with { SnapshotEvery = snapshotEvery });
            var after = await Answers(f.Client, ids);
            Assert.HasCount(before.Count, after);
            for (var i = 0; i < before.Count; i++) Assert.AreEqual(before[i], after[i], $"restart {restart}");
        }
        Directory.Delete(dir, true);
    }

    [TestMethod]
    public async Task PutRefused_LeavesLogCatalogueAndIndexUnchanged()
    {
        var dir = NewDirectory();
        string[] bodies =
        [
            "{\"title\":\"X\",\"vector\":[1,2,3]}",
            "{\"title\":\"X\",\"vector\":[1,2,3,4,5,6,7,8,9]}",
            "{\"title\":\"X\",\"vector\":[\"NaN\",0,0,0,0,0,0,0]}",
            "{\"title\":\"X\",\"vector\":[NaN,0,0,0,0,0,0,0]}",
            "{\"title\":\"X\",\"vector\":[1e39,0,0,0,0,0,0,0]}",
            "{\"title\":\"X\",\"vector\":[-1e39,0,0,0,0,0,0,0]}",
            "{\"title\":\"X\",\"vector\":[3e18,3e18,3e18,3e18,3e18,3e18,3e18,3e18]}",
            "{\"title\":\"X\",\"vector\":[1,0,0,0,0,0,0,0],\"extra\":1}",
            "{\"title\":\"X\",\"vector\":[]}",
        ];
        await using (var f = await ServingFixture.StartAsync(stateDirectory: dir))
        {
            // One accepted put first, so the log exists and holds one record.
            Assert.AreEqual(HttpStatusCode.OK, (await f.Client.SendAsync(Write(HttpMethod.Put, "/items/3", ItemJson("Three", "Drama", [0, 0, 1, 0, 0, 0, 0, 0])))).StatusCode);
            var log = Path.Combine(dir, UpdateLog.LogFile);
            var logBytes = File.ReadAllBytes(log);
            var item = await f.Client.GetStringAsync("/items/3");
            var similar = await f.Client.GetStringAsync("/items/3/similar?k=29");
            var removed = await Gauge(f.Client, "twotower_index_removed");
            foreach (var target in new[] { "3", "brand-new" })
                foreach (var body in bodies)
                {
                    var res = await f.Client.SendAsync(Write(HttpMethod.Put, $"/items/{target}", body));
                    Assert.AreEqual(HttpStatusCode.BadRequest, res.StatusCode, $"{target} {body}: {await res.Content.ReadAsStringAsync()}");
                    CollectionAssert.AreEqual(logBytes, File.ReadAllBytes(log), $"{target} {body}");
                    Assert.AreEqual(item, await f.Client.GetStringAsync("/items/3"), body);
                    Assert.AreEqual(similar, await f.Client.GetStringAsync("/items/3/similar?k=29"), body);
                    Assert.AreEqual(HttpStatusCode.NotFound, (await f.Client.GetAsync("/items/brand-new")).StatusCode, body);
                    Assert.AreEqual(removed, await Gauge(f.Client, "twotower_index_removed"), body);
                    Assert.AreEqual(30, await Gauge(f.Client, "twotower_index_vectors"), body);
                }
        }
        await using (var f = await ServingFixture.StartAsync(stateDirectory: dir))
        {
            Assert.AreEqual(1, (await f.Client.GetFromJsonAsync<JsonObject>("/health"))!["recoveredUpdates"]!.GetValue<int>());
            Assert.AreEqual("Three", (await f.Client.GetFromJsonAsync<JsonObject>("/items/3"))!["title"]!.GetValue<string>());
        }
        Directory.Delete(dir, true);
    }
}
