namespace TwoTower.Cli.Tests;

/// <summary>How commands report what the data loaders refuse or skip.</summary>
[TestClass]
public sealed class DataLoadingCommandTests
{
    [TestMethod]
    public void Split_TemporalOnTiedTimestamps_RefusedSayingWhy()
    {
        // 20 rows at one timestamp: the cut put all of them in test and exited 0 with an empty train.csv.
        var dir = TestPaths.TempDir();
        var csv = Path.Combine(dir, "tied.csv");
        File.WriteAllLines(csv, ["user_id,item_id,rating,timestamp", .. Enumerable.Range(1, 20).Select(i => $"u{i},i{i},1,1000")]);
        var r = CliRunner.Run("split", "--data", csv, "--protocol", "temporal", "--out", Path.Combine(dir, "out"));
        Assert.AreEqual(2, r.ExitCode, r.Out);
        StringAssert.Contains(r.Err, "leaves the training set empty");
        StringAssert.Contains(r.Err, "share timestamp 1000");
        Assert.IsFalse(File.Exists(Path.Combine(dir, "out", "train.csv")));
    }
}
