using TwoTower.MLNet.Batch;

namespace TwoTower.Cli.Tests;

[TestClass]
public sealed class ScoreCommandTests
{
    private static string WriteCsv(string name, string text)
    {
        var path = Path.Combine(TestPaths.TempDir(), name);
        File.WriteAllText(path, text);
        return path;
    }

    // Users a, b, c; items x, y, z, w: popularity y (3) > x (2) > z (1) = w (1), ties to the item seen first.
    private static string PopularityModel()
    {
        var model = Path.Combine(TestPaths.TempDir(), "pop.zip");
        var train = WriteCsv("train.csv", "user_id,item_id,rating,timestamp\na,x,5,1\na,y,3,2\nb,y,4,3\nb,z,1,4\nc,y,2,5\nc,x,1,6\nc,w,1,7\n");
        var r = CliRunner.Run("train", "--model", "popularity", "--train", train, "--out", model);
        Assert.AreEqual(0, r.ExitCode, r.Err);
        return model;
    }

    [TestMethod]
    public void Score_ThreeShards_WriteEveryUserOnceWithExcludeSeen()
    {
        var model = PopularityModel();
        var dir = Path.Combine(TestPaths.TempDir(), "scores");
        var users = 0;
        for (var s = 0; s < 3; s++)
        {
            var r = CliRunner.Run("score", "--model", model, "--out", dir, "--shard", s.ToString(), "--of", "3", "--k", "2", "--exclude-seen", "--json");
            Assert.AreEqual(0, r.ExitCode, r.Err);
            Assert.AreEqual(s, r.Json["shard"]!.GetValue<int>());
            users += r.Json["users"]!.GetValue<int>();
        }
        Assert.AreEqual(3, users);
        var rows = Directory.GetFiles(dir, "part-*").Order().SelectMany(f =>
        {
            var recs = RecommendationParquet.ReadAsync(f).GetAwaiter().GetResult().Recommendations;
            return Enumerable.Range(0, recs.Count).Select(i => $"{recs.UserIds[i]} {recs.Ranks[i]} {recs.ItemIds[i]}");
        }).ToArray();
        CollectionAssert.AreEquivalent(new[] { "a 1 z", "a 2 w", "b 1 x", "b 2 w", "c 1 z" }, rows, "c has seen x, y and w: only z is left for it");
    }

    [TestMethod]
    public void Score_AnotherModelOrKIntoTheSameFolder_RefusedNamingWhatDiffers()
    {
        var model = PopularityModel();
        var dir = Path.Combine(TestPaths.TempDir(), "scores");
        Assert.AreEqual(0, CliRunner.Run("score", "--model", model, "--out", dir, "--shard", "0", "--of", "2", "--k", "2").ExitCode);
        var k = CliRunner.Run("score", "--model", model, "--out", dir, "--shard", "1", "--of", "2", "--k", "3");
        Assert.AreEqual(2, k.ExitCode);
        StringAssert.Contains(k.Err, "holds shards of another job: k is 2 there and 3 here");
        var other = Path.Combine(TestPaths.TempDir(), "other.zip");
        var train = WriteCsv("train2.csv", "user_id,item_id\na,x\nb,y\nc,y\n");
        Assert.AreEqual(0, CliRunner.Run("train", "--model", "popularity", "--train", train, "--out", other).ExitCode);
        var mixed = CliRunner.Run("score", "--model", other, "--out", dir, "--shard", "1", "--of", "2", "--k", "2");
        Assert.AreEqual(2, mixed.ExitCode);
        StringAssert.Contains(mixed.Err, "holds shards of another job");
        // The same job again is fine: a re-run replaces its shard.
        Assert.AreEqual(0, CliRunner.Run("score", "--model", model, "--out", dir, "--shard", "1", "--of", "2", "--k", "2").ExitCode);
    }

    [TestMethod]
    public void Score_UserWhoHasSeenEveryItem_CountedAsWithoutItems()
    {
        var model = Path.Combine(TestPaths.TempDir(), "pop.zip");
        var train = WriteCsv("all.csv", "user_id,item_id\na,x\na,y\nb,x\n");
        Assert.AreEqual(0, CliRunner.Run("train", "--model", "popularity", "--train", train, "--out", model).ExitCode);
        var r = CliRunner.Run("score", "--model", model, "--out", Path.Combine(TestPaths.TempDir(), "s"), "--exclude-seen", "--json");
        Assert.AreEqual(0, r.ExitCode, r.Err);
        Assert.AreEqual(2, r.Json["users"]!.GetValue<int>());
        Assert.AreEqual(1, r.Json["rows"]!.GetValue<int>(), "b gets y; a has seen both items");
        Assert.AreEqual(1, r.Json["users_without_items"]!.GetValue<int>());
    }

    [TestMethod]
    public void Score_UserFileWithUnknownIds_FollowsTheUnknownUsersFlag()
    {
        var model = PopularityModel();
        var users = WriteCsv("users.csv", "user_id\na\nnew\na\n");
        var cold = CliRunner.Run("score", "--model", model, "--users", users, "--out", Path.Combine(TestPaths.TempDir(), "cold"), "--k", "1", "--json");
        Assert.AreEqual(0, cold.ExitCode, cold.Err);
        Assert.AreEqual((2, 1, 1), (cold.Json["users"]!.GetValue<int>(), cold.Json["cold_start_users"]!.GetValue<int>(), cold.Json["duplicate_users"]!.GetValue<int>()));
        var skip = CliRunner.Run("score", "--model", model, "--users", users, "--out", Path.Combine(TestPaths.TempDir(), "skip"), "--unknown-users", "skip", "--json");
        Assert.AreEqual((1, 1), (skip.Json["users"]!.GetValue<int>(), skip.Json["skipped_users"]!.GetValue<int>()));
        var failDir = Path.Combine(TestPaths.TempDir(), "fail");
        var fail = CliRunner.Run("score", "--model", model, "--users", users, "--out", failDir, "--unknown-users", "fail");
        Assert.AreEqual(2, fail.ExitCode);
        StringAssert.Contains(fail.Err, "--users: 1 user id(s) are not known to the model, e.g. 'new'");
        Assert.IsFalse(fail.Err.Contains("(Parameter", StringComparison.Ordinal), fail.Err);
        // Refused before writing: not even the job description, which would refuse a re-run with another policy into the folder.
        Assert.IsFalse(Directory.Exists(failDir) && Directory.EnumerateFiles(failDir).Any(), string.Join(", ", Directory.Exists(failDir) ? Directory.EnumerateFiles(failDir) : []));
        var again = CliRunner.Run("score", "--model", model, "--users", users, "--out", failDir, "--unknown-users", "skip");
        Assert.AreEqual(0, again.ExitCode, again.Err);
    }

    [TestMethod]
    public void Score_ManyUsersWithoutATerminal_LogsAtMostOneProgressLinePerPercent()
    {
        // Every block of 256 users wrote a progress line to stderr: a shard of 10 million users logged 39,000 lines.
        var model = PopularityModel();
        var users = WriteCsv("many.csv", "user_id\n" + string.Join("\n", Enumerable.Range(0, 100_000)) + "\n");
        var r = CliRunner.Run("score", "--model", model, "--users", users, "--out", Path.Combine(TestPaths.TempDir(), "many"), "--k", "1");
        Assert.AreEqual(0, r.ExitCode, r.Err);
        var lines = r.Err.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.IsLessThanOrEqualTo(100, lines.Length, $"{lines.Length} progress lines");
        StringAssert.Contains(lines[^1], "users 100000/100000");
    }

    [TestMethod]
    public void Score_ProgressLine_GivesTheRateAsWholeUsersPerSecond()
    {
        // Found by an audit: the rate went out as a metric, "users/s 466.0000", where train's lines say "95,000 examples/s".
        var model = PopularityModel();
        var r = CliRunner.Run("score", "--model", model, "--out", Path.Combine(TestPaths.TempDir(), "scores"));
        Assert.AreEqual(0, r.ExitCode, r.Err);
        var line = r.Err.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)[^1];
        StringAssert.Matches(line, new System.Text.RegularExpressions.Regex(@"^score shard 0/1: users 3/3: [0-9][0-9,]* users/s$"), line);
    }

    [TestMethod]
    public void Score_CsvFormat_WritesAHeaderAndOneRowPerItem()
    {
        var model = PopularityModel();
        var r = CliRunner.Run("score", "--model", model, "--out", Path.Combine(TestPaths.TempDir(), "csv"), "--format", "csv", "--k", "1", "--json");
        Assert.AreEqual(0, r.ExitCode, r.Err);
        Assert.AreEqual("csv", r.Json["format"]!.GetValue<string>());
        CollectionAssert.AreEqual(new[] { "user_id,rank,item_id,score", "a,1,y,3", "b,1,y,3", "c,1,y,3" }, File.ReadAllLines(r.Json["path"]!.GetValue<string>()));
    }

    [TestMethod]
    public void Score_BadArguments_NameTheFlag()
    {
        var model = PopularityModel();
        var dir = Path.Combine(TestPaths.TempDir(), "out");
        StringAssert.Contains(CliRunner.Run("score", "--model", model, "--out", dir, "--shard", "3", "--of", "3").Err, "--shard 3: shards of --of 3 are numbered 0 to 2");
        StringAssert.Contains(CliRunner.Run("score", "--model", model, "--out", dir, "--of", "0").Err, "--of 0: must be ≥ 1");
        StringAssert.Contains(CliRunner.Run("score", "--model", model, "--out", dir, "--k", "0").Err, "--k 0: must be ≥ 1");
        StringAssert.Contains(CliRunner.Run("score", "--model", model, "--out", dir, "--unknown-users", "drop").Err, "--unknown-users 'drop': expected coldstart, skip or fail");
        StringAssert.Contains(CliRunner.Run("score", "--model", model, "--out", dir, "--format", "json").Err, "--format 'json': expected parquet or csv");
        StringAssert.Contains(CliRunner.Run("score", "--model", model, "--out", dir, "--users", WriteCsv("u.csv", "a,b\n1,2\n")).Err, "--users: ");
        Assert.AreEqual(0, CliRunner.Run("score", "--model", model, "--out", dir, "--of", "2").ExitCode);
        StringAssert.Contains(CliRunner.Run("score", "--model", model, "--out", dir, "--of", "3").Err, "--out: ");
    }

    [TestMethod]
    public void Score_FolderAsUsers_SaysItIsAFolderNotThatItIsMissing()
    {
        // --users DIR (train's --users takes a MovieLens folder) was answered "File 'DIR' does not exist".
        var model = PopularityModel();
        var folder = TestPaths.TempDir();
        var r = CliRunner.Run("score", "--model", model, "--users", folder, "--out", Path.Combine(TestPaths.TempDir(), "out"));
        Assert.AreEqual(CliApp.UsageError, r.ExitCode, r.Err);
        StringAssert.Contains(r.Err, $"--users '{folder}' is a folder: give a CSV file");
    }
}
