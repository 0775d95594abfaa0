namespace TwoTower.Serving.Tests;

/// <summary>HEAD on the read-only endpoints: load balancers and uptime checks probe with it.</summary>
[TestClass]
public sealed class HeadRequestTests
{
    private static ServingFixture s_fixture = null!;

    [ClassInitialize]
    public static async Task Start(TestContext _) => s_fixture = await ServingFixture.StartAsync();

    [ClassCleanup]
    public static async Task Stop() => await s_fixture.DisposeAsync();

    [TestMethod]
    [DataRow("/health")]
    [DataRow("/metrics")]
    [DataRow("/genres")]
    [DataRow("/items/3")]
    [DataRow("/items/3/similar?k=2")]
    [DataRow("/")]
    public async Task Head_ReadOnlyEndpoint_AnsweredAsGetWithoutBody(string target)
    {
        // Every one of them answered 405 with a problem document.
        var get = await RawHttp.SendAsync(s_fixture.Client.BaseAddress!, "GET", target);
        var head = await RawHttp.SendAsync(s_fixture.Client.BaseAddress!, "HEAD", target);
        Assert.AreEqual(200, get.Status);
        Assert.IsNotEmpty(get.Body);
        Assert.AreEqual(200, head.Status);
        Assert.AreEqual(get.Header("Content-Type"), head.Header("Content-Type"));
        Assert.IsEmpty(head.Body);
    }

    [TestMethod]
    public async Task Head_UnknownItem_404WithoutBody()
    {
        var head = await RawHttp.SendAsync(s_fixture.Client.BaseAddress!, "HEAD", "/items/zzz");
        Assert.AreEqual(404, head.Status);
        Assert.AreEqual("application/problem+json", head.Header("Content-Type"));
        Assert.IsEmpty(head.Body);
    }

    [TestMethod]
    public async Task OpenApi_HeadRoutes_NotListedAsOperations()
    {
        // HEAD answers as GET does: the document lists the GET once, not a second operation of the same name.
        var doc = System.Text.Json.Nodes.JsonNode.Parse(await s_fixture.Client.GetStringAsync("/openapi/v1.json"))!;
        var methods = doc["paths"]!.AsObject().SelectMany(p => p.Value!.AsObject().Select(m => m.Key)).ToArray();
        Assert.DoesNotContain("head", methods);
    }
}
