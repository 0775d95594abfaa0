namespace TwoTower.Cli.Tests;

[TestClass]
public sealed class TrainEvaluateTests
{
    [TestMethod]
    public void TrainThenEvaluate_PopularityP1Tfrs_PrintsPeerTop100()
    {
        var model = Path.Combine(TestPaths.TempDir(), "pop.zip");
        var train = CliRunner.Run("train", "--model", "popularity", "--train", TestPaths.Split("p1", "train"), "--out", model, "--json");
        Assert.AreEqual(0, train.ExitCode, train.Err);
        Assert.AreEqual("popularity", train.Json["model"]!.GetValue<string>());
        Assert.IsTrue(train.Json.ContainsKey("fit_seconds"));
        var eval = CliRunner.Run("evaluate", "--model", model, "--train", TestPaths.Split("p1", "train"), "--test", TestPaths.Split("p1", "test"), "--protocol", "tfrs", "--json");
        Assert.AreEqual(0, eval.ExitCode, eval.Err);
        Assert.AreEqual(0.2970, eval.Json["top_100"]!.GetValue<double>(), 5e-5);
        Assert.AreEqual(0.4138, eval.Json["f_top_100"]!.GetValue<double>(), 5e-5);
    }

    [TestMethod]
    public void TrainThenEvaluate_PopularityP2Full_PrintsPeerNdcg()
    {
        var model = Path.Combine(TestPaths.TempDir(), "pop.zip");
        Assert.AreEqual(0, CliRunner.Run("train", "--model", "popularity", "--train", TestPaths.Split("p2", "train"), "--out", model).ExitCode);
        var eval = CliRunner.Run("evaluate", "--model", model, "--train", TestPaths.Split("p2", "train"), "--test", TestPaths.Split("p2", "test"), "--protocol", "full", "--json");
        Assert.AreEqual(0, eval.ExitCode, eval.Err);
        Assert.AreEqual(0.0257, eval.Json["NDCG@10"]!.GetValue<double>(), 5e-5);
        Assert.AreEqual(0.0498, eval.Json["HR@10"]!.GetValue<double>(), 5e-5);
        StringAssert.Contains(eval.Out, "NDCG@10"); // the table precedes the JSON line
    }

    [TestMethod]
    public void Evaluate_CustomKs_ReportsExactlyThoseCutoffs()
    {
        var model = Path.Combine(TestPaths.TempDir(), "pop.zip");
        CliRunner.Run("train", "--model", "popularity", "--train", TestPaths.Split("p2", "train"), "--out", model);
        var eval = CliRunner.Run("evaluate", "--model", model, "--train", TestPaths.Split("p2", "train"), "--test", TestPaths.Split("p2", "test"), "--k", "5,20", "--json");
        Assert.IsTrue(eval.Json.ContainsKey("HR@5") && eval.Json.ContainsKey("NDCG@20"));
        Assert.IsFalse(eval.Json.ContainsKey("HR@10"));
    }

    [TestMethod]
    public void Evaluate_BadK_ExitsWithUsageError()
    {
        var model = Path.Combine(TestPaths.TempDir(), "pop.zip");
        CliRunner.Run("train", "--model", "popularity", "--train", TestPaths.Split("p2", "test"), "--out", model);
        var r = CliRunner.Run("evaluate", "--model", model, "--train", TestPaths.Split("p2", "test"), "--test", TestPaths.Split("p2", "test"), "--k", "10,zero");
        Assert.AreEqual(2, r.ExitCode);
        StringAssert.Contains(r.Err, "'zero' is not a positive integer");
    }

    [TestMethod]
    public void Train_ItemKnnWithValidation_SavesLoadableModel()
    {
        var model = Path.Combine(TestPaths.TempDir(), "knn.zip");
        var r = CliRunner.Run("train", "--model", "itemknn", "--train", TestPaths.Split("p2-tune", "train"), "--valid", TestPaths.Split("p2-tune", "valid"), "--out", model, "--json");
        Assert.AreEqual(0, r.ExitCode, r.Err);
        // Two validation items never occur in p2-tune/train.csv: they cannot be validated and are reported.
        Assert.AreEqual(941, r.Json["validation_interactions"]!.GetValue<int>());
        Assert.AreEqual(2, r.Json["validation_dropped_rows"]!.GetValue<int>());
        var rec = CliRunner.Run("recommend", "--model", model, "--user", "1", "--k", "5", "--exclude-seen", "--json");
        Assert.AreEqual(0, rec.ExitCode, rec.Err);
        Assert.AreEqual(5, rec.Json["items"]!.AsArray().Count);
    }

    [TestMethod]
    public void Train_UnknownModel_ListsAvailableModels()
    {
        var r = CliRunner.Run("train", "--model", "deepfm", "--train", TestPaths.Split("p2", "test"), "--out", Path.Combine(TestPaths.TempDir(), "m.zip"));
        Assert.AreEqual(2, r.ExitCode);
        StringAssert.Contains(r.Err, "Unknown --model 'deepfm'. Available:");
        StringAssert.Contains(r.Err, "popularity");
    }

    [TestMethod]
    public void Train_MissingRequiredOption_ExitsNonZeroWithMessage()
    {
        var r = CliRunner.Run("train", "--train", TestPaths.Split("p2", "test"));
        Assert.AreNotEqual(0, r.ExitCode);
        StringAssert.Contains(r.Err + r.Out, "--model");
    }

    [TestMethod]
    public void Train_MalformedCsv_NamesFileAndLine()
    {
        var dir = TestPaths.TempDir();
        var csv = Path.Combine(dir, "bad.csv");
        File.WriteAllText(csv, "user_id,item_id,rating\n1,2,5\n1,3,lots\n");
        var r = CliRunner.Run("train", "--model", "popularity", "--train", csv, "--out", Path.Combine(dir, "m.zip"));
        Assert.AreEqual(2, r.ExitCode);
        StringAssert.Contains(r.Err, "bad.csv:3: rating 'lots' is not a finite number (column 3, 'rating')");
        var skipped = CliRunner.Run("train", "--model", "popularity", "--train", csv, "--out", Path.Combine(dir, "m.zip"), "--skip-bad-rows");
        Assert.AreEqual(0, skipped.ExitCode, skipped.Err);
        StringAssert.Contains(skipped.Err, "skipped 1 malformed rows");
    }

    [TestMethod]
    public void Train_CustomColumns_ReadsMappedCsv()
    {
        var dir = TestPaths.TempDir();
        var csv = Path.Combine(dir, "events.csv");
        File.WriteAllText(csv, "who,what\na,x\nb,x\nb,y\n");
        var r = CliRunner.Run("train", "--model", "popularity", "--train", csv, "--user-col", "who", "--item-col", "what", "--out", Path.Combine(dir, "m.zip"), "--json");
        Assert.AreEqual(0, r.ExitCode, r.Err);
        Assert.AreEqual(2, r.Json["items"]!.GetValue<int>());
    }

    [TestMethod]
    public void Evaluate_CorruptModelFile_ExplainsWhy()
    {
        var dir = TestPaths.TempDir();
        var model = Path.Combine(dir, "m.zip");
        File.WriteAllBytes(model, new byte[] { 1, 2, 3 });
        var r = CliRunner.Run("evaluate", "--model", model, "--train", TestPaths.Split("p2", "test"), "--test", TestPaths.Split("p2", "test"));
        Assert.AreEqual(2, r.ExitCode);
        StringAssert.Contains(r.Err, "not a TwoTower model file");
    }

    [TestMethod]
    public void Evaluate_MissingModelFile_SaysItDoesNotExist()
    {
        var r = CliRunner.Run("evaluate", "--model", "/nonexistent/m.zip", "--train", TestPaths.Split("p2", "test"), "--test", TestPaths.Split("p2", "test"));
        Assert.AreEqual(2, r.ExitCode);
        StringAssert.Contains(r.Err, "does not exist");
    }

    [TestMethod]
    public void Evaluate_ModelIsAFolder_SaysSo_AndAMissingTrainFileDoesNotExist()
    {
        // Found by an audit: a folder given as --model was said not to exist, and a missing --train was 'neither a folder nor a file'.
        var dir = TestPaths.TempDir();
        var r = CliRunner.Run("evaluate", "--model", dir, "--train", TestPaths.Split("p2", "test"), "--test", TestPaths.Split("p2", "test"));
        Assert.AreEqual(2, r.ExitCode);
        StringAssert.Contains(r.Err, $"Model path '{dir}' is a folder: give the model file (.zip).");
        r = CliRunner.Run("train", "--model", "popularity", "--train", "/nonexistent/train.csv", "--out", Path.Combine(dir, "m.zip"));
        Assert.AreEqual(2, r.ExitCode);
        StringAssert.Contains(r.Err, "Data path '/nonexistent/train.csv' does not exist.");
    }
}
