using System.Net.Http.Json;
using Microsoft.Playwright;
using TwoTower.Serving.Contracts;
using static Microsoft.Playwright.Assertions;

namespace TwoTower.Serving.Tests;

/// <summary>
/// The demo page in a real browser: Microsoft.Playwright drives Debian's chromium against the live service, a user types,
/// submits and filters, and the rendered rows are checked against the service's own JSON answer.
/// </summary>
[TestClass]
public sealed class DemoPageBrowserTests
{
    // Playwright waits on selectors up to this long; a healthy run needs well under a second per step.
    private const float StepTimeoutMs = 10_000;

    private static ServingFixture? _service;
    private static IPlaywright? _playwright;
    private static IBrowser? _browser;

    private IBrowserContext? _context;

    // Playwright's own browser download cannot work here, so Debian's chromium is used (TWOTOWER_CHROMIUM overrides the path).
    private static string ChromiumPath =>
        Environment.GetEnvironmentVariable("TWOTOWER_CHROMIUM") is { Length: > 0 } path ? path : "/usr/bin/chromium";

    private static ServingFixture Service => _service ?? throw new InvalidOperationException("ClassInitialize did not run.");

    [ClassInitialize]
    public static async Task StartAsync(TestContext _)
    {
        // A missing browser fails the test (CI installs chromium): a skipped browser test would hide a broken demo page.
        if (!File.Exists(ChromiumPath))
            Assert.Fail($"Chromium not found at '{ChromiumPath}'; expected Debian's chromium (apt-get install chromium, as .ci/run does) or TWOTOWER_CHROMIUM naming a chromium binary");
        SetDefaultExpectTimeout(StepTimeoutMs); // the default 5 s is tight when another build shares the two cores
        try
        {
            // Playwright runs its driver with the node binary shipped in the package (.playwright/node in the test output).
            _playwright = await Playwright.CreateAsync();
            _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
            {
                ExecutablePath = ChromiumPath, Args = new[] { "--no-sandbox" }, Headless = true, Timeout = 60_000,
            });
        }
        catch (Exception ex) when (ex is PlaywrightException or InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            _playwright?.Dispose();
            _playwright = null;
            Assert.Fail($"Playwright could not start chromium at '{ChromiumPath}' (its driver runs the node in .playwright/node, or PLAYWRIGHT_NODEJS_PATH): {ex.Message}");
        }
        _service = await ServingFixture.StartAsync();
    }

    [ClassCleanup]
    public static async Task StopAsync()
    {
        if (_browser is not null) await _browser.DisposeAsync();
        _playwright?.Dispose();
        if (_service is not null) await _service.DisposeAsync();
    }

    [TestCleanup]
    public async Task CloseContextAsync()
    {
        if (_context is not null) await _context.DisposeAsync();
    }

    [TestMethod]
    public async Task DemoPage_UserTypedAndSubmitted_ShowsTitlesGenresAndSourcesOfTheServiceAnswer()
    {
        var page = await OpenAsync("/");
        await AskAsync(page, userId: "3", k: 5);

        await Expect(page.Locator("#status")).ToHaveTextAsync("5 items for user 3 (12 interactions)");
        await Expect(page.Locator("#status")).Not.ToHaveClassAsync("error");
        var expected = await ServiceAnswerAsync(new { userId = "3", k = 5, excludeSeen = true });
        Assert.HasCount(5, expected.Items);
        await AssertRowsShowAsync(page, expected);
        var sources = Service.Engine.Generator.SourceNames.ToHashSet(StringComparer.Ordinal);
        foreach (var item in expected.Items)
        {
            Assert.IsNotEmpty(item.Sources, $"item {item.ItemId} has no source");
            foreach (var s in item.Sources) Assert.Contains(s, sources);
        }
    }

    [TestMethod]
    public async Task DemoPage_GenreFilterChosen_EveryShownItemHasThatGenre()
    {
        var page = await OpenAsync("/");
        await AskAsync(page, userId: "3", k: 5);
        await Expect(page.Locator("#status")).ToHaveTextAsync("5 items for user 3 (12 interactions)");
        // Without the filter some shown item is not a drama, so the filtered answer below is a real change.
        Assert.IsGreaterThan(0, await page.Locator("#results tbody tr").Filter(new() { HasNot = page.GetByText("Drama") }).CountAsync());

        await page.SelectOptionAsync("#include", "Drama");
        await page.ClickAsync("#go");

        await Expect(page.Locator("#status")).ToHaveTextAsync("5 items for user 3 (12 interactions) · only Drama");
        var expected = await ServiceAnswerAsync(new { userId = "3", k = 5, excludeSeen = true, filters = new { includeGenres = new[] { "Drama" } } });
        await AssertRowsShowAsync(page, expected);
        foreach (var id in await RowItemIdsAsync(page))
        {
            var genres = Service.Engine.Catalog.GetLive(id)?.Record.Genres ?? throw new AssertFailedException($"row item {id} is not in the catalogue");
            CollectionAssert.Contains(genres.ToArray(), "Drama", $"item {id}");
        }
    }

    [TestMethod]
    public async Task DemoPage_KAboveServiceLimit_ShowsServerMessageAndHidesTable()
    {
        var page = await OpenAsync("/");
        await AskAsync(page, userId: "3", k: 5);
        await Expect(page.Locator("#results")).ToBeVisibleAsync();

        // 60 passes the form's own max (200) but not the service's MaxK (50): the message comes from the server.
        await AskAsync(page, userId: "3", k: 60);

        await Expect(page.Locator("#status")).ToHaveTextAsync("Error: k = 60 must be in [1, 50].");
        await Expect(page.Locator("#status")).ToHaveClassAsync("error");
        await Expect(page.Locator("#results")).ToBeHiddenAsync();
    }

    [TestMethod]
    public async Task DemoPage_LinkWithUserAndGenre_OpensWithTheFilteredAnswer()
    {
        var page = await OpenAsync("/?userId=3&k=5&include=Drama");

        await Expect(page.Locator("#status")).ToHaveTextAsync("5 items for user 3 (12 interactions) · only Drama");
        await Expect(page.Locator("#include")).ToHaveValueAsync("Drama");
        var expected = await ServiceAnswerAsync(new { userId = "3", k = 5, excludeSeen = true, filters = new { includeGenres = new[] { "Drama" } } });
        await AssertRowsShowAsync(page, expected);
    }

    // A fresh context per test (no shared cookies or cache); the page is ready once /genres has filled the genre lists.
    private async Task<IPage> OpenAsync(string path)
    {
        _context = await _browser!.NewContextAsync(new BrowserNewContextOptions { BaseURL = Service.Client.BaseAddress!.ToString() });
        _context.SetDefaultTimeout(StepTimeoutMs);
        var page = await _context.NewPageAsync();
        var response = await page.GotoAsync(path);
        Assert.AreEqual(200, response?.Status, $"GET {path}");
        await Expect(page.Locator("#include option")).ToHaveCountAsync(1 + ServingFixture.Genres.Length);
        return page;
    }

    private static async Task AskAsync(IPage page, string userId, int k)
    {
        await page.FillAsync("#userId", userId);
        await page.FillAsync("#k", k.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await page.ClickAsync("#go");
    }

    private static async Task<RecommendResponse> ServiceAnswerAsync(object body)
    {
        using var response = await Service.Client.PostAsJsonAsync("/recommend", body);
        Assert.IsTrue(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        return await response.Content.ReadFromJsonAsync<RecommendResponse>() ?? throw new AssertFailedException("null answer");
    }

    private static async Task<string[]> RowItemIdsAsync(IPage page)
    {
        var rows = page.Locator("#results tbody tr");
        var ids = new string[await rows.CountAsync()];
        for (var i = 0; i < ids.Length; i++) ids[i] = await rows.Nth(i).GetAttributeAsync("data-item-id") ?? "";
        return ids;
    }

    // Each row shows the item's title, its genres and one badge per source, in the service's order.
    private static async Task AssertRowsShowAsync(IPage page, RecommendResponse expected)
    {
        var rows = page.Locator("#results tbody tr");
        await Expect(rows).ToHaveCountAsync(expected.Items.Count);
        CollectionAssert.AreEqual(expected.Items.Select(i => i.ItemId).ToArray(), await RowItemIdsAsync(page));
        for (var i = 0; i < expected.Items.Count; i++)
        {
            var item = expected.Items[i];
            var cells = rows.Nth(i).Locator("td");
            await Expect(cells.Nth(1)).ToHaveTextAsync(item.Title ?? item.ItemId);
            await Expect(cells.Nth(2)).ToHaveTextAsync(string.Join(", ", item.Genres));
            var badges = cells.Nth(3).Locator("span.src");
            await Expect(badges).ToHaveTextAsync(item.Sources.ToArray());
            for (var b = 0; b < item.Sources.Count; b++)
                await Expect(badges.Nth(b)).ToHaveClassAsync($"src {item.Sources[b]}");
        }
    }
}
