namespace TwoTower.Cli.Tests;

[TestClass]
public sealed class LatencyBenchCommandTests
{
    [TestMethod]
    public void LatencyJson_SmallCatalogue_PercentilesOrderedAndHttpWithoutErrors()
    {
        var r = CliRunner.Run("bench", "latency", "--data", TestPaths.MovieLens100K, "--items", "2500", "--factors", "16", "--queries", "300",
            "--http", "--rate", "100", "--seconds", "1", "--json");
        Assert.AreEqual(0, r.ExitCode, r.Err);
        var j = r.Json;
        Assert.AreEqual(2500, j["items"]!.GetValue<int>());
        var p50 = j["p50_ms"]!.GetValue<double>();
        var p95 = j["p95_ms"]!.GetValue<double>();
        var p99 = j["p99_ms"]!.GetValue<double>();
        Assert.IsGreaterThan(0.0, p50);
        Assert.IsLessThanOrEqualTo(p95, p50);
        Assert.IsLessThanOrEqualTo(p99, p95);
        var http = j["http"]!.AsObject();
        Assert.AreEqual(100, http["requests"]!.GetValue<int>());
        Assert.AreEqual(0, http["errors"]!.GetValue<int>());
    }

    [TestMethod]
    public void Latency_CatalogueSmallerThanDataset_ExitCode2()
    {
        var r = CliRunner.Run("bench", "latency", "--data", TestPaths.MovieLens100K, "--items", "10", "--json");
        Assert.AreEqual(CliApp.UsageError, r.ExitCode);
        StringAssert.Contains(r.Err, "--items: The synthetic catalogue grows from the dataset's 1682 items: its size must be ≥ 1682. Actual value was 10.");
    }

    [TestMethod]
    public void Latency_ZeroQueries_ExitCode2()
    {
        var r = CliRunner.Run("bench", "latency", "--queries", "0");
        Assert.AreEqual(CliApp.UsageError, r.ExitCode);
        StringAssert.Contains(r.Err, "--queries 0: must be ≥ 1");
    }

    [DataRow("--rate", "100")]
    [DataRow("--seconds", "5")]
    [TestMethod]
    public void Latency_HttpSettingWithoutHttp_RefusedInsteadOfIgnored(string flag, string value)
    {
        // Without --http there is no HTTP load test: the setting was read by nothing and the run went on as if it had been used.
        var r = CliRunner.Run("bench", "latency", "--data", TestPaths.MovieLens100K, "--items", "2000", "--queries", "10", flag, value);
        Assert.AreEqual(CliApp.UsageError, r.ExitCode, r.Out);
        StringAssert.Contains(r.Err, $"{flag} {value}: it sets the HTTP load test, which runs only with --http");
    }
}
