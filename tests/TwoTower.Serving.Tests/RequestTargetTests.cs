using System.Net;
using System.Text;
using System.Text.Json.Nodes;

namespace TwoTower.Serving.Tests;

/// <summary>
/// Request targets that HttpClient would not send, sent byte for byte: the absolute form (GET http://host/items/a%2Fb HTTP/1.1),
/// which a server must accept (RFC 9112 §3.2.2) and proxies forward, and paths with dot segments. They must reach the same item
/// as the plain origin form (GET /items/a%2Fb).
/// </summary>
[TestClass]
public sealed class RequestTargetTests
{
    private static ServingFixture s_fixture = null!;

    [ClassInitialize]
    public static async Task Start(TestContext _)
    {
        s_fixture = await ServingFixture.StartAsync();
        foreach (var (path, title) in new[] { ("/items/sku%2F7", "Slash"), ("/items/sku%252F7", "Percent"), ("/items/caf%C3%A9", "Accent") })
        {
            var req = new HttpRequestMessage(HttpMethod.Put, path) { Content = new StringContent($"{{\"title\":\"{title}\",\"genres\":[\"Comedy\"]}}", Encoding.UTF8, "application/json") };
            req.Headers.Add("X-Api-Key", ServingFixture.ApiKey);
            Assert.AreEqual(HttpStatusCode.Created, (await s_fixture.Client.SendAsync(req)).StatusCode);
        }
    }

    [ClassCleanup]
    public static async Task Stop() => await s_fixture.DisposeAsync();

    [TestMethod]
    [DataRow("/items/sku%2F7", "Slash")]
    [DataRow("/items/sku%252F7", "Percent")]
    [DataRow("/items/caf%C3%A9", "Accent")]
    [DataRow("/items/3", "Movie 3")]
    public async Task GetItem_AbsoluteForm_SameItemAsOriginForm(string path, string title)
    {
        var server = s_fixture.Client.BaseAddress!;
        var origin = await RawHttp.SendAsync(server, "GET", path);
        var absolute = await RawHttp.SendAsync(server, "GET", $"http://{server.Authority}{path}");
        Assert.AreEqual(200, origin.Status, Encoding.UTF8.GetString(origin.Body));
        Assert.AreEqual(title, JsonNode.Parse(origin.Body)!["title"]!.GetValue<string>());
        Assert.AreEqual(200, absolute.Status, Encoding.UTF8.GetString(absolute.Body));
        Assert.AreEqual(title, JsonNode.Parse(absolute.Body)!["title"]!.GetValue<string>());
    }

    [TestMethod]
    [DataRow("/x/../items/sku%2F7")]
    [DataRow("/items/./sku%2F7")]
    [DataRow("/items/%2E/sku%2F7")]
    [DataRow("/items/other/../sku%2F7")]
    public async Task GetItem_DotSegmentsBeforeAnIdWithEscapedSlash_SameItem(string target)
    {
        // Kestrel removes dot segments from the path; the id was read from the raw target by position, so it was "." or "..".
        var answer = await RawHttp.SendAsync(s_fixture.Client.BaseAddress!, "GET", target);
        Assert.AreEqual(200, answer.Status, Encoding.UTF8.GetString(answer.Body));
        Assert.AreEqual("Slash", JsonNode.Parse(answer.Body)!["title"]!.GetValue<string>());
    }

    [TestMethod]
    public async Task Similar_AbsoluteFormWithEscapedSlashAndQuery_AnswersAsOriginForm()
    {
        var server = s_fixture.Client.BaseAddress!;
        var absolute = await RawHttp.SendAsync(server, "GET", $"http://{server.Authority}/items/sku%2F7/similar?k=3");
        Assert.AreEqual(200, absolute.Status, Encoding.UTF8.GetString(absolute.Body));
        Assert.HasCount(3, JsonNode.Parse(absolute.Body)!["items"]!.AsArray());
    }

    [TestMethod]
    public async Task AppendHistory_AbsoluteFormUserIdWithEscapedSlash_StoredUnderTheDecodedId()
    {
        var server = s_fixture.Client.BaseAddress!;
        var body = """{"items":["sku/7"]}""";
        var res = await RawHttp.SendAsync(server, "PUT", $"http://{server.Authority}/users/team%2Fb/history", body,
            "Content-Type: application/json", $"X-Api-Key: {ServingFixture.ApiKey}");
        Assert.AreEqual(200, res.Status, Encoding.UTF8.GetString(res.Body));
        Assert.AreEqual("team/b", JsonNode.Parse(res.Body)!["userId"]!.GetValue<string>());
    }
}
