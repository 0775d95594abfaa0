using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using TwoTower.MLNet.Index;
using TwoTower.MLNet.Retrieval.Candidates;
using TwoTower.MLNet.Tests.Retrieval;

namespace TwoTower.Serving.Tests;

/// <summary>Which engine errors are the request's (400 or 409, not logged) and which are the service's own (500, logged).</summary>
[TestClass]
public sealed class ErrorClassificationTests
{
    [TestMethod]
    public async Task Recommend_EngineInvariantBroken_500NotAConflictOfTheRequest()
    {
        // An index that answers one hit more than it was asked breaks the candidate generator's quota check. Every
        // InvalidOperationException of the engine's assembly was answered 409, unlogged, as if the request had conflicted.
        await using var f = await ServingFixture.StartAsync(configure: o => o with
        {
            CreateIndex = d => new OneHitTooMany(IndexFactory.Create("Flat", d, VectorMetric.InnerProduct)),
            Generator = new CandidateGeneratorOptions { Sources = [new SourceQuota("mf", 5)] },
        });
        var res = await f.Client.PostAsync("/recommend", new StringContent("""{"userId":"1","k":5}""", Encoding.UTF8, "application/json"));
        Assert.AreEqual(HttpStatusCode.InternalServerError, res.StatusCode);
        Assert.AreEqual("An unexpected error occurred; it has been logged.", (await Detail(res)));
    }

    [TestMethod]
    public async Task PutItem_NoVectorWhereTheEngineCannotEmbedOne_409SaysWhy()
    {
        // No item reaches the projection's interaction count, so a new item needs its vector: the engine's own refusal.
        await using var f = await ServingFixture.StartAsync(configure: o => o with { ProjectionMinInteractions = 1_000_000 });
        var req = new HttpRequestMessage(HttpMethod.Put, "/items/new-1") { Content = new StringContent("""{"title":"New"}""", Encoding.UTF8, "application/json") };
        req.Headers.Add("X-Api-Key", ServingFixture.ApiKey);
        var res = await f.Client.SendAsync(req);
        Assert.AreEqual(HttpStatusCode.Conflict, res.StatusCode);
        StringAssert.Contains(await Detail(res), "cannot embed new items from content");
    }

    [TestMethod]
    public async Task Recommend_MinInteractionsOnAModelWithoutTrainingHistory_409SaysWhy()
    {
        // A valid filter this engine cannot serve (its model file kept no training history) was a 400, as if the value were bad.
        await using var f = await ServingFixture.StartAsync(model: m => m with { Seen = null });
        var res = await f.Client.PostAsync("/recommend", new StringContent("""{"userId":"1","filters":{"minInteractions":2}}""", Encoding.UTF8, "application/json"));
        Assert.AreEqual(HttpStatusCode.Conflict, res.StatusCode);
        StringAssert.Contains(await Detail(res), "filters.minInteractions needs the items' interaction counts");
    }

    [TestMethod]
    public async Task RecommendAndSimilar_InternalArgumentCheckFails_Logged500NotTheClientsError()
    {
        // An index refusing the engine's own arguments is a fault of the service, not of the request: any ArgumentException
        // in a request's path was answered 400 with its message, and never logged.
        var (f, _) = await RecommendAndSimilarAreLogged500(d => new RefusesSearches(IndexFactory.Create("Flat", d, VectorMetric.InnerProduct)),
            e => e is ArgumentOutOfRangeException { ParamName: "k" });
        await using var _ = f;
    }

    // Starts a service whose item index is createIndex's, and checks that /recommend and /similar answer a logged 500 with the
    // generic message, each logging one error that isLogged recognises.
    private static async Task<(ServingFixture Fixture, CapturedLog Log)> RecommendAndSimilarAreLogged500(Func<int, IVectorIndex> createIndex, Func<Exception, bool> isLogged)
    {
        var f = await ServingFixture.StartAsync(configure: o => o with
        {
            CreateIndex = createIndex,
            Generator = new CandidateGeneratorOptions { Sources = [new SourceQuota("mf", 5)] },
        });
        try
        {
            var log = CapturedLog.Attach(f.App);
            var recommend = await f.Client.PostAsync("/recommend", new StringContent("""{"userId":"1","k":5}""", Encoding.UTF8, "application/json"));
            var similar = await f.Client.GetAsync("/items/3/similar?k=3");
            foreach (var res in new[] { recommend, similar })
            {
                Assert.AreEqual(HttpStatusCode.InternalServerError, res.StatusCode);
                Assert.AreEqual("An unexpected error occurred; it has been logged.", await Detail(res));
            }
            Assert.HasCount(2, log.Errors.Where(e => e.Exception is { } ex && isLogged(ex)).ToArray());
            return (f, log);
        }
        catch
        {
            await f.DisposeAsync();
            throw;
        }
    }

    [TestMethod]
    public async Task PutItem_InternalArgumentCheckFails_Logged500()
    {
        // A new vector for an existing item goes to IVectorIndex.Replace, here refusing it as a broken shared index might.
        await using var f = await ServingFixture.StartAsync(configure: o => o with
        {
            CreateIndex = d => new RefusesReplace(IndexFactory.Create("Flat", d, VectorMetric.InnerProduct)),
        });
        var log = CapturedLog.Attach(f.App);
        var req = new HttpRequestMessage(HttpMethod.Put, "/items/3") { Content = new StringContent("{\"title\":\"T\",\"vector\":[" + string.Join(",", Enumerable.Repeat("0.5", 8)) + "]}", Encoding.UTF8, "application/json") };
        req.Headers.Add("X-Api-Key", ServingFixture.ApiKey);
        var res = await f.Client.SendAsync(req);
        Assert.AreEqual(HttpStatusCode.InternalServerError, res.StatusCode);
        Assert.AreEqual("An unexpected error occurred; it has been logged.", await Detail(res));
        Assert.HasCount(1, log.Errors.Where(e => e.Exception is ArgumentException { ParamName: "vector" }).ToArray());
    }

    [TestMethod]
    public async Task RecommendAndSimilar_InternalLookupFails_Logged500NotAnUnknownId()
    {
        // Any KeyNotFoundException in a request's path was an unlogged 404 with its message, as if the request had named an unknown id.
        var (f, log) = await RecommendAndSimilarAreLogged500(d => new LosesVectors(IndexFactory.Create("Flat", d, VectorMetric.InnerProduct)),
            e => e is KeyNotFoundException);
        await using var _ = f;
        // An id the request names and the catalogue lacks stays the client's 404.
        var unknown = await f.Client.GetAsync("/items/zzz/similar?k=3");
        Assert.AreEqual(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.AreEqual("Unknown item id 'zzz'.", await Detail(unknown));
        Assert.HasCount(2, log.Errors);
    }

    [TestMethod]
    [DataRow("/recommend", "POST", """{"userId":"1","filters":{"releasedAfter":"2000-01-01","releasedBefore":"1990-01-01"}}""", "filters.releasedAfter 2000-01-01 is after filters.releasedBefore 1990-01-01")]
    [DataRow("/recommend", "POST", """{"userId":"1","filters":{"includeGenres":[]}}""", "filters.includeGenres is empty")]
    [DataRow("/recommend", "POST", """{"userId":"1","filters":{"includeGenres":["Horror"]}}""", "filters.includeGenres: Unknown genre 'Horror'; known genres: Action, Comedy, Drama.")]
    [DataRow("/recommend", "POST", """{"userId":"1","filters":{"boosts":{"Horror":0.2}}}""", "filters.boosts: Unknown genre 'Horror'")]
    [DataRow("/recommend", "POST", """{"userId":"1","filters":{"maxPerGenre":0}}""", "filters.maxPerGenre = 0 must be ≥ 1.")]
    [DataRow("/recommend", "POST", """{"userId":"1","filters":{"minInteractions":-1}}""", "filters.minInteractions = -1 must be ≥ 1.")]
    [DataRow("/recommend", "POST", """{"userId":"1","filters":{"blocklist":["2",null]}}""", "filters.blocklist[1] is null; expected item ids.")]
    [DataRow("/recommend", "POST", """{"userId":"1","filters":{"excludeGenres":[null]}}""", "filters.excludeGenres[0] is null; expected genre names.")]
    [DataRow("/recommend", "POST", """{"history":["1","nope"]}""", "history item 'nope' is not in the catalogue.")]
    [DataRow("/users/u1/history", "PUT", """{"items":["1","nope"]}""", "history item 'nope' is not in the catalogue.")]
    [DataRow("/items/v", "PUT", """{"title":"V","vector":[1,2,3]}""", "vector has 3 values; the model's dimension is 8.")]
    [DataRow("/items/v", "PUT", """{"title":"V","vector":[1e30,1e30,1e30,1e30,1e30,1e30,1e30,1e30]}""", "vector has norm 2.83E+30; at most 1000000 is accepted")]
    public async Task ClientMistakes_400WithTheEnginesMessage_NotLogged(string path, string method, string body, string detail)
    {
        // The engine's checks of what the request sent stay the client's error once other ArgumentExceptions are the service's.
        await using var f = await ServingFixture.StartAsync();
        var log = CapturedLog.Attach(f.App);
        var req = new HttpRequestMessage(new HttpMethod(method), path) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        req.Headers.Add("X-Api-Key", ServingFixture.ApiKey);
        var res = await f.Client.SendAsync(req);
        Assert.AreEqual(HttpStatusCode.BadRequest, res.StatusCode, await res.Content.ReadAsStringAsync());
        StringAssert.Contains(await Detail(res), detail);
        Assert.IsEmpty(log.Errors);
    }

    [TestMethod]
    public async Task PutItem_GenresPastTheCatalogueLimit_400()
    {
        // The catalogue holds at most 64 genre names; the 65th a request brings is the request's mistake.
        await using var f = await ServingFixture.StartAsync();
        var genres = string.Join(",", Enumerable.Range(0, 62).Select(i => $"\"G{i}\""));
        var req = new HttpRequestMessage(HttpMethod.Put, "/items/many") { Content = new StringContent("{\"title\":\"M\",\"genres\":[" + genres + "]}", Encoding.UTF8, "application/json") };
        req.Headers.Add("X-Api-Key", ServingFixture.ApiKey);
        var res = await f.Client.SendAsync(req);
        Assert.AreEqual(HttpStatusCode.BadRequest, res.StatusCode, await res.Content.ReadAsStringAsync());
        StringAssert.Contains(await Detail(res), "brings 62 new genres; the catalogue holds at most 64 (has 3)");
    }

    private static async Task<string> Detail(HttpResponseMessage res) =>
        JsonNode.Parse(await res.Content.ReadAsStringAsync())!["detail"]!.GetValue<string>();

    // Refuses every search as if the engine had passed a bad k: an internal argument check failing.
    private sealed class RefusesSearches(IVectorIndex inner) : ForwardingIndex(inner)
    {
        public override SearchResults Search(ReadOnlySpan<float> queries, int k, SearchOptions? options = null) =>
            throw new ArgumentOutOfRangeException(nameof(k), k, "k is past what this index serves.");
    }

    // Fails every search on a lookup of its own, as a shared index that lost rows behind the engine's back might.
    private sealed class LosesVectors(IVectorIndex inner) : ForwardingIndex(inner)
    {
        public override SearchResults Search(ReadOnlySpan<float> queries, int k, SearchOptions? options = null) =>
            throw new KeyNotFoundException("Id 7 is not in the index.");
    }

    // Refuses every replaced vector, as an index whose stored dimension disagrees with the engine's would.
    private sealed class RefusesReplace(IVectorIndex inner) : ForwardingIndex(inner)
    {
        public override void Replace(long id, ReadOnlySpan<float> vector) =>
            throw new ArgumentException($"vector has {vector.Length} values; this index stores another dimension.", nameof(vector));
    }

    // Passes everything on, but answers every search with one hit more than asked (a broken shared index).
    private sealed class OneHitTooMany(IVectorIndex inner) : ForwardingIndex(inner)
    {
        public override SearchResults Search(ReadOnlySpan<float> queries, int k, SearchOptions? options = null) => Inner.Search(queries, k + 1, options);
    }
}
