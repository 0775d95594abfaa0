namespace TwoTower.Cli.Tests;

/// <summary>Mistakes on the command line: each fails fast, with exit code 2 and one line that names the argument.</summary>
[TestClass]
public sealed class ArgumentCheckTests
{
    private static string P2(string part) => TestPaths.Split("p2", part);

    private static string Popularity()
    {
        var path = Path.Combine(TestPaths.TempDir(), "pop.zip");
        Assert.AreEqual(0, CliRunner.Run("train", "--model", "popularity", "--train", P2("train"), "--out", path).ExitCode);
        return path;
    }

    private static void AssertUsageError(CliRunner.Result r, string message)
    {
        Assert.AreEqual(CliApp.UsageError, r.ExitCode, r.Err);
        StringAssert.Contains(r.Err, message);
        Assert.HasCount(1, r.Err.TrimEnd().Split('\n'), "one line: " + r.Err);
        Assert.AreEqual("", r.Out, "no help text dumped on stdout");
    }

    [TestMethod]
    public void ParseErrors_UsageExitCodeOneLineNoHelpDump()
    {
        AssertUsageError(CliRunner.Run("recommend", "--model", "m.zip", "--user", "1", "--user", "2"), "(see 'twotower recommend --help')");
        AssertUsageError(CliRunner.Run("train", "--model", "popularity", "--train", P2("train")), "Option '--out' is required.");
        AssertUsageError(CliRunner.Run("evaluate", "--protocl", "tfrs"), "Unrecognized command or argument '--protocl'");
        AssertUsageError(CliRunner.Run("index", "bench", "--k", "abc"), "(see 'twotower index bench --help')");
        // A choice's values came one per line.
        AssertUsageError(CliRunner.Run("split", "--data", P2("train"), "--protocol", "leave_last_out", "--out", TestPaths.TempDir()), "Must be one of: 'random', 'leave-last-out', 'temporal'.");
    }

    [TestMethod]
    public void ModelFileProblems_NameTheFlagThatGaveTheFile()
    {
        // The model loader's messages named no flag: "The value cannot be an empty string ..." for a blank --model, and
        // compare's missing or unreadable file did not say whether it was --model or --baseline.
        var pop = Popularity();
        var notAModel = Path.Combine(TestPaths.TempDir(), "not-a-model.zip");
        File.WriteAllText(notAModel, "text");
        AssertUsageError(CliRunner.Run("recommend", "--model", " ", "--user", "1"), "error: --model is empty: give a model file");
        AssertUsageError(CliRunner.Run("compare", "--model", pop, "--baseline", notAModel, "--train", P2("train"), "--test", P2("test")), $"error: --baseline: Cannot read model file '{notAModel}'");
        AssertUsageError(CliRunner.Run("export", "--model", Path.Combine(TestPaths.TempDir(), "missing.zip"), "--out", TestPaths.TempDir()), "error: --model: Model file");
    }

    [TestMethod]
    public void Train_TrainAndData_RefusedInsteadOfIgnoringData()
    {
        // --data beside --train was dropped silently, with the item and user metadata of its folder.
        AssertUsageError(CliRunner.Run("train", "--model", "popularity", "--train", P2("train"), "--data", TestPaths.MovieLens100K, "--out", Path.Combine(TestPaths.TempDir(), "m.zip")),
            "--train and --data both give the training data: pass one");
    }

    [TestMethod]
    public void RangeError_OneLineWithoutTheCSharpParameterName()
    {
        var r = CliRunner.Run("train", "--model", "ials", "--train", P2("train"), "--out", Path.Combine(TestPaths.TempDir(), "m.zip"), "--factors", "0");
        AssertUsageError(r, "--factors 0: must be ≥ 1.");
        Assert.IsFalse(r.Err.Contains("(Parameter", StringComparison.Ordinal), r.Err);
        Assert.IsFalse(r.Err.Contains("Actual value", StringComparison.Ordinal), r.Err);
    }

    [TestMethod]
    [DataRow("train|--model|twotower|--epochs|0", "error: --epochs 0: must be ≥ 1.")]
    [DataRow("train|--model|twotower|--lr|-0.5", "error: --lr -0.5: must be a finite number > 0.")]
    [DataRow("train|--model|twotower|--recency|-1", "error: --recency -1: must be a finite number ≥ 0 (0 = off).")]
    [DataRow("train|--model|twotower|--batch-size|1", "error: --batch-size 1: BatchSize = 1 leaves each example without a negative")]
    [DataRow("train|--model|twotower|--epochs|3|--set|Epochs=0", "error: --set Epochs=0: Epochs must be ≥ 1.")]
    [DataRow("train|--model|ials|--alpha|-1", "error: --alpha -1: must be a finite number ≥ 0.")]
    [DataRow("train|--model|ials|--reg|0", "error: --reg 0: must be a finite number > 0")]
    [DataRow("train|--model|mf|--iterations|0", "error: --iterations 0: must be ≥ 1.")]
    [DataRow("train|--model|ease|--lambda|0", "error: --lambda 0: must be a finite number > 0.")]
    [DataRow("train|--model|itemknn|--neighbors|0", "error: --neighbors 0: must be ≥ 1.")]
    [DataRow("train|--model|itemknn|--threads|-1", "error: --threads -1: must be ≥ 0 (0 = all cores).")]
    [DataRow("tune|--model|ials|--grid|Factors=8,0", "error: --grid Factors=0: Factors must be ≥ 1.")]
    [DataRow("index|build|--index|HNSW1", "error: --index 'HNSW1': M (HNSW<M>) must be in [2, 256].")]
    [DataRow("bench|ann|--n|100|--d|8|--index|IVF4,PQ3", "error: --index 'IVF4,PQ3' does not fit the data (dimension 8): m (PQ<m>) must divide the dimension 8.")]
    [DataRow("bench|train|--batch-size|1", "error: --batch-size 1: BatchSize = 1 leaves each example without a negative")]
    [DataRow("score|--k|0", "error: --k 0: must be ≥ 1.")]
    public void EngineOptionOutOfRange_ErrorNamesTheFlagAsTyped(string args, string message)
    {
        // Found by an audit: these named the engine's option ("Epochs must be ≥ 1. Actual value was 0.", "HnswOptions.M ...").
        var dir = TestPaths.TempDir();
        var given = args.Split('|');
        string[] inputs = given[0] switch
        {
            "train" => ["--train", P2("train"), "--out", Path.Combine(dir, "m.zip")],
            "tune" => ["--train", P2("train"), "--valid", P2("test")],
            "index" => ["--model", Path.Combine(dir, "m.zip"), "--out", Path.Combine(dir, "i.ttvx")],
            "score" => ["--model", Popularity(), "--out", Path.Combine(dir, "scores")],
            _ => [],
        };
        var r = CliRunner.Run([.. given, .. inputs]);
        AssertUsageError(r, message);
        Assert.IsFalse(r.Err.Contains("Actual value", StringComparison.Ordinal), r.Err);
    }

    [TestMethod]
    [DataRow("score|--user-col|uid", "error: --user-col goes with --users")]
    [DataRow("recommend|--user|1|--skip-bad-rows", "error: --skip-bad-rows goes with --items")]
    public void FlagThatGoesWithAnother_RefusedWithoutIt(string args, string message)
    {
        // Found by an audit: read only beside the other flag, these were taken without it and ignored without a word.
        var given = args.Split('|');
        string[] inputs = given[0] == "score" ? ["--model", Popularity(), "--out", Path.Combine(TestPaths.TempDir(), "scores")] : ["--model", Popularity()];
        AssertUsageError(CliRunner.Run([.. given, .. inputs]), message);
    }

    [TestMethod]
    public void FlagOfAnotherModel_Refused_NamingWhoReadsIt()
    {
        var outPath = Path.Combine(TestPaths.TempDir(), "m.zip");
        AssertUsageError(CliRunner.Run("train", "--model", "popularity", "--train", P2("train"), "--out", outPath, "--factors", "3"),
            "--factors: --model popularity does not read it (it is for ials, mf).");
        AssertUsageError(CliRunner.Run("train", "--model", "twotower", "--train", P2("train"), "--out", outPath, "--lambda", "3"),
            "--lambda: --model twotower does not read it (it is for ease).");
        AssertUsageError(CliRunner.Run("train", "--model", "random", "--train", P2("train"), "--out", outPath, "--set", "Bogus=1"), "--set: --model random does not read it");
        Assert.IsFalse(File.Exists(outPath));
    }

    [TestMethod]
    public void ItemKnn_Set_IsApplied()
    {
        var path = Path.Combine(TestPaths.TempDir(), "knn.zip");
        var few = CliRunner.Run("train", "--model", "itemknn", "--train", P2("train"), "--out", path, "--set", "Neighbors=3", "--json");
        var flag = CliRunner.Run("train", "--model", "itemknn", "--train", P2("train"), "--out", path, "--neighbors", "3", "--json");
        Assert.AreEqual(0, few.ExitCode, few.Err);
        Assert.AreEqual(flag.Json["summary"]!.ToJsonString(), few.Json["summary"]!.ToJsonString());
        AssertUsageError(CliRunner.Run("train", "--model", "itemknn", "--train", P2("train"), "--out", path, "--set", "Bogus=3"), "--set Bogus=3:");
    }

    [TestMethod]
    public void Out_OverAnInputOrAFolder_RefusedBeforeAnyWork()
    {
        var dir = TestPaths.TempDir();
        var input = Path.Combine(dir, "train.csv");
        File.Copy(P2("train"), input);
        var before = File.ReadAllBytes(input);
        AssertUsageError(CliRunner.Run("train", "--model", "popularity", "--train", input, "--out", input), $"--out '{input}' would overwrite the input --train");
        AssertUsageError(CliRunner.Run("split", "--data", input, "--protocol", "random", "--out", dir), $"--out '{dir}' would overwrite the input --data");
        CollectionAssert.AreEqual(before, File.ReadAllBytes(input));
        AssertUsageError(CliRunner.Run("train", "--model", "popularity", "--train", input, "--out", dir), $"--out '{dir}' is a folder: give a file name");
        AssertUsageError(CliRunner.Run("train", "--model", "popularity", "--train", input, "--out", ""), "--out is empty");
        AssertUsageError(CliRunner.Run("export", "--model", Popularity(), "--out", input), $"--out '{input}' is a file: give a folder.");
    }

    [TestMethod]
    public void Split_LeaveLastOutWithFractions_Refused()
    {
        AssertUsageError(CliRunner.Run("split", "--data", P2("train"), "--protocol", "leave-last-out", "--valid-fraction", "0.2", "--out", TestPaths.TempDir()),
            "--valid-fraction: the leave-last-out split takes no fractions or seed");
    }

    [TestMethod]
    public void Split_TemporalWithSeed_RefusedInsteadOfIgnored()
    {
        var dir = TestPaths.TempDir();
        AssertUsageError(CliRunner.Run("split", "--data", P2("test"), "--protocol", "temporal", "--seed", "7", "--out", dir),
            "--seed: the temporal split takes no seed");
        Assert.IsEmpty(Directory.GetFiles(dir), "nothing written");
    }

    [TestMethod]
    public void Evaluate_KPastTheCatalogue_AndNegativeThreads()
    {
        var model = Popularity();
        var huge = CliRunner.Run("evaluate", "--model", model, "--train", P2("train"), "--test", P2("test"), "--k", "2147483647", "--json");
        Assert.AreEqual(0, huge.ExitCode, huge.Err);
        Assert.AreEqual(1.0, huge.Json["Recall@2147483647"]!.GetValue<double>(), 0.01, "every known item is in a list as long as the catalogue");
        AssertUsageError(CliRunner.Run("evaluate", "--model", model, "--train", P2("train"), "--test", P2("test"), "--threads", "-1"), "--threads -1: must be ≥ 0");
        AssertUsageError(CliRunner.Run("compare", "--model", model, "--baseline", model, "--train", P2("train"), "--test", P2("test"), "--threads", "-5"), "--threads -5: must be ≥ 0");
    }

    [TestMethod]
    public void Evaluate_KWithoutACutOff_NamesTheOption()
    {
        // Only separators: the evaluator's own "At least one cut-off K is needed." did not say which argument.
        AssertUsageError(CliRunner.Run("evaluate", "--model", Popularity(), "--train", P2("train"), "--test", P2("test"), "--k", ","), "--k ',': no cut-off");
    }

    [TestMethod]
    public void Compare_OneUser_ErrorsAreUndefinedNotZero()
    {
        var model = Popularity();
        var oneUser = Path.Combine(TestPaths.TempDir(), "one.csv");
        var lines = File.ReadAllLines(P2("test"));
        File.WriteAllLines(oneUser, [lines[0], lines[1]]);
        var r = CliRunner.Run("compare", "--model", model, "--baseline", model, "--train", P2("train"), "--test", oneUser, "--k", "10", "--json");
        Assert.AreEqual(0, r.ExitCode, r.Err);
        var mrr = r.Json["metrics"]!["MRR"]!.AsObject();
        Assert.IsNull(mrr["standard_error"]);
        Assert.IsNull(mrr["p_value"]);
        var table = CliRunner.Run("evaluate", "--model", model, "--train", P2("train"), "--test", oneUser, "--k", "10");
        StringAssert.Contains(table.Out, "n/a");
    }

    [TestMethod]
    public void Evaluate_TestRowsThatAreTrainingRows_Warned()
    {
        var r = CliRunner.Run("evaluate", "--model", Popularity(), "--train", P2("train"), "--test", P2("train"), "--k", "10");
        Assert.AreEqual(0, r.ExitCode, r.Err);
        StringAssert.Contains(r.Err, "warning: 99057 of 99057 --test rows are also (user, item) pairs of --train");
    }

    [TestMethod]
    [DataRow("train", "--train")]
    [DataRow("train", "--valid")]
    [DataRow("tune", "--train")]
    [DataRow("tune", "--valid")]
    public void Mf_InteractionsWithoutRatings_Refused(string command, string plainArgument)
    {
        // Found by an audit: a CSV without a rating column gives every row rating 1, and --model mf fitted (or tune scored
        // RMSE against) those constant ratings without a word: "loss 0, RMSE(train) 0.0000".
        var dir = TestPaths.TempDir();
        var plain = Path.Combine(dir, "plain.csv");
        File.WriteAllText(plain, "user_id,item_id\na,x\na,y\nb,y\nb,z\n");
        var rated = Path.Combine(dir, "rated.csv");
        File.WriteAllText(rated, "user_id,item_id,rating\na,x,5\na,y,3\nb,y,4\nb,z,1\n");
        var (train, valid) = plainArgument == "--train" ? (plain, rated) : (rated, plain);
        string[] args = command == "train"
            ? ["train", "--model", "mf", "--train", train, "--valid", valid, "--out", Path.Combine(dir, "m.zip")]
            : ["tune", "--model", "mf", "--train", train, "--valid", valid, "--grid", "Factors=2", "--metric", "RMSE"];
        AssertUsageError(CliRunner.Run(args), $"{plainArgument} '{plain}' has no rating column, and --model mf fits ratings");
    }

    [TestMethod]
    public void Mf_RatingsBeyondFloatRange_SaysSoInsteadOfSingular()
    {
        var dir = TestPaths.TempDir();
        var huge = Path.Combine(dir, "huge.csv");
        File.WriteAllLines(huge, File.ReadLines(P2("train")).Take(2000).Select((l, i) => i == 0 ? l : string.Join(',', l.Split(',').Select((f, j) => j == 2 ? f + "e37" : f))));
        AssertUsageError(CliRunner.Run("train", "--model", "mf", "--train", huge, "--out", Path.Combine(dir, "m.zip")), "overflowed float precision: the ratings or factors are too large");
    }

    [TestMethod]
    public void Export_KPastTheCatalogue_CappedAsInRecommendAndScore()
    {
        var dir = TestPaths.TempDir();
        var tiny = Path.Combine(dir, "tiny.csv");
        File.WriteAllLines(tiny, ["user_id,item_id", "a,1", "a,2", "b,2", "b,3", "c,1", "c,3"]);
        var model = Path.Combine(dir, "ials.zip");
        Assert.AreEqual(0, CliRunner.Run("train", "--model", "ials", "--train", tiny, "--factors", "2", "--out", model).ExitCode);
        var r = CliRunner.Run("export", "--model", model, "--out", Path.Combine(dir, "onnx"), "--json");
        Assert.AreEqual(0, r.ExitCode, r.Err);
        Assert.AreEqual(3, r.Json["k"]!.GetValue<int>());
        var four = CliRunner.Run("export", "--model", model, "--out", Path.Combine(dir, "onnx2"), "--k", "4", "--json");
        Assert.AreEqual(0, four.ExitCode, four.Err);
        Assert.AreEqual(3, four.Json["k"]!.GetValue<int>(), "capped at the catalogue, as recommend and score do");
        StringAssert.Contains(four.Err, "--k 4: the catalogue has 3 items");
    }

    [TestMethod]
    public void WarmStart_WithCheckpoint_Trains_WithInitFrom_RefusedAsAConflict()
    {
        var dir = TestPaths.TempDir();
        var ials = Path.Combine(dir, "ials.zip");
        Assert.AreEqual(0, CliRunner.Run("train", "--model", "ials", "--train", P2("train"), "--factors", "8", "--out", ials).ExitCode);
        string[] small = ["--set", "Epochs=1", "--set", "EmbeddingDimension=8", "--set", "HiddenLayers=16"];
        var ck = CliRunner.Run(["train", "--model", "twotower", "--train", P2("train"), .. small, "--warm-start", ials, "--checkpoint", Path.Combine(dir, "ck"), "--out", Path.Combine(dir, "tt.zip")]);
        Assert.AreEqual(0, ck.ExitCode, ck.Err);
        Assert.IsTrue(Directory.EnumerateFiles(Path.Combine(dir, "ck"), "*.ckpt").Any());
        AssertUsageError(CliRunner.Run(["train", "--model", "twotower", "--train", P2("train"), .. small, "--warm-start", ials, "--init-from", Path.Combine(dir, "tt.zip"), "--out", Path.Combine(dir, "tt2.zip")]),
            "--init-from and --warm-start both set the id embeddings");
    }

    [TestMethod]
    public void Train_CollapsedTwoTower_Warned_AHealthyOneNot()
    {
        // Learning rate 1 trains to a finite loss, but every user gets about the same dozen items.
        var dir = TestPaths.TempDir();
        var collapsed = CliRunner.Run("train", "--model", "twotower", "--train", P2("train"), "--set", "Epochs=3", "--set", "LearningRate=1", "--out", Path.Combine(dir, "c.zip"));
        Assert.AreEqual(0, collapsed.ExitCode, collapsed.Err);
        StringAssert.Contains(collapsed.Err, "it may have collapsed; try a lower LearningRate");
        var healthy = CliRunner.Run("train", "--model", "twotower", "--train", P2("train"), "--set", "Epochs=3", "--out", Path.Combine(dir, "h.zip"));
        Assert.AreEqual(0, healthy.ExitCode, healthy.Err);
        Assert.DoesNotContain("may have collapsed", healthy.Err);
    }

    [DataRow("train", "--epochs", "a whole number")]
    [DataRow("recommend", "--k", "a whole number")]
    [DataRow("tune", "--lr", "a number")]
    [TestMethod]
    public void ParseErrors_ValueOfTheWrongType_SayWhatIsExpectedWithoutTheDotNetTypeName(string command, string flag, string expected)
    {
        // The parser named the .NET type: "as expected type 'System.Nullable`1[System.Int32]'".
        var r = CliRunner.Run(command, flag, "abc");
        AssertUsageError(r, $"Cannot parse argument 'abc' for option '{flag}': expected {expected}.");
        Assert.DoesNotContain("System.", r.Err);
    }

    [TestMethod]
    public void Train_WarmStartFileProblem_NamesTheFlagBeforeTheDataIsRead()
    {
        // The file was opened inside the fit, after the data: "Model file '...' does not exist." named no flag.
        var missing = Path.Combine(TestPaths.TempDir(), "missing.zip");
        var r = CliRunner.Run("train", "--model", "twotower", "--train", P2("train"), "--warm-start", missing, "--out", Path.Combine(TestPaths.TempDir(), "m.zip"));
        AssertUsageError(r, $"error: --warm-start: Model file '{missing}' does not exist.");
        var notFactors = CliRunner.Run("train", "--model", "twotower", "--train", P2("train"), "--warm-start", Popularity(), "--out", Path.Combine(TestPaths.TempDir(), "m.zip"));
        AssertUsageError(notFactors, "is a 'popularity' model; it needs factors");
    }

    [DataRow("--user-factors")]
    [DataRow("--item-factors")]
    [TestMethod]
    public void Train_FactorFileMissingOrAFolder_NamesTheFlag(string flag)
    {
        // Both were "Factor file 'X' does not exist.": which of the two flags, and a folder reported as missing.
        var dir = TestPaths.TempDir();
        var factors = Path.Combine(dir, "f.csv");
        File.WriteAllText(factors, "1,0.5,0.5\n");
        var other = flag == "--user-factors" ? "--item-factors" : "--user-factors";
        var missing = Path.Combine(dir, "missing.csv");
        AssertUsageError(CliRunner.Run("train", "--model", "factors", "--train", P2("train"), flag, missing, other, factors, "--out", Path.Combine(dir, "m.zip")),
            $"error: {flag} '{missing}': file not found.");
        AssertUsageError(CliRunner.Run("train", "--model", "factors", "--train", P2("train"), flag, dir, other, factors, "--out", Path.Combine(dir, "m.zip")),
            $"error: {flag} '{dir}' is a folder: give a file");
    }
}
