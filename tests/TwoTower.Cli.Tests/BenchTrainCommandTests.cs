namespace TwoTower.Cli.Tests;

[TestClass]
public sealed class BenchTrainCommandTests
{
    [TestMethod]
    public void BenchTrain_QuickJson_LastLineHasPositiveExamplesPerSecond()
    {
        var r = CliRunner.Run("bench", "train", "--quick", "--json", "--train", TestPaths.Split("p1", "train"), "--items", TestPaths.MovieLens100K);
        Assert.AreEqual(0, r.ExitCode, r.Err);
        var json = r.Json;
        Assert.AreEqual("train", json["benchmark"]!.GetValue<string>());
        Assert.IsGreaterThan(0.0, json["examples_per_s"]!.GetValue<double>());
        Assert.IsGreaterThan(0.0, json["examples_per_cpu_s"]!.GetValue<double>());
        Assert.AreEqual(1, json["epochs"]!.GetValue<int>());
        Assert.AreEqual(1024, json["batch"]!.GetValue<int>());
        // --quick keeps the first 8192 rows of the split.
        Assert.AreEqual(8192, json["examples"]!.GetValue<int>());
        Assert.IsTrue(json["quick"]!.GetValue<bool>());
        AssertEnvironment(json, threads: json["threads"]!.GetValue<int>());
    }

    /// <summary>Every benchmark names the date, the commit, the CPU and the threads of its figures (DESIGN §7).</summary>
    internal static void AssertEnvironment(System.Text.Json.Nodes.JsonNode json, int threads)
    {
        Assert.IsTrue(DateTime.TryParse(json["date"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AdjustToUniversal, out var date));
        Assert.IsLessThan(1.0, Math.Abs((DateTime.UtcNow - date).TotalDays));
        // Built from this checkout: the SDK records its commit.
        var head = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("git", "rev-parse --short=7 HEAD") { RedirectStandardOutput = true, WorkingDirectory = TestPaths.RepositoryRoot })!;
        var commit = head.StandardOutput.ReadToEnd().Trim();
        head.WaitForExit();
        Assert.AreEqual(commit, json["commit"]!.GetValue<string>());
        Assert.IsFalse(string.IsNullOrWhiteSpace(json["cpu"]!.GetValue<string>()));
        Assert.AreEqual(Environment.ProcessorCount, json["cores"]!.GetValue<int>());
        Assert.AreEqual(threads, json["threads"]!.GetValue<int>());
    }

    [TestMethod]
    public void BenchTrain_Table_ShowsExamplesPerSecond()
    {
        var r = CliRunner.Run("bench", "train", "--quick", "--batch-size", "512", "--threads", "1", "--train", TestPaths.Split("p1", "train"), "--items", TestPaths.MovieLens100K);
        Assert.AreEqual(0, r.ExitCode, r.Err);
        StringAssert.Contains(r.Out, "examples/s (median epoch)");
        StringAssert.Contains(r.Out, "1 · 1 · 512");
    }

    [TestMethod]
    public void BenchTrain_ZeroEpochs_ExitsWithUsageErrorNamingOption()
    {
        var r = CliRunner.Run("bench", "train", "--epochs", "0", "--train", TestPaths.Split("p1", "train"));
        Assert.AreEqual(2, r.ExitCode);
        StringAssert.Contains(r.Err, "--epochs 0: expected ≥ 1");
    }

    [TestMethod]
    public void BenchTrain_TrainFileWithoutItems_UsageErrorNamingItems()
    {
        // Without titles and genres the item tower is ids only: another model than the peer's, which the figure would not say.
        var r = CliRunner.Run("bench", "train", "--quick", "--json", "--train", TestPaths.Split("p1", "train"));
        Assert.AreEqual(2, r.ExitCode, r.Out);
        StringAssert.Contains(r.Err, "--items");
        StringAssert.Contains(r.Err, "no item metadata");
    }

    [TestMethod]
    public void Bench_UnknownSubcommand_ExitsNonZero()
    {
        var r = CliRunner.Run("bench", "no-such-benchmark");
        Assert.AreNotEqual(0, r.ExitCode);
    }
}
