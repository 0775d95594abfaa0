using TwoTower.MLNet.Models;
using TwoTower.MLNet.Persistence;
using System.Globalization;

namespace TwoTower.Cli.Tests;

[TestClass]
public sealed class MatrixFactorizationCommandTests
{
    private static string WriteCsv(string name, string text)
    {
        var path = Path.Combine(TestPaths.TempDir(), name);
        File.WriteAllText(path, text);
        return path;
    }

    // Tiny log: users a, b; items x, y, z.
    private static string TinyTrain() => WriteCsv("train.csv", "user_id,item_id,rating,timestamp\na,x,5,1\na,y,3,2\nb,y,4,3\nb,z,1,4\n");

    [TestMethod]
    public void TrainIalsThenEvaluate_P2_BeatsPopularityByFar()
    {
        var model = Path.Combine(TestPaths.TempDir(), "ials.zip");
        var train = CliRunner.Run("train", "--model", "ials", "--train", TestPaths.Split("p2", "train"), "--out", model, "--json");
        Assert.AreEqual(0, train.ExitCode, train.Err);
        Assert.AreEqual("ials", train.Json["model"]!.GetValue<string>());
        var eval = CliRunner.Run("evaluate", "--model", model, "--train", TestPaths.Split("p2", "train"), "--test", TestPaths.Split("p2", "test"), "--json");
        Assert.AreEqual(0, eval.ExitCode, eval.Err);
        // Popularity is .0257 and Recall@100 .2344; any working iALS is far above both.
        Assert.IsGreaterThan(0.038, eval.Json["NDCG@10"]!.GetValue<double>());
        Assert.IsGreaterThan(0.44, eval.Json["Recall@100"]!.GetValue<double>());
    }

    [TestMethod]
    public void EvaluateRating_ExplicitMf_ReportsRmseBelowGlobalMeanBaseline()
    {
        var model = Path.Combine(TestPaths.TempDir(), "mf.zip");
        Assert.AreEqual(0, CliRunner.Run("train", "--model", "mf", "--train", TestPaths.Split("p1", "train"), "--out", model).ExitCode);
        var eval = CliRunner.Run("evaluate", "--model", model, "--test", TestPaths.Split("p1", "test"), "--protocol", "rating", "--json");
        Assert.AreEqual(0, eval.ExitCode, eval.Err);
        // Predicting the global mean gives RMSE ≈ 1.13 on ML-100K; a working MF is well below 1.
        Assert.IsLessThan(0.97, eval.Json["RMSE"]!.GetValue<double>());
        Assert.IsLessThan(eval.Json["RMSE"]!.GetValue<double>(), eval.Json["MAE"]!.GetValue<double>());
        Assert.IsGreaterThan(19_900, eval.Json["rows"]!.GetValue<int>());
    }

    [TestMethod]
    public void EvaluateRating_StandardErrorsAndPerUserErrors_RefusesRankingOptions()
    {
        // The rating protocol printed no standard errors (computed, then dropped), refused --per-user, and took --k/--threads and ignored them.
        var model = Path.Combine(TestPaths.TempDir(), "mf.zip");
        Assert.AreEqual(0, CliRunner.Run("train", "--model", "mf", "--train", TestPaths.Split("p2", "train"), "--out", model).ExitCode);
        var csv = Path.Combine(TestPaths.TempDir(), "rating-users.csv");
        var eval = CliRunner.Run("evaluate", "--model", model, "--test", TestPaths.Split("p2", "test"), "--protocol", "rating", "--per-user", csv, "--json");
        Assert.AreEqual(0, eval.ExitCode, eval.Err);
        var lines = File.ReadAllLines(csv);
        Assert.AreEqual("user_id,weight,MSE,MAE", lines[0]);
        var rows = lines.Skip(1).Select(l => l.Split(',').Skip(1).Select(v => double.Parse(v, System.Globalization.CultureInfo.InvariantCulture)).ToArray()).ToArray();
        Assert.HasCount(eval.Json["users"]!.GetValue<int>(), rows);
        Assert.AreEqual(eval.Json["rows"]!.GetValue<int>(), (int)rows.Sum(r => r[0]));
        // RMSE = √(Σ w·MSE / Σ w); its standard error by the delta method from the users' MSE, MAE's from the users' MAE.
        var weight = rows.Sum(r => r[0]);
        var mse = rows.Sum(r => r[0] * r[1]) / weight;
        Assert.AreEqual(Math.Sqrt(mse), eval.Json["RMSE"]!.GetValue<double>(), 1e-5);
        Assert.AreEqual(rows.Sum(r => r[0] * r[2]) / weight, eval.Json["MAE"]!.GetValue<double>(), 1e-5);
        var se = eval.Json["standard_errors"]!;
        Assert.IsGreaterThan(0.0, se["RMSE"]!.GetValue<double>());
        Assert.IsLessThan(0.05, se["RMSE"]!.GetValue<double>(), "about 1/√users of the spread");
        Assert.IsGreaterThan(0.0, se["MAE"]!.GetValue<double>());
        StringAssert.Contains(eval.Err, "per-user values of");
        foreach (var (option, value) in new[] { ("--k", "10"), ("--threads", "1") })
        {
            var r = CliRunner.Run("evaluate", "--model", model, "--test", TestPaths.Split("p2", "test"), "--protocol", "rating", option, value);
            Assert.AreEqual(2, r.ExitCode, option);
            StringAssert.Contains(r.Err, $"{option} is for the full and tfrs protocols");
        }
    }

    [TestMethod]
    public void EvaluateRating_ImplicitModel_ExplainsItNeedsARatingModel()
    {
        var model = Path.Combine(TestPaths.TempDir(), "pop.zip");
        CliRunner.Run("train", "--model", "popularity", "--train", TinyTrain(), "--out", model);
        var r = CliRunner.Run("evaluate", "--model", model, "--test", TinyTrain(), "--protocol", "rating");
        Assert.AreEqual(2, r.ExitCode);
        StringAssert.Contains(r.Err, "needs a rating model");
    }

    [TestMethod]
    public void TrainFactors_ImportedCsv_ScoresAreTheDotProducts()
    {
        var users = WriteCsv("users.csv", "id,f1,f2\na,1,0\nb,0,1\n");
        var items = WriteCsv("items.csv", "id,f1,f2\nx,3,0\ny,2,2\nz,0,5\n");
        var model = Path.Combine(TestPaths.TempDir(), "f.zip");
        var train = CliRunner.Run("train", "--model", "factors", "--user-factors", users, "--item-factors", items, "--train", TinyTrain(), "--out", model);
        Assert.AreEqual(0, train.ExitCode, train.Err);
        // User b: z scores 5, y 2, x 0; without exclusion of seen items, z comes first.
        var rec = CliRunner.Run("recommend", "--model", model, "--user", "b", "--k", "3", "--json");
        Assert.AreEqual(0, rec.ExitCode, rec.Err);
        var first = rec.Json["items"]![0]!;
        Assert.AreEqual("z", first["itemId"]!.GetValue<string>());
        Assert.AreEqual(5.0, first["score"]!.GetValue<double>(), 1e-6);
    }

    [TestMethod]
    public void TrainFactors_DimensionMismatch_NamesBothFiles()
    {
        var users = WriteCsv("users.csv", "a,1,0\nb,0,1\n");
        var items = WriteCsv("items.csv", "x,3,0,1\ny,2,2,1\nz,0,5,1\n");
        var r = CliRunner.Run("train", "--model", "factors", "--user-factors", users, "--item-factors", items, "--train", TinyTrain(), "--out", Path.Combine(TestPaths.TempDir(), "f.zip"));
        Assert.AreEqual(2, r.ExitCode);
        StringAssert.Contains(r.Err, "Dimension mismatch");
        StringAssert.Contains(r.Err, "items.csv");
    }

    [TestMethod]
    public void TrainFactors_MissingItemFactors_SaysWhichOption()
    {
        var users = WriteCsv("users.csv", "a,1,0\nb,0,1\n");
        var r = CliRunner.Run("train", "--model", "factors", "--user-factors", users, "--train", TinyTrain(), "--out", Path.Combine(TestPaths.TempDir(), "f.zip"));
        Assert.AreEqual(2, r.ExitCode);
        StringAssert.Contains(r.Err, "--item-factors");
    }

    [TestMethod]
    [DataRow("--user-ids")]
    [DataRow("--item-ids")]
    public void TrainFactors_IdListWithCsvFactors_IsRefusedNamingTheFlag(string flag)
    {
        // CSV factors carry their ids in the first column: an id list beside them was read by nothing, not even checked to exist.
        var users = WriteCsv("users.csv", "id,f1,f2\na,1,0\nb,0,1\n");
        var items = WriteCsv("items.csv", "id,f1,f2\nx,3,0\ny,2,2\nz,0,5\n");
        var model = Path.Combine(TestPaths.TempDir(), "f.zip");
        var r = CliRunner.Run("train", "--model", "factors", "--user-factors", users, "--item-factors", items, flag, "no-such-ids.txt", "--train", TinyTrain(), "--out", model);
        Assert.AreEqual(2, r.ExitCode, r.Err);
        StringAssert.Contains(r.Err, $"{flag} goes with .npy factors");
        Assert.IsFalse(File.Exists(model));
    }

    [TestMethod]
    [DataRow("--user-factors")]
    [DataRow("--item-factors")]
    public void TrainFactors_OutThatIsAFactorFile_IsRefusedAndTheFileKept(string flag)
    {
        // --out was not checked against the factor files: the model replaced the factors it was imported from.
        var users = WriteCsv("users.csv", "id,f1,f2\na,1,0\nb,0,1\n");
        var items = WriteCsv("items.csv", "id,f1,f2\nx,3,0\ny,2,2\nz,0,5\n");
        var target = flag == "--user-factors" ? users : items;
        var before = File.ReadAllText(target);
        var r = CliRunner.Run("train", "--model", "factors", "--user-factors", users, "--item-factors", items, "--train", TinyTrain(), "--out", target);
        Assert.AreEqual(2, r.ExitCode, r.Err);
        StringAssert.Contains(r.Err, $"--out '{target}' would overwrite the input {flag} '{target}'");
        Assert.AreEqual(before, File.ReadAllText(target));
    }

    [TestMethod]
    public void TrainIals_NegativeRegularisation_ClearError()
    {
        var r = CliRunner.Run("train", "--model", "ials", "--reg", (-1).ToString(CultureInfo.InvariantCulture), "--train", TinyTrain(), "--out", Path.Combine(TestPaths.TempDir(), "m.zip"));
        Assert.AreEqual(2, r.ExitCode);
        StringAssert.Contains(r.Err, "--reg -1: must be a finite number > 0");
    }

    [TestMethod]
    public void TrainTwoTower_WarmStartFromIals_ReportsMatchedIdsAndSavesModel()
    {
        var ials = Path.Combine(TestPaths.TempDir(), "ials.zip");
        Assert.AreEqual(0, CliRunner.Run("train", "--model", "ials", "--factors", "8", "--iterations", "2", "--train", TestPaths.Split("p2-tune", "valid"), "--out", ials).ExitCode);
        var model = Path.Combine(TestPaths.TempDir(), "tt.zip");
        var r = CliRunner.Run("train", "--model", "twotower", "--warm-start", ials, "--epochs", "1", "--train", TestPaths.Split("p2-tune", "valid"), "--out", model, "--json");
        Assert.AreEqual(0, r.ExitCode, r.Err);
        // Same file for both: every user and item of the training data is found in the factors.
        StringAssert.Contains(r.Err, "943/943 users");
        Assert.AreEqual("twotower", r.Json["model"]!.GetValue<string>());
    }

    [TestMethod]
    public void TrainTwoTower_WarmStartFromPopularity_ExplainsItNeedsFactors()
    {
        var pop = Path.Combine(TestPaths.TempDir(), "pop.zip");
        CliRunner.Run("train", "--model", "popularity", "--train", TinyTrain(), "--out", pop);
        var r = CliRunner.Run("train", "--model", "twotower", "--warm-start", pop, "--train", TinyTrain(), "--out", Path.Combine(TestPaths.TempDir(), "tt.zip"));
        Assert.AreEqual(2, r.ExitCode);
        StringAssert.Contains(r.Err, "needs factors");
    }

    [TestMethod]
    public void TrainTwoTower_FreezeWithoutWarmStart_SaysWhatIsMissing()
    {
        var r = CliRunner.Run("train", "--model", "twotower", "--freeze-epochs", "2", "--train", TinyTrain(), "--out", Path.Combine(TestPaths.TempDir(), "tt.zip"));
        Assert.AreEqual(2, r.ExitCode);
        StringAssert.Contains(r.Err, "--warm-start");
    }

    [TestMethod]
    public void TrainTwoTower_Recency_SetsTheBoostAndRejectsNegatives()
    {
        var r = CliRunner.Run("train", "--model", "twotower", "--recency", "0", "--epochs", "1", "--train", TinyTrain(), "--out", Path.Combine(TestPaths.TempDir(), "tt.zip"), "--json");
        Assert.AreEqual(0, r.ExitCode, r.Err);
        Assert.AreEqual(0.0, r.Json["summary"]!["recency_weight"]!.GetValue<double>());
        var bad = CliRunner.Run("train", "--model", "twotower", "--recency", "-1", "--train", TinyTrain(), "--out", Path.Combine(TestPaths.TempDir(), "tt.zip"));
        Assert.AreEqual(2, bad.ExitCode);
        StringAssert.Contains(bad.Err, "--recency -1: must be a finite number ≥ 0");
    }

    [TestMethod]
    public void TrainTwoTower_Checkpoint_RerunResumesAndOtherOptionsAreRefused()
    {
        var dir = TestPaths.TempDir();
        string[] Train(string epochs, string output) =>
            ["train", "--model", "twotower", "--epochs", epochs, "--recency", "0", "--train", TinyTrain(), "--checkpoint", Path.Combine(dir, "ckpt"), "--out", Path.Combine(dir, output), "--json"];
        var first = CliRunner.Run(Train("2", "a.zip"));
        Assert.AreEqual(0, first.ExitCode, first.Err);
        Assert.IsTrue(File.Exists(Path.Combine(dir, "ckpt", "twotower-member0.ckpt")));
        // The finished run's checkpoint: the same command returns the same model without training.
        var again = CliRunner.Run(Train("2", "b.zip"));
        Assert.AreEqual(0, again.ExitCode, again.Err);
        StringAssert.Contains(again.Err, "resume 2/2");
        Assert.DoesNotContain("epoch 1/2", again.Err);
        var a = ModelFile.Load(Path.Combine(dir, "a.zip")).Model as IEmbeddingRecommender;
        var b = ModelFile.Load(Path.Combine(dir, "b.zip")).Model as IEmbeddingRecommender;
        CollectionAssert.AreEqual(a!.ItemVectors.ToArray(), b!.ItemVectors.ToArray());
        // Another epoch budget changes the learning-rate schedule: not the same run.
        var other = CliRunner.Run(Train("3", "c.zip"));
        Assert.AreEqual(2, other.ExitCode, other.Err);
        StringAssert.Contains(other.Err, "Epochs differs");
        var ials = CliRunner.Run("train", "--model", "ials", "--checkpoint", dir, "--train", TinyTrain(), "--out", Path.Combine(dir, "i.zip"));
        Assert.AreEqual(2, ials.ExitCode);
        StringAssert.Contains(ials.Err, "--checkpoint: only --model twotower trains in epochs");
    }

    [TestMethod]
    public void TrainTwoTower_InitFrom_ContinuesASavedTwoTowerOnly()
    {
        var dir = TestPaths.TempDir();
        var earlier = Path.Combine(dir, "earlier.zip");
        Assert.AreEqual(0, CliRunner.Run("train", "--model", "twotower", "--epochs", "1", "--train", TinyTrain(), "--out", earlier).ExitCode);
        var r = CliRunner.Run("train", "--model", "twotower", "--epochs", "1", "--init-from", earlier, "--train", TinyTrain(), "--out", Path.Combine(dir, "next.zip"), "--json");
        Assert.AreEqual(0, r.ExitCode, r.Err);
        var users = r.Json["users"]!.GetValue<int>();
        Assert.AreEqual($"{users}/{users}", r.Json["summary"]!["continued_users"]!.GetValue<string>());
        var ials = Path.Combine(dir, "ials.zip");
        Assert.AreEqual(0, CliRunner.Run("train", "--model", "ials", "--factors", "4", "--iterations", "1", "--train", TinyTrain(), "--out", ials).ExitCode);
        var notTwoTower = CliRunner.Run("train", "--model", "twotower", "--init-from", ials, "--train", TinyTrain(), "--out", Path.Combine(dir, "x.zip"));
        Assert.AreEqual(2, notTwoTower.ExitCode);
        StringAssert.Contains(notTwoTower.Err, "not a two-tower model");
        var notTrainable = CliRunner.Run("train", "--model", "ials", "--init-from", earlier, "--train", TinyTrain(), "--out", Path.Combine(dir, "y.zip"));
        Assert.AreEqual(2, notTrainable.ExitCode);
        StringAssert.Contains(notTrainable.Err, "--init-from: only --model twotower continues from a model");
    }

    [TestMethod]
    public void TrainTwoTower_SetAnyEngineOption_AppliesItOrNamesTheProblem()
    {
        var r = CliRunner.Run("train", "--model", "twotower", "--epochs", "1", "--set", "RecencyHalfLife=5", "--set", "Temperature=0.1", "--train", TinyTrain(), "--out", Path.Combine(TestPaths.TempDir(), "tt.zip"), "--json");
        Assert.AreEqual(0, r.ExitCode, r.Err);
        Assert.AreEqual(5, r.Json["summary"]!["recency_half_life"]!.GetValue<int>());
        var bad = CliRunner.Run("train", "--model", "ials", "--set", "Factorz=8", "--train", TinyTrain(), "--out", Path.Combine(TestPaths.TempDir(), "ials.zip"));
        Assert.AreEqual(2, bad.ExitCode);
        StringAssert.Contains(bad.Err, "--set Factorz=8: ImplicitAlsOptions has no settable option 'Factorz'");
        Assert.IsFalse(bad.Err.Contains("(Parameter", StringComparison.Ordinal), "the C# parameter name is not for the command line: " + bad.Err);
    }
}
