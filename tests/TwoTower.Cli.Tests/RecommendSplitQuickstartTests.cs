namespace TwoTower.Cli.Tests;

[TestClass]
public sealed class RecommendSplitQuickstartTests
{
    private static string PopularityModel()
    {
        var model = Path.Combine(TestPaths.TempDir(), "pop.zip");
        Assert.AreEqual(0, CliRunner.Run("train", "--model", "popularity", "--data", TestPaths.MovieLens100K, "--out", model).ExitCode);
        return model;
    }

    [TestMethod]
    public void Recommend_WithItems_PrintsTitlesAndExcludesSeen()
    {
        var model = PopularityModel();
        var r = CliRunner.Run("recommend", "--model", model, "--user", "1", "--k", "3", "--exclude-seen", "--items", TestPaths.MovieLens100K, "--json");
        Assert.AreEqual(0, r.ExitCode, r.Err);
        var items = r.Json["items"]!.AsArray();
        Assert.AreEqual(3, items.Count);
        // User 1 rated items 1..272 in ML-100K; the most popular unseen item is 294, "Liar Liar (1997)".
        Assert.AreEqual("294", items[0]!["itemId"]!.GetValue<string>());
        Assert.AreEqual("Liar Liar (1997)", items[0]!["title"]!.GetValue<string>());
        StringAssert.Contains(r.Out, "Liar Liar (1997)");
    }

    [TestMethod]
    public void Recommend_WithoutExcludeSeen_ReturnsMostPopularOverall()
    {
        var r = CliRunner.Run("recommend", "--model", PopularityModel(), "--user", "1", "--k", "1", "--json");
        Assert.AreEqual("50", r.Json["items"]![0]!["itemId"]!.GetValue<string>()); // Star Wars, 583 ratings
    }

    [TestMethod]
    public void Recommend_UnknownUser_GetsColdStartAnswerAndANote()
    {
        var r = CliRunner.Run("recommend", "--model", PopularityModel(), "--user", "no-such-user", "--k", "2", "--json");
        Assert.AreEqual(0, r.ExitCode, r.Err);
        Assert.IsFalse(r.Json["known_user"]!.GetValue<bool>());
        StringAssert.Contains(r.Err, "not known to the model");
    }

    private static readonly Lazy<string> TwoTowerModel = new(() =>
    {
        var model = Path.Combine(TestPaths.TempDir(), "tt.zip");
        var r = CliRunner.Run("train", "--model", "twotower", "--train", TestPaths.Split("p2", "train"), "--items", TestPaths.MovieLens100K, "--out", model, "--set", "Epochs=1", "--set", "ComputeQualityReport=false");
        Assert.AreEqual(0, r.ExitCode, r.Err);
        return model;
    });

    [TestMethod]
    public void Recommend_History_FoldsInANewUserAndLeavesTheHistoryOut()
    {
        var r = CliRunner.Run("recommend", "--model", TwoTowerModel.Value, "--history", "50, 172,181", "--k", "5", "--exclude-seen", "--json");
        Assert.AreEqual(0, r.ExitCode, r.Err);
        var ids = r.Json["items"]!.AsArray().Select(i => i!["itemId"]!.GetValue<string>()).ToArray();
        var model = TwoTower.MLNet.Persistence.ModelFile.Load(TwoTowerModel.Value).Model;
        var expected = new TwoTower.MLNet.Retrieval.ExactRecommender(model).RecommendForHistory(["50", "172", "181"], 5).Select(x => x.ItemId).ToArray();
        CollectionAssert.AreEqual(expected, ids);
        Assert.IsFalse(ids.Intersect(["50", "172", "181"]).Any());
        CollectionAssert.AreEqual(new[] { "50", "172", "181" }, r.Json["history"]!.AsArray().Select(i => i!.GetValue<string>()).ToArray());
        StringAssert.Contains(r.Err, "folded in from 3 item(s)");
    }

    [TestMethod]
    public void Recommend_HistoryErrors_AreUsageErrorsNamingTheProblem()
    {
        var unknownItem = CliRunner.Run("recommend", "--model", TwoTowerModel.Value, "--history", "50,no-such-item");
        Assert.AreEqual(2, unknownItem.ExitCode);
        StringAssert.Contains(unknownItem.Err, "--history: history item 'no-such-item' is not in the model's catalogue");
        var noVectors = CliRunner.Run("recommend", "--model", PopularityModel(), "--history", "50");
        Assert.AreEqual(2, noVectors.ExitCode);
        StringAssert.Contains(noVectors.Err, "has no user and item vectors");
        var knownUser = CliRunner.Run("recommend", "--model", TwoTowerModel.Value, "--user", "1", "--history", "50");
        Assert.AreEqual(2, knownUser.ExitCode);
        StringAssert.Contains(knownUser.Err, "user '1' is known to it");
        var neither = CliRunner.Run("recommend", "--model", TwoTowerModel.Value);
        Assert.AreEqual(2, neither.ExitCode);
        StringAssert.Contains(neither.Err, "Give --user ID, or --history");
        var empty = CliRunner.Run("recommend", "--model", TwoTowerModel.Value, "--history", " , ");
        Assert.AreEqual(2, empty.ExitCode);
        StringAssert.Contains(empty.Err, "--history names no item");
    }

    [TestMethod]
    public void Recommend_BlankOrPaddedUser_IsRefusedOrTrimmedAsIndexSearchDoes()
    {
        // A blank --user got the cold-start answer as if it were a real id; a padded one missed the user it named.
        var model = PopularityModel();
        var blank = CliRunner.Run("recommend", "--model", model, "--user", " ", "--k", "2", "--json");
        Assert.AreEqual(2, blank.ExitCode, blank.Err);
        StringAssert.Contains(blank.Err, "--user is empty");
        var padded = CliRunner.Run("recommend", "--model", model, "--user", " 1 ", "--k", "2", "--json");
        Assert.AreEqual(0, padded.ExitCode, padded.Err);
        Assert.IsTrue(padded.Json["known_user"]!.GetValue<bool>());
        Assert.AreEqual("1", padded.Json["user"]!.GetValue<string>());
    }

    [TestMethod]
    public void Recommend_ZeroK_IsAUsageError()
    {
        var r = CliRunner.Run("recommend", "--model", PopularityModel(), "--user", "1", "--k", "0");
        Assert.AreEqual(2, r.ExitCode);
        StringAssert.Contains(r.Err, "--k 0");
    }

    [TestMethod]
    public void Split_LeaveLastOut_WritesFilesMatchingSharedP2()
    {
        var dir = TestPaths.TempDir();
        var r = CliRunner.Run("split", "--data", TestPaths.MovieLens100K, "--protocol", "leave-last-out", "--out", dir, "--json");
        Assert.AreEqual(0, r.ExitCode, r.Err);
        Assert.AreEqual(943, r.Json["test"]!.GetValue<int>());
        var expected = File.ReadAllLines(TestPaths.Split("p2", "test")).Select(l => l.Split(',')).Skip(1).Select(p => $"{p[0]},{p[1]}");
        var actual = File.ReadAllLines(Path.Combine(dir, "test.csv")).Select(l => l.Split(',')).Skip(1).Select(p => $"{p[0]},{p[1]}");
        CollectionAssert.AreEqual(expected.ToArray(), actual.ToArray());
    }

    [TestMethod]
    public void Split_RandomBadFraction_IsAUsageError()
    {
        var r = CliRunner.Run("split", "--data", TestPaths.Split("p2", "test"), "--protocol", "random", "--test-fraction", "1.5", "--out", TestPaths.TempDir());
        Assert.AreEqual(2, r.ExitCode);
        StringAssert.Contains(r.Err, "test fraction must be in (0, 1)");
    }

    [TestMethod]
    [DataRow("random", "--valid-fraction|-0.1", "--valid-fraction -0.1: the validation fraction must be in [0, 1)")]
    [DataRow("temporal", "--valid-fraction|NaN", "--valid-fraction NaN: the validation fraction must be in [0, 1)")]
    [DataRow("temporal", "--test-fraction|0", "--test-fraction 0: the test fraction must be in (0, 1)")]
    [DataRow("random", "--valid-fraction|0.5|--test-fraction|0.5", "--valid-fraction 0.5 + --test-fraction 0.5 = 1: the sum must be below 1")]
    public void Split_BadFractions_NameTheFlagBeforeTheDataIsRead(string protocol, string fractions, string expected)
    {
        // A missing --data shows the fractions are checked first: a typo costs no load of a large file.
        var r = CliRunner.Run(["split", "--data", Path.Combine(TestPaths.TempDir(), "missing.csv"), "--protocol", protocol, .. fractions.Split('|'), "--out", TestPaths.TempDir()]);
        Assert.AreEqual(2, r.ExitCode, r.Err);
        StringAssert.Contains(r.Err, expected);
    }

    [TestMethod]
    public void Split_UnknownProtocol_IsRejected()
    {
        var r = CliRunner.Run("split", "--data", TestPaths.MovieLens100K, "--protocol", "stratified", "--out", TestPaths.TempDir());
        Assert.AreNotEqual(0, r.ExitCode);
    }

    [TestMethod]
    public void Quickstart_Ml100k_PrintsMetricsTableRecommendationsAndJson()
    {
        var r = CliRunner.Run("quickstart", "--data", TestPaths.MovieLens100K, "--json");
        Assert.AreEqual(0, r.ExitCode, r.Err);
        var models = r.Json["models"]!.AsArray();
        Assert.IsTrue(models.Any(m => m!["model"]!.GetValue<string>() == "popularity"));
        var pop = models.First(m => m!["model"]!.GetValue<string>() == "popularity")!;
        Assert.AreEqual(0.0498, pop["HR@10"]!.GetValue<double>(), 5e-5);
        // HR@10 is a hit or a miss per user: its standard error is √(p(1 − p)/(U − 1)) over the 943 users.
        Assert.AreEqual(Math.Sqrt(0.0498 * (1 - 0.0498) / 942), pop["standard_errors"]!["HR@10"]!.GetValue<double>(), 1e-4);
        // The best model's items go into an HNSW index (DESIGN §5: train, evaluate, index, recommend), which serves the top 10.
        var index = r.Json["index"]!;
        Assert.AreEqual("HNSW16", index["spec"]!.GetValue<string>());
        Assert.AreEqual(1682, index["items"]!.GetValue<int>());
        Assert.IsGreaterThan(0.95, index["recall_at_10"]!.GetValue<double>());
        var recommended = r.Json["recommendations"]!.AsArray().Select(x => x!.GetValue<string>()).ToArray();
        Assert.HasCount(10, recommended);
        var seen = File.ReadLines(Path.Combine(TestPaths.MovieLens100K, "u.data")).Select(l => l.Split('\t')).Where(f => f[0] == "1").Select(f => f[1]).ToHashSet();
        // User 1's rated movies are left out, except possibly the last one: the held-out test item is no training item.
        Assert.IsLessThanOrEqualTo(1, recommended.Count(seen.Contains), string.Join(",", recommended));
        var table = CliRunner.Run("quickstart", "--data", TestPaths.MovieLens100K);
        StringAssert.Contains(table.Out, "NDCG@10 ± s.e.");
        StringAssert.Contains(table.Out, "Top 10 for user 1");
        StringAssert.Contains(table.Out, "via the HNSW16 index");
        StringAssert.Contains(table.Out, "recall@10 against exact search");
    }

    [TestMethod]
    [DataRow("--user-factors|u.csv", "error: --user-factors: quickstart does not read it (it is for factors).")]
    [DataRow("--item-ids|ids.txt", "error: --item-ids: quickstart does not read it (it is for factors).")]
    public void Quickstart_FlagOfAModelItDoesNotFit_RefusedBeforeTheData(string args, string message)
    {
        // Found by an audit: quickstart took the factors model's flags and ignored them without a word (it never fits that model).
        var r = CliRunner.Run(["quickstart", "--data", Path.Combine(TestPaths.TempDir(), "no-such-folder"), .. args.Split('|')]);
        Assert.AreEqual(CliApp.UsageError, r.ExitCode, r.Err);
        StringAssert.Contains(r.Err, message);
        Assert.AreEqual("", r.Out);
    }

    [TestMethod]
    [DataRow("--set|Epochs=0", "error: --set Epochs=0: Epochs must be ≥ 1.")]
    [DataRow("--set|Bogus=1", "error: --set Bogus=1: none of the models quickstart fits (itemknn, ease, ials, twotower) has an option 'Bogus'.")]
    public void Quickstart_SetOfOneModelsOption_GoesToTheModelsThatHaveIt(string args, string message)
    {
        // Found by an audit: every --set went to every model, so a two-tower option was refused by the first model without it
        // ("--set Epochs=2: ItemItemOptions has no settable option 'Epochs'"), and quickstart took no model-specific --set at all.
        var r = CliRunner.Run(["quickstart", "--data", Path.Combine(TestPaths.TempDir(), "no-such-folder"), .. args.Split('|')]);
        Assert.AreEqual(CliApp.UsageError, r.ExitCode, r.Err);
        StringAssert.Contains(r.Err, message);
    }

    [TestMethod]
    public void Quickstart_BadOptionOfALaterModel_RefusedBeforeAnyModelIsFitted()
    {
        // The two-tower options were checked only when its turn came, after every other model had been fitted (a minute here).
        var r = CliRunner.Run("quickstart", "--data", TestPaths.MovieLens100K, "--epochs", "0");
        Assert.AreEqual(CliApp.UsageError, r.ExitCode, r.Err);
        StringAssert.Contains(r.Err, "--epochs 0: must be ≥ 1.");
        Assert.DoesNotContain("train popularity", r.Err);
        Assert.AreEqual("", r.Out);
    }

    [TestMethod]
    public void Quickstart_UnknownUser_SaysTheListIsTheColdStartAnswer()
    {
        // A mistyped --user got the cold-start list without a word, as if it were that user's recommendations.
        var r = CliRunner.Run("quickstart", "--data", TestPaths.MovieLens100K, "--user", "u1", "--epochs", "1");
        Assert.AreEqual(0, r.ExitCode, r.Err);
        StringAssert.Contains(r.Err, "--user 'u1' is not a user of MovieLens 100K (943 users, ids 1 to 943): showing the model's cold-start answer.");
        StringAssert.Contains(r.Out, "Top 10 for user u1");
    }
}
