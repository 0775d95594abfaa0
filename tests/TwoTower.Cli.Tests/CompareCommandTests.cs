namespace TwoTower.Cli.Tests;

[TestClass]
public sealed class CompareCommandTests
{
    private static string Train(string model, string split)
    {
        var path = Path.Combine(TestPaths.TempDir(), model + ".zip");
        var r = CliRunner.Run("train", "--model", model, "--train", TestPaths.Split(split, "train"), "--out", path);
        Assert.AreEqual(0, r.ExitCode, r.Err);
        return path;
    }

    [TestMethod]
    public void Evaluate_Json_HasUserLevelStandardErrors()
    {
        var model = Train("popularity", "p2");
        var r = CliRunner.Run("evaluate", "--model", model, "--train", TestPaths.Split("p2", "train"), "--test", TestPaths.Split("p2", "test"), "--json");
        Assert.AreEqual(0, r.ExitCode, r.Err);
        var se = r.Json["standard_errors"]!.AsObject();
        // HR@10 is a hit (1) or a miss (0) per user: its standard error is √(p(1 − p)/(U − 1)).
        var p = r.Json["HR@10"]!.GetValue<double>();
        var users = r.Json["users"]!.GetValue<int>();
        Assert.AreEqual(Math.Sqrt(p * (1 - p) / (users - 1)), se["HR@10"]!.GetValue<double>(), 2e-6);
        Assert.IsTrue(se.ContainsKey("NDCG@10") && se.ContainsKey("MRR"));
        Assert.IsFalse(se.ContainsKey("Coverage@10"), "catalogue metrics have no per-user value");
        var table = CliRunner.Run("evaluate", "--model", model, "--train", TestPaths.Split("p2", "train"), "--test", TestPaths.Split("p2", "test"), "--k", "10");
        StringAssert.Contains(table.Out, "± s.e.");
        StringAssert.Contains(table.Out, se["NDCG@10"]!.GetValue<double>().ToString("0.0000", System.Globalization.CultureInfo.InvariantCulture));
    }

    [TestMethod]
    public void Evaluate_PerUser_WritesEachUsersValuesWhoseMeanIsTheMetric()
    {
        var model = Train("popularity", "p2");
        var csv = Path.Combine(TestPaths.TempDir(), "users.csv");
        var r = CliRunner.Run("evaluate", "--model", model, "--train", TestPaths.Split("p2", "train"), "--test", TestPaths.Split("p2", "test"), "--k", "10", "--per-user", csv, "--json");
        Assert.AreEqual(0, r.ExitCode, r.Err);
        var lines = File.ReadAllLines(csv);
        Assert.AreEqual("user_id,weight,HR@10,Recall@10,NDCG@10,MAP@10,MRR", lines[0]);
        Assert.HasCount(944, lines);
        var ndcg = lines.Skip(1).Select(l => double.Parse(l.Split(',')[4], System.Globalization.CultureInfo.InvariantCulture)).Average();
        Assert.AreEqual(r.Json["NDCG@10"]!.GetValue<double>(), ndcg, 1e-6);
        StringAssert.Contains(r.Err, "per-user values of 943 users written to");

    }

    [TestMethod]
    public void Compare_PopularityAgainstRandom_PairedDifferenceIsClear()
    {
        var pop = Train("popularity", "p2");
        var random = Train("random", "p2");
        var r = CliRunner.Run("compare", "--model", pop, "--baseline", random, "--train", TestPaths.Split("p2", "train"), "--test", TestPaths.Split("p2", "test"), "--k", "10", "--json");
        Assert.AreEqual(0, r.ExitCode, r.Err);
        Assert.AreEqual("popularity", r.Json["model"]!.GetValue<string>());
        Assert.AreEqual("random", r.Json["baseline"]!.GetValue<string>());
        Assert.AreEqual(943, r.Json["users"]!.GetValue<int>());
        var ndcg = r.Json["metrics"]!["NDCG@10"]!.AsObject();
        Assert.AreEqual(0.0257, ndcg["value"]!.GetValue<double>(), 5e-5);
        Assert.AreEqual(ndcg["value"]!.GetValue<double>() - ndcg["baseline"]!.GetValue<double>(), ndcg["difference"]!.GetValue<double>(), 2e-6);
        Assert.IsLessThan(0.001, ndcg["p_value"]!.GetValue<double>());
        Assert.IsFalse(r.Json["metrics"]!.AsObject().ContainsKey("Coverage@10"));
        var table = CliRunner.Run("compare", "--model", pop, "--baseline", random, "--train", TestPaths.Split("p2", "train"), "--test", TestPaths.Split("p2", "test"), "--k", "10");
        StringAssert.Contains(table.Out, "popularity against random");
        StringAssert.Contains(table.Out, "+0.0236"); // NDCG@10 difference, signed
    }

    [TestMethod]
    public void Compare_TfrsModelWithItself_NoDifference()
    {
        var pop = Train("popularity", "p1");
        var r = CliRunner.Run("compare", "--model", pop, "--baseline", pop, "--train", TestPaths.Split("p1", "train"), "--test", TestPaths.Split("p1", "test"), "--protocol", "tfrs", "--k", "100", "--json");
        Assert.AreEqual(0, r.ExitCode, r.Err);
        var top = r.Json["metrics"]!["top_100"]!.AsObject();
        Assert.AreEqual(0.2970, top["value"]!.GetValue<double>(), 5e-5);
        Assert.AreEqual(0.0, top["difference"]!.GetValue<double>());
        Assert.AreEqual(0.0, top["standard_error"]!.GetValue<double>());
        Assert.AreEqual(1.0, top["p_value"]!.GetValue<double>());
        Assert.AreEqual(20000, r.Json["rows"]!.GetValue<int>());
    }

    [TestMethod]
    public void Compare_BadArguments_ExitWithUsageErrors()
    {
        var pop = Train("popularity", "p2");
        var r = CliRunner.Run("compare", "--model", pop, "--baseline", "/nonexistent/b.zip", "--train", TestPaths.Split("p2", "train"), "--test", TestPaths.Split("p2", "test"));
        Assert.AreEqual(2, r.ExitCode);
        StringAssert.Contains(r.Err, "does not exist");
        r = CliRunner.Run("compare", "--model", pop, "--baseline", pop, "--train", TestPaths.Split("p2", "train"));
        Assert.AreEqual(2, r.ExitCode);
        StringAssert.Contains(r.Err, "--test is required");
        r = CliRunner.Run("compare", "--model", pop, "--baseline", pop, "--train", TestPaths.Split("p2", "train"), "--test", TestPaths.Split("p2", "test"), "--protocol", "rating");
        Assert.AreNotEqual(0, r.ExitCode);
    }
}
