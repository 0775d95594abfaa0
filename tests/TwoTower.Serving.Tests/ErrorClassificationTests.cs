using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using TwoTower.MLNet.Index;
using TwoTower.MLNet.Retrieval.Candidates;
using TwoTower.MLNet.Tests.Retrieval;

namespace TwoTower.Serving.Tests;

/// <summary>Which engine errors are the request's (409, not logged) and which are the service's own (500, logged).</summary>
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

    private static async Task<string> Detail(HttpResponseMessage res) =>
        JsonNode.Parse(await res.Content.ReadAsStringAsync())!["detail"]!.GetValue<string>();

    // Passes everything on, but answers every search with one hit more than asked (a broken shared index).
    private sealed class OneHitTooMany(IVectorIndex inner) : ForwardingIndex(inner)
    {
        public override SearchResults Search(ReadOnlySpan<float> queries, int k, SearchOptions? options = null) => Inner.Search(queries, k + 1, options);
    }
}
