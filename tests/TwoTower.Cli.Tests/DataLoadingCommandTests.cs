namespace TwoTower.Cli.Tests;

/// <summary>How commands report what the data loaders refuse or skip.</summary>
[TestClass]
public sealed class DataLoadingCommandTests
{
    private static readonly string Flags = string.Join('|', Enumerable.Repeat("0", 18)) + "|1";

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
        Assert.IsFalse(Directory.Exists(Path.Combine(dir, "out")), "a refused split leaves no folder of its own behind");
        // A folder that was there before stays.
        Directory.CreateDirectory(Path.Combine(dir, "mine"));
        Assert.AreEqual(2, CliRunner.Run("split", "--data", csv, "--protocol", "temporal", "--out", Path.Combine(dir, "mine")).ExitCode);
        Assert.IsTrue(Directory.Exists(Path.Combine(dir, "mine")));
    }

    [TestMethod]
    public void Train_SkipBadRows_ReportsSkippedMetadataRows()
    {
        // u.item and u.user rows were dropped under --skip-bad-rows without the count the option promises.
        var dir = TestPaths.TempDir();
        File.WriteAllLines(Path.Combine(dir, "u.data"), ["1\t1\t5\t100", "1\t2\t4\t101", "2\t1\t3\t102", "2\t3\t4\t103"]);
        File.WriteAllLines(Path.Combine(dir, "u.item"), [$"1|A (1990)|01-Jan-1990||url|{Flags}", "2|B (1991)|01-Jan-1991||url|2", $"3|C (1992)|01-Jan-1992||url|{Flags}"]);
        File.WriteAllLines(Path.Combine(dir, "u.user"), ["1|24|M|technician|85711", "2|old|F|other|94043", "3|30|F|writer|32067", "3|31|M|writer|32067"]);
        var model = Path.Combine(dir, "m.zip");
        var r = CliRunner.Run("train", "--model", "popularity", "--data", dir, "--out", model, "--skip-bad-rows");
        Assert.AreEqual(0, r.ExitCode, r.Err);
        StringAssert.Contains(r.Err, $"skipped 1 malformed rows in {Path.Combine(dir, "u.item")}");
        StringAssert.Contains(r.Err, $"skipped 2 malformed rows in {Path.Combine(dir, "u.user")}");

        // --items / --users name the metadata apart from the interactions.
        var train = Path.Combine(dir, "train.csv");
        File.WriteAllLines(train, ["user_id,item_id", "1,1", "2,3"]);
        var separate = CliRunner.Run("train", "--model", "popularity", "--train", train, "--items", dir, "--users", dir, "--out", model, "--skip-bad-rows");
        Assert.AreEqual(0, separate.ExitCode, separate.Err);
        StringAssert.Contains(separate.Err, $"--items: skipped 1 malformed rows in {Path.Combine(dir, "u.item")}");
        StringAssert.Contains(separate.Err, $"--users: skipped 2 malformed rows in {Path.Combine(dir, "u.user")}");

        // recommend reads --items for titles and reports its skips the same way.
        var rec = CliRunner.Run("recommend", "--model", model, "--user", "1", "--items", dir, "--skip-bad-rows");
        Assert.AreEqual(0, rec.ExitCode, rec.Err);
        StringAssert.Contains(rec.Err, $"--items: skipped 1 malformed rows in {Path.Combine(dir, "u.item")}");
    }

    [TestMethod]
    public void MetadataOptions_FolderWithoutUserFile_OrCommandThatReadsNone_Refused()
    {
        // --users naming a folder without u.user or users.dat trained without user features and said nothing; split,
        // evaluate and compare listed --items/--users and ignored them.
        var dir = TestPaths.TempDir();
        var train = Path.Combine(dir, "train.csv");
        File.WriteAllLines(train, ["user_id,item_id,timestamp", "1,1,100", "1,2,101", "1,3,102", "2,1,103"]);
        var empty = Directory.CreateDirectory(Path.Combine(dir, "empty")).FullName;
        var r = CliRunner.Run("train", "--model", "popularity", "--train", train, "--users", empty, "--out", Path.Combine(dir, "m.zip"));
        Assert.AreEqual(2, r.ExitCode, r.Err);
        StringAssert.Contains(r.Err, $"--users '{empty}' has no user metadata: expected u.user (MovieLens 100K) or users.dat (1M)");
        Assert.IsFalse(File.Exists(Path.Combine(dir, "m.zip")));

        var split = CliRunner.Run("split", "--data", train, "--protocol", "random", "--items", empty, "--out", Path.Combine(dir, "out"));
        Assert.AreNotEqual(0, split.ExitCode, split.Out);
        StringAssert.Contains(split.Err, "--items");
        Assert.IsFalse(Directory.Exists(Path.Combine(dir, "out")));
        foreach (var command in new[] { "split", "evaluate", "compare" })
        {
            var help = CliRunner.Run(command, "--help");
            Assert.DoesNotContain("--items", help.Out, command);
            Assert.DoesNotContain("--users", help.Out, command);
        }
    }
}
