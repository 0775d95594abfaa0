using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;

namespace TwoTower.Serving.Tests;

[TestClass]
public sealed class RecommendEndpointTests
{
    private static ServingFixture s_fixture = null!;

    [ClassInitialize]
    public static async Task Start(TestContext _) => s_fixture = await ServingFixture.StartAsync();

    [ClassCleanup]
    public static async Task Stop() => await s_fixture.DisposeAsync();

    private static Task<HttpResponseMessage> Post(string json) =>
        s_fixture.Client.PostAsync("/recommend", new StringContent(json, Encoding.UTF8, "application/json"));

    private static async Task<JsonObject> Problem(HttpResponseMessage res, HttpStatusCode expected)
    {
        Assert.AreEqual(expected, res.StatusCode);
        Assert.AreEqual("application/problem+json", res.Content.Headers.ContentType?.MediaType);
        var text = await res.Content.ReadAsStringAsync();
        Assert.DoesNotContain("   at ", text, "no stack trace may reach a client");
        return JsonNode.Parse(text)!.AsObject();
    }

    [TestMethod]
    public async Task Recommend_KnownUser_ItemsWithTitlesAndSources()
    {
        var res = await Post("""{"userId":"3","k":5}""");
        Assert.AreEqual(HttpStatusCode.OK, res.StatusCode);
        var body = (await res.Content.ReadFromJsonAsync<JsonObject>())!;
        var items = body["items"]!.AsArray();
        Assert.HasCount(5, items);
        Assert.IsTrue(body["knownUser"]!.GetValue<bool>());
        foreach (var it in items)
        {
            StringAssert.StartsWith(it!["title"]!.GetValue<string>(), "Movie ");
            Assert.IsNotEmpty(it["sources"]!.AsArray());
        }
        var seen = s_fixture.Engine.Histories.History("3").Select(k => s_fixture.Engine.Catalog.Get(k)!.Record.Id).ToHashSet();
        Assert.IsTrue(items.All(i => !seen.Contains(i!["itemId"]!.GetValue<string>())));
    }

    [TestMethod]
    public async Task Recommend_UnknownUser_ColdStartAnswerNot500()
    {
        var res = await Post("""{"userId":"stranger","k":4,"user":{"age":30,"occupation":"writer"}}""");
        Assert.AreEqual(HttpStatusCode.OK, res.StatusCode);
        var body = (await res.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.IsFalse(body["knownUser"]!.GetValue<bool>());
        Assert.IsTrue(body["coldStart"]!.GetValue<bool>());
        var expected = s_fixture.Engine.Popularity.Overall.Order.Take(4).Select(k => (k + 1).ToString()).ToArray();
        CollectionAssert.AreEqual(expected, body["items"]!.AsArray().Select(i => i!["itemId"]!.GetValue<string>()).ToArray());
    }

    [TestMethod]
    public async Task Recommend_GenreFilter_OnlyThatGenre()
    {
        var res = await Post("""{"userId":"2","k":6,"filters":{"includeGenres":["Drama"],"releasedAfter":"1990-06-01"}}""");
        Assert.AreEqual(HttpStatusCode.OK, res.StatusCode);
        var items = (await res.Content.ReadFromJsonAsync<JsonObject>())!["items"]!.AsArray();
        Assert.IsNotEmpty(items);
        Assert.IsTrue(items.All(i => i!["genres"]!.AsArray().Any(g => g!.GetValue<string>() == "Drama")));
    }

    [TestMethod]
    public async Task Recommend_MinInteractions_AppliedAndAZeroMinimumIs400()
    {
        var res = await Post("""{"userId":"2","k":6,"filters":{"minInteractions":2}}""");
        Assert.AreEqual(HttpStatusCode.OK, res.StatusCode);
        Assert.IsNotEmpty((await res.Content.ReadFromJsonAsync<JsonObject>())!["items"]!.AsArray());
        var p = await Problem(await Post("""{"userId":"2","filters":{"minInteractions":0}}"""), HttpStatusCode.BadRequest);
        StringAssert.Contains(p["detail"]!.GetValue<string>(), "filters.minInteractions = 0 must be ≥ 1");
    }

    [TestMethod]
    public async Task Recommend_MalformedJson_400WithParserMessage()
    {
        var p = await Problem(await Post("""{"userId": "1", "k": }"""), HttpStatusCode.BadRequest);
        StringAssert.Contains(p["detail"]!.GetValue<string>(), "Malformed JSON body");
        StringAssert.Contains(p["detail"]!.GetValue<string>(), "$.k");
    }

    [TestMethod]
    [DataRow(0)]
    [DataRow(-3)]
    public async Task Recommend_MinInteractionsBelowOne_400NamingTheValueOnce(int minimum)
    {
        // The rule's ArgumentOutOfRangeException added " Actual value was 0." to a message that already named the value.
        var p = await Problem(await Post("{\"userId\":\"2\",\"filters\":{\"minInteractions\":" + minimum + "}}"), HttpStatusCode.BadRequest);
        Assert.AreEqual($"filters.minInteractions = {minimum} must be ≥ 1.", p["detail"]!.GetValue<string>());
    }

    [TestMethod]
    [DataRow("")]
    [DataRow(" \r\n\t ")]
    public async Task Recommend_EmptyBody_400SaysTheBodyIsEmpty(string body)
    {
        // The parser's own words reached the client: "The input does not contain any JSON tokens. Expected the input to
        // start with a valid JSON token, when isFinalBlock is true."
        var p = await Problem(await Post(body), HttpStatusCode.BadRequest);
        Assert.AreEqual("Malformed JSON body: the body is empty; send a JSON object.", p["detail"]!.GetValue<string>());
    }

    [TestMethod]
    public async Task Recommend_KOutOfRange_400NamingLimit()
    {
        var p = await Problem(await Post("""{"userId":"1","k":0}"""), HttpStatusCode.BadRequest);
        Assert.AreEqual("k = 0 must be in [1, 50].", p["detail"]!.GetValue<string>());
        p = await Problem(await Post("""{"userId":"1","k":51}"""), HttpStatusCode.BadRequest);
        Assert.AreEqual("k = 51 must be in [1, 50].", p["detail"]!.GetValue<string>());
    }

    [TestMethod]
    public async Task Recommend_UnknownGenre_400ListingGenres()
    {
        var p = await Problem(await Post("""{"userId":"1","filters":{"excludeGenres":["Horror"]}}"""), HttpStatusCode.BadRequest);
        StringAssert.Contains(p["detail"]!.GetValue<string>(), "Unknown genre 'Horror'; known genres: Action, Comedy, Drama");
    }

    [TestMethod]
    public async Task Recommend_UnknownProperty_400NamingIt()
    {
        var p = await Problem(await Post("""{"userId":"1","kk":3}"""), HttpStatusCode.BadRequest);
        StringAssert.Contains(p["detail"]!.GetValue<string>(), "kk");
    }

    [TestMethod]
    public async Task Recommend_WrongType_400()
    {
        var p = await Problem(await Post("""{"userId":"1","k":"ten"}"""), HttpStatusCode.BadRequest);
        StringAssert.Contains(p["detail"]!.GetValue<string>(), "$.k");
    }

    [TestMethod]
    public async Task Recommend_BodyOverLimit_413()
    {
        var big = "{\"userId\":\"1\",\"history\":[" + string.Join(",", Enumerable.Repeat("\"1\"", 2000)) + "]}";
        var res = await Post(big);
        await Problem(res, HttpStatusCode.RequestEntityTooLarge);
    }

    [TestMethod]
    public async Task Recommend_NotJson_415()
    {
        var res = await s_fixture.Client.PostAsync("/recommend", new StringContent("userId=1", Encoding.UTF8, "text/plain"));
        var p = await Problem(res, HttpStatusCode.UnsupportedMediaType);
        // The route's Accepts metadata makes routing refuse other content types before the handler runs.
        Assert.AreEqual("Unsupported Media Type", p["title"]!.GetValue<string>());
        Assert.AreEqual("Content-Type 'text/plain; charset=utf-8' is not supported; send application/json.", p["detail"]!.GetValue<string>());
    }

    [TestMethod]
    public async Task Recommend_BindingErrors_SayItInJsonTermsWithoutDotNetTypeNames()
    {
        foreach (var (body, detail) in new[]
        {
            ("""{"userId":"1","filters":{"releasedAfter":"yesterday"}}""", "Malformed JSON body at $.filters.releasedAfter: expected a date (\"yyyy-MM-dd\")."),
            ("""{"userId":"1","filters":{"foo":1}}""", "Malformed JSON body at $.filters.foo: unknown property 'foo'."),
            ("""{"userId":"1","userId":"2"}""", "Malformed JSON body at $.userId: a property appears twice."),
            ("""[]""", "Malformed JSON body: expected an object."),
            ("""{"userId":"1","k":"ten"}""", "Malformed JSON body at $.k: expected an integer."),
        })
        {
            var p = await Problem(await Post(body), HttpStatusCode.BadRequest);
            Assert.AreEqual(detail, p["detail"]!.GetValue<string>(), body);
        }
        var q = await Problem(await s_fixture.Client.GetAsync("/items/5/similar?k=abc"), HttpStatusCode.BadRequest);
        StringAssert.Contains(q["detail"]!.GetValue<string>(), "could not be read (e.g. k must be one integer)");
        // A repeated k was answered "k must be an integer" of two integers.
        q = await Problem(await s_fixture.Client.GetAsync("/items/5/similar?k=3&k=4"), HttpStatusCode.BadRequest);
        StringAssert.Contains(q["detail"]!.GetValue<string>(), "could not be read (e.g. k must be one integer)");
    }

    [TestMethod]
    public async Task Recommend_StringThatIsNotUnicode_400SaysSoNotThatAStringIsExpected()
    {
        // Both said "expected a string" of a value that is a string.
        var latin1 = new ByteArrayContent([.. Encoding.ASCII.GetBytes("{\"userId\":\""), 0xE9, .. Encoding.ASCII.GetBytes("1\",\"k\":2}")]);
        latin1.Headers.ContentType = new("application/json");
        foreach (var res in new[] { await s_fixture.Client.PostAsync("/recommend", latin1), await Post("{\"userId\":\"\\ud800\",\"k\":2}") })
        {
            var p = await Problem(res, HttpStatusCode.BadRequest);
            StringAssert.StartsWith(p["detail"]!.GetValue<string>(), "Malformed JSON body at $.userId: the string is not valid Unicode");
        }
    }

    [TestMethod]
    public async Task Recommend_BoostsSummingPastTheFloatRange_400()
    {
        var p = await Problem(await Post("""{"userId":"1","filters":{"boosts":{"Comedy":3e38,"Drama":3e38}}}"""), HttpStatusCode.BadRequest);
        StringAssert.Contains(p["detail"]!.GetValue<string>(), "filters.boosts add up beyond the float range");
    }

    [TestMethod]
    public async Task Recommend_KPastTheSourceQuotas_FilledWhenEnoughItemsQualify()
    {
        // The default plan asks popularity for 20: a new user with k = 25 still gets 25 of the 30 items.
        var body = (await (await Post("""{"userId":"nobody","k":25}""")).Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.HasCount(25, body["items"]!.AsArray());
    }

    [TestMethod]
    public async Task Recommend_UnknownHistoryItem_400()
    {
        var p = await Problem(await Post("""{"history":["nope"]}"""), HttpStatusCode.BadRequest);
        StringAssert.Contains(p["detail"]!.GetValue<string>(), "history item 'nope' is not in the catalogue");
    }

    [TestMethod]
    public async Task Similar_KnownItem_OtherItems()
    {
        var res = await s_fixture.Client.GetAsync("/items/4/similar?k=3");
        Assert.AreEqual(HttpStatusCode.OK, res.StatusCode);
        var items = (await res.Content.ReadFromJsonAsync<JsonObject>())!["items"]!.AsArray();
        Assert.HasCount(3, items);
        Assert.IsTrue(items.All(i => i!["itemId"]!.GetValue<string>() != "4"));
    }

    [TestMethod]
    public async Task Similar_UnknownItem_404()
    {
        var p = await Problem(await s_fixture.Client.GetAsync("/items/zzz/similar"), HttpStatusCode.NotFound);
        StringAssert.Contains(p["detail"]!.GetValue<string>(), "Unknown item id 'zzz'");
    }

    [TestMethod]
    public async Task Health_Running_OkWithCounts()
    {
        var h = (await s_fixture.Client.GetFromJsonAsync<JsonObject>("/health"))!;
        Assert.AreEqual("ok", h["status"]!.GetValue<string>());
        Assert.AreEqual(30, h["items"]!.GetValue<int>());
        Assert.AreEqual("ials", h["model"]!.GetValue<string>());
        Assert.AreEqual("mean_of_items", h["newUsers"]!.GetValue<string>(), "how unknown users with a history get a vector");
    }

    [TestMethod]
    public async Task Metrics_AfterRecommend_PrometheusCountersAndHistogram()
    {
        await Post("""{"userId":"1","k":2}""");
        var res = await s_fixture.Client.GetAsync("/metrics");
        Assert.AreEqual("text/plain", res.Content.Headers.ContentType?.MediaType);
        var text = await res.Content.ReadAsStringAsync();
        StringAssert.Contains(text, "# TYPE twotower_http_requests_total counter");
        StringAssert.Contains(text, "twotower_http_requests_total{route=\"/recommend\",method=\"POST\",status=\"200\"}");
        StringAssert.Contains(text, "twotower_http_request_duration_seconds_bucket{route=\"/recommend\",le=\"+Inf\"}");
        StringAssert.Contains(text, "twotower_items_live 30");
        StringAssert.Contains(text, "twotower_index_compaction_failures 0");
    }

    [TestMethod]
    public async Task Metrics_MethodsOtherThanTheStandardOnes_OneSeries()
    {
        // Each method a client invented was a series of its own: 200 requests with made-up methods added 200 series.
        foreach (var method in new[] { "BREW1", "BREW2", "get" })
            using (await s_fixture.Client.SendAsync(new HttpRequestMessage(new HttpMethod(method), "/recommend"))) { }
        var text = await s_fixture.Client.GetStringAsync("/metrics");
        Assert.DoesNotContain("BREW", text);
        Assert.DoesNotContain("method=\"get\"", text);
        StringAssert.Contains(text, "twotower_http_requests_total{route=\"unmatched\",method=\"other\",status=\"405\"}");
    }

    [TestMethod]
    public async Task Metrics_ErrorAnswers_CountedWithTheStatusTheClientGot()
    {
        static int Count(string text, string status) =>
            text.Split('\n').Where(l => l.StartsWith($"twotower_http_requests_total{{route=\"/recommend\",method=\"POST\",status=\"{status}\"}}", StringComparison.Ordinal))
                .Select(l => int.Parse(l.Split(' ')[^1], System.Globalization.CultureInfo.InvariantCulture)).SingleOrDefault();
        var before = await s_fixture.Client.GetStringAsync("/metrics");
        await Problem(await Post("""{"userId":"1","k":0}"""), HttpStatusCode.BadRequest);
        var after = await s_fixture.Client.GetStringAsync("/metrics");
        Assert.AreEqual(Count(before, "400") + 1, Count(after, "400"));
        Assert.AreEqual(Count(before, "200"), Count(after, "200"), "a 400 is not a 200");
    }

    [TestMethod]
    public async Task Metrics_ClientResetMidBody_NeitherSuccessNorServerError()
    {
        // A client that reset the connection before its body was complete was counted as a 500 (and its reset logged as an
        // unhandled error with a stack trace: anyone could fill the log), or, when the abort was seen first, as a 200.
        static long Sum(string text, Func<string, bool> status) =>
            text.Split('\n').Where(l => l.StartsWith("twotower_http_requests_total{route=\"/recommend\",method=\"POST\",status=\"", StringComparison.Ordinal))
                .Where(l => status(l.Split("status=\"")[1].Split('"')[0]))
                .Sum(l => long.Parse(l.Split(' ')[^1], System.Globalization.CultureInfo.InvariantCulture));
        var before = await s_fixture.Client.GetStringAsync("/metrics");
        const int Aborted = 30;
        var address = s_fixture.Client.BaseAddress!;
        for (var i = 0; i < Aborted; i++)
        {
            using var socket = new System.Net.Sockets.TcpClient();
            await socket.ConnectAsync(address.Host, address.Port);
            var stream = socket.GetStream();
            await stream.WriteAsync(Encoding.ASCII.GetBytes($"POST /recommend HTTP/1.1\r\nHost: {address.Authority}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{{\"userId\":"));
            await stream.FlushAsync();
            await Task.Delay(50);
            socket.Client.LingerState = new System.Net.Sockets.LingerOption(true, 0); // close with a reset
        }
        var after = before;
        for (var wait = 0; wait < 100 && Sum(after, _ => true) < Sum(before, _ => true) + Aborted; wait++)
        {
            await Task.Delay(50);
            after = await s_fixture.Client.GetStringAsync("/metrics");
        }
        Assert.AreEqual(Sum(before, _ => true) + Aborted, Sum(after, _ => true), "each aborted request is counted once");
        Assert.AreEqual(Sum(before, st => st == "200"), Sum(after, st => st == "200"), "a request whose client left is no success:\n" + after);
        Assert.AreEqual(Sum(before, st => st == "500"), Sum(after, st => st == "500"), "a client that left is no server error:\n" + after);
        // Whether the server sees the reset or the cut body first varies: either is a 499 (client closed request) or a 400.
        Assert.AreEqual(Sum(before, st => st is "499" or "400") + Aborted, Sum(after, st => st is "499" or "400"), "counted as 499 or 400:\n" + after);
    }

    [TestMethod]
    public async Task OpenApi_Document_ListsEndpoints()
    {
        var doc = (await s_fixture.Client.GetFromJsonAsync<JsonObject>("/openapi/v1.json"))!;
        var paths = doc["paths"]!.AsObject();
        foreach (var p in new[] { "/recommend", "/items/{id}/similar", "/items/{id}", "/health", "/metrics", "/users/{id}/history" })
            Assert.IsTrue(paths.ContainsKey(p), p);
        Assert.IsNotNull(paths["/recommend"]!["post"]!["requestBody"]);
    }

    [TestMethod]
    public async Task OpenApi_NumberFields_AreNumbersOnlyAsTheServiceReadsThem()
    {
        // The document described k, minInteractions, boosts and vector values as "integer or string" (the framework's
        // default reading), while the service refuses {"k":"5"} with a 400: a client generated from it would send strings.
        var doc = (await s_fixture.Client.GetFromJsonAsync<JsonObject>("/openapi/v1.json"))!;
        var both = new List<string>();
        void Walk(JsonNode? node, string path)
        {
            switch (node)
            {
                case JsonObject o:
                    if (o["type"] is JsonArray types)
                    {
                        var names = types.Select(t => t!.GetValue<string>()).ToArray();
                        if (names.Contains("string") && (names.Contains("integer") || names.Contains("number"))) both.Add(path);
                    }
                    foreach (var (key, child) in o) Walk(child, $"{path}.{key}");
                    break;
                case JsonArray a:
                    for (var i = 0; i < a.Count; i++) Walk(a[i], $"{path}[{i}]");
                    break;
            }
        }
        Walk(doc, "$");
        Assert.IsEmpty(both, "schemas that allow numbers as strings: " + string.Join(", ", both));
        Assert.AreEqual("integer", doc["components"]!["schemas"]!["RecommendBody"]!["properties"]!["k"]!["type"]!.GetValue<string>());
        await Problem(await Post("""{"userId":"1","k":"5"}"""), HttpStatusCode.BadRequest);
    }

    [TestMethod]
    public async Task OpenApi_Responses_DeclareEveryStatusTheEndpointsAnswerWith()
    {
        // The document left out answers the endpoints give: 403 of writes when no key is configured, 400 of an over-long
        // item id on GET, 409 of a PUT the engine cannot embed, 413 and 415 of bodies.
        var expected = new (string Path, string Method, int[] Statuses)[]
        {
            ("/recommend", "post", [200, 400, 413, 415]),
            ("/items/{id}", "get", [200, 400, 404]),
            ("/items/{id}", "put", [200, 201, 400, 401, 403, 409, 413, 415]),
            ("/items/{id}", "delete", [204, 400, 401, 403, 404]),
            ("/items/{id}/similar", "get", [200, 400, 404, 409]),
            ("/users/{id}/history", "put", [200, 400, 401, 403, 413, 415]),
        };
        var doc = (await s_fixture.Client.GetFromJsonAsync<JsonObject>("/openapi/v1.json"))!;
        var missing = new List<string>();
        foreach (var (path, method, statuses) in expected)
        {
            var declared = doc["paths"]![path]![method]!["responses"]!.AsObject().Select(kv => kv.Key).ToHashSet();
            missing.AddRange(statuses.Where(st => !declared.Contains(st.ToString(System.Globalization.CultureInfo.InvariantCulture))).Select(st => $"{method.ToUpperInvariant()} {path} {st}"));
        }
        Assert.IsEmpty(missing, "undeclared: " + string.Join(", ", missing));
        // Two of them, as a client meets them.
        var longId = new string('x', 200);
        await Problem(await s_fixture.Client.GetAsync($"/items/{longId}"), HttpStatusCode.BadRequest);
        await Problem(await s_fixture.Client.PostAsync("/recommend", new StringContent("userId=1", Encoding.UTF8, "text/plain")), HttpStatusCode.UnsupportedMediaType);
    }

    [TestMethod]
    public async Task DemoPage_Root_Html()
    {
        var res = await s_fixture.Client.GetAsync("/");
        Assert.AreEqual("text/html", res.Content.Headers.ContentType?.MediaType);
        StringAssert.Contains(await res.Content.ReadAsStringAsync(), "<h1>TwoTower recommender</h1>");
    }

    [TestMethod]
    [DataRow("/openapi/v2.json")]
    [DataRow("/openapi/V2.JSON")]
    [DataRow("/openapi/v1.yaml")]
    [DataRow("/openapi/")]
    public async Task OpenApi_UnknownDocument_404ProblemLikeOtherUnknownRoutes(string path)
    {
        // The OpenAPI endpoint answered an unknown document name with its own text/plain 404, not the problem document.
        var p = await Problem(await s_fixture.Client.GetAsync(path), HttpStatusCode.NotFound);
        Assert.AreEqual($"No endpoint at GET {path}; see /openapi/v1.json.", p["detail"]!.GetValue<string>());
    }

    [TestMethod]
    public async Task OpenApi_DocumentNameInAnyCase_Served()
    {
        var res = await s_fixture.Client.GetAsync("/OpenAPI/V1.json");
        Assert.AreEqual(HttpStatusCode.OK, res.StatusCode);
        StringAssert.Contains(await res.Content.ReadAsStringAsync(), "\"/recommend\"");
    }

    [TestMethod]
    public async Task UnknownRoute_404Problem()
    {
        await Problem(await s_fixture.Client.GetAsync("/nothing-here"), HttpStatusCode.NotFound);
    }
}
