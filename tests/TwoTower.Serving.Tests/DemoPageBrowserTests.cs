using System.Diagnostics;
using System.Text.RegularExpressions;

namespace TwoTower.Serving.Tests;

/// <summary>The demo page in a real browser: Debian's headless chromium runs its script against the live service and the rendered DOM is checked.</summary>
[TestClass]
public sealed class DemoPageBrowserTests
{
    private const string Chromium = "/usr/bin/chromium";

    private static string DumpDom(Uri url)
    {
        var psi = new ProcessStartInfo(Chromium)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in new[] { "--headless", "--no-sandbox", "--disable-gpu", "--virtual-time-budget=5000", "--dump-dom", url.ToString() }) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        _ = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(TimeSpan.FromSeconds(60)))
        {
            p.Kill(entireProcessTree: true);
            Assert.Fail("chromium did not finish within 60 s.");
        }
        return stdout.Result;
    }

    [TestMethod]
    public async Task DemoPage_UserAndGenreInLink_RendersRecommendationsWithSources()
    {
        if (!File.Exists(Chromium)) Assert.Inconclusive($"{Chromium} is not installed (apt-get install chromium).");
        await using var f = await ServingFixture.StartAsync();
        var dom = DumpDom(new Uri(f.Client.BaseAddress!, "/?userId=3&k=5&include=Drama"));
        var rows = Regex.Matches(dom, "<tr data-item-id=\"(\\d+)\">");
        Assert.HasCount(5, rows, dom);
        StringAssert.Contains(dom, "5 items for user 3 (12 interactions)");
        foreach (Match row in rows)
        {
            var item = f.Engine.Catalog.GetLive(row.Groups[1].Value)!;
            CollectionAssert.Contains(item.Record.Genres.ToArray(), "Drama");
        }
        StringAssert.Contains(dom, "<span class=\"src mf\">mf</span>");
        StringAssert.Contains(dom, "<option value=\"Comedy\">Comedy</option>"); // genres loaded from /genres
    }

    [TestMethod]
    public async Task DemoPage_BadKInLink_ShowsServerMessage()
    {
        if (!File.Exists(Chromium)) Assert.Inconclusive($"{Chromium} is not installed (apt-get install chromium).");
        await using var f = await ServingFixture.StartAsync();
        var dom = DumpDom(new Uri(f.Client.BaseAddress!, "/?userId=3&k=0"));
        StringAssert.Contains(dom, "Error: k = 0 must be in [1, 50].");
    }
}
