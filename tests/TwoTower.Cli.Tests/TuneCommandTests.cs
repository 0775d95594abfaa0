namespace TwoTower.Cli.Tests;

[TestClass]
public sealed class TuneCommandTests
{
    private static string[] Tune(params string[] extra) =>
        ["tune", "--model", "ials", "--train", TestPaths.Split("p2-tune", "train"), "--valid", TestPaths.Split("p2-tune", "valid"), .. extra];

    [TestMethod]
    public void Tune_Ials_TableJsonAndTheBestModelAsTrainWouldFitIt()
    {
        var dir = TestPaths.TempDir();
        var best = Path.Combine(dir, "best.zip");
        var r = CliRunner.Run(Tune("--grid", "Regularization=1,30", "--grid", "Factors=16", "--iterations", "5", "--out", best, "--json"));
        Assert.AreEqual(0, r.ExitCode, r.Err);
        var trials = r.Json["trials"]!.AsArray();
        Assert.HasCount(2, trials);
        var scores = trials.Select(t => t!["score"]!.GetValue<double>()).ToArray();
        Assert.AreEqual(scores.Max(), r.Json["best"]!["score"]!.GetValue<double>());
        Assert.AreNotEqual(scores[0], scores[1], "the two settings are different models");
        var bestReg = r.Json["best"]!["settings"]!["Regularization"]!.GetValue<string>();
        // Each trial's error by users, and the other trial against the best, paired: its difference is the scores' difference.
        var bestTrial = trials.Single(t => t!["vs_best"] is null)!;
        var other = trials.Single(t => t!["vs_best"] is not null)!;
        Assert.IsTrue(trials.All(t => t!["standard_error"]!.GetValue<double>() > 0));
        Assert.AreEqual(other["score"]!.GetValue<double>() - bestTrial["score"]!.GetValue<double>(), other["vs_best"]!["difference"]!.GetValue<double>(), 2e-6);
        Assert.IsGreaterThan(0.0, other["vs_best"]!["standard_error"]!.GetValue<double>());
        StringAssert.Contains(r.Out, "Regularization");
        StringAssert.Contains(r.Err, "tune ials: 2/2");
        // `train` with the same flags and the best setting as --set writes the same model as the one tune kept.
        var again = Path.Combine(dir, "again.zip");
        Assert.AreEqual(0, CliRunner.Run("train", "--model", "ials", "--train", TestPaths.Split("p2-tune", "train"), "--iterations", "5",
            "--set", $"Regularization={bestReg}", "--set", "Factors=16", "--out", again).ExitCode);
        double Ndcg(string model) => CliRunner.Run("evaluate", "--model", model, "--train", TestPaths.Split("p2-tune", "train"), "--test", TestPaths.Split("p2-tune", "valid"), "--json").Json["NDCG@10"]!.GetValue<double>();
        Assert.AreEqual(Ndcg(again), Ndcg(best));
    }

    [TestMethod]
    public void Tune_ASettingThatDiverges_ListedAsFailedAndTheBestOfTheOthersKept()
    {
        var best = Path.Combine(TestPaths.TempDir(), "best.zip");
        var r = CliRunner.Run("tune", "--model", "twotower", "--train", TestPaths.Split("p2-tune", "train"), "--valid", TestPaths.Split("p2-tune", "valid"),
            "--grid", "LearningRate=1000000,0.003", "--epochs", "1", "--out", best, "--json");
        Assert.AreEqual(0, r.ExitCode, r.Err);
        var trials = r.Json["trials"]!.AsArray();
        Assert.HasCount(2, trials);
        StringAssert.Contains(trials[0]!["failure"]!.GetValue<string>(), "Training diverged at epoch 1");
        Assert.IsNull(trials[0]!["score"]);
        Assert.IsNull(trials[1]!["failure"]);
        Assert.AreEqual("0.003", r.Json["best"]!["settings"]!["LearningRate"]!.GetValue<string>());
        StringAssert.Contains(r.Err, "tune twotower: 1/2 LearningRate=1000000 -> failed: Training diverged");
        Assert.IsTrue(File.Exists(best));
    }

    [TestMethod]
    public void Tune_Seeds_ScoresEachSettingByTheMeanOfItsSeeds()
    {
        var r = CliRunner.Run(Tune("--grid", "Regularization=1,30", "--factors", "8", "--iterations", "3", "--seeds", "2", "--json"));
        Assert.AreEqual(0, r.ExitCode, r.Err);
        Assert.AreEqual(2, r.Json["seeds"]!.GetValue<int>());
        foreach (var t in r.Json["trials"]!.AsArray())
        {
            var perSeed = t!["seed_scores"]!.AsArray().Select(v => v!.GetValue<double>()).ToArray();
            Assert.HasCount(2, perSeed);
            Assert.AreEqual(perSeed.Average(), t["score"]!.GetValue<double>(), 2e-6);
        }
        var ease = CliRunner.Run("tune", "--model", "ease", "--train", TestPaths.Split("p2-tune", "train"), "--valid", TestPaths.Split("p2-tune", "valid"), "--grid", "Lambda=100,300", "--seeds", "2");
        Assert.AreEqual(2, ease.ExitCode);
        StringAssert.Contains(ease.Err, "model 'ease' has no Seed option");
        var both = CliRunner.Run(Tune("--grid", "Seed=1,2", "--seeds", "2"));
        Assert.AreEqual(2, both.ExitCode);
        StringAssert.Contains(both.Err, "the grid already has a Seed axis");
    }

    [TestMethod]
    public void Tune_Trials_FitsThatManyRandomSettingsOfTheGrid()
    {
        var r = CliRunner.Run(Tune("--grid", "Regularization=1,10,30,100", "--grid", "Alpha=0.5,5", "--factors", "8", "--iterations", "2", "--trials", "3", "--seed", "9", "--json"));
        Assert.AreEqual(0, r.ExitCode, r.Err);
        var trials = r.Json["trials"]!.AsArray();
        Assert.HasCount(3, trials);
        Assert.AreEqual("random 3 (seed 9)", r.Json["search"]!.GetValue<string>());
        StringAssert.Contains(r.Err, "tune ials: 3/3");
        var settings = trials.Select(t => $"{t!["settings"]!["Regularization"]} {t["settings"]!["Alpha"]}").ToArray();
        Assert.HasCount(3, settings.Distinct());
        var again = CliRunner.Run(Tune("--grid", "Regularization=1,10,30,100", "--grid", "Alpha=0.5,5", "--factors", "8", "--iterations", "2", "--trials", "3", "--seed", "9", "--json"));
        CollectionAssert.AreEqual(settings, again.Json["trials"]!.AsArray().Select(t => $"{t!["settings"]!["Regularization"]} {t["settings"]!["Alpha"]}").ToArray(), "the same seed draws the same settings");
        // --trials at or past the grid's size fits the whole grid, and says so (it called it a random search).
        var whole = CliRunner.Run(Tune("--grid", "Regularization=1,10", "--factors", "8", "--iterations", "2", "--trials", "5", "--json"));
        Assert.AreEqual(0, whole.ExitCode, whole.Err);
        Assert.HasCount(2, whole.Json["trials"]!.AsArray());
        Assert.AreEqual("grid", whole.Json["search"]!.GetValue<string>());
        var table = CliRunner.Run(Tune("--grid", "Regularization=1,10", "--factors", "8", "--iterations", "2", "--trials", "5"));
        StringAssert.Contains(table.Out, "2 settings");
        Assert.IsFalse(table.Out.Contains("random settings", StringComparison.Ordinal), table.Out);
    }

    [TestMethod]
    public void Tune_GridTooLargeOrBadTrials_SaysHowToSearchIt()
    {
        var values = string.Join(',', Enumerable.Range(1, 17));
        var big = CliRunner.Run(Tune("--grid", $"Regularization={values}", "--grid", $"Alpha={values}"));
        Assert.AreEqual(2, big.ExitCode);
        StringAssert.Contains(big.Err, "289 settings");
        StringAssert.Contains(big.Err, "Give --trials N");
        var bad = CliRunner.Run(Tune("--grid", "Alpha=1,2", "--trials", "-1"));
        Assert.AreEqual(2, bad.ExitCode);
        StringAssert.Contains(bad.Err, "--trials -1: expected 0 (the whole grid) to 256");
    }

    [TestMethod]
    [DataRow("--grid|Alpah=1,2", "--grid Alpah=1: ImplicitAlsOptions has no settable option 'Alpah'")]
    [DataRow("--grid|Alpha=1,,2", "--grid: Grid axis 'Alpha=1,,2' has an empty value")]
    [DataRow("--grid|Alpha=1|--metric|NDGC@10", "--metric: Validation metric 'NDGC@10'")]
    [DataRow("--grid|Alpha=x", "--grid Alpha=x:")]
    public void Tune_BadGridOrMetric_ExitsWithUsageErrorBeforeFitting(string args, string expected)
    {
        var r = CliRunner.Run(Tune(args.Split('|')));
        Assert.AreEqual(2, r.ExitCode, r.Err);
        StringAssert.Contains(r.Err, expected);
        Assert.DoesNotContain("tune ials:", r.Err, "no setting was fitted");
    }

    [TestMethod]
    [DataRow("--alpha|3", "--grid Alpha: --alpha also sets it")]
    [DataRow("--set|alpha=3", "--grid Alpha: --set alpha=3 also sets it")]
    [DataRow("--recency|0", "--grid RecencyBoost: --recency also sets it")]
    public void Tune_FixedSettingOfASearchedOption_IsRefusedBeforeFitting(string fixedSetting, string expected)
    {
        // The grid's values replaced the fixed one without a word: the user believed every setting had it.
        var r = CliRunner.Run(Tune(["--grid", "Alpha=0.5,2", "--grid", "RecencyBoost=1,3", "--iterations", "1", .. fixedSetting.Split('|')]));
        Assert.AreEqual(2, r.ExitCode, r.Err);
        StringAssert.Contains(r.Err, expected);
        Assert.DoesNotContain("tune ials:", r.Err, "no setting was fitted");
    }

    [TestMethod]
    public void Tune_OutThatIsTheItemsFile_IsRefusedBeforeFitting()
    {
        // --out was checked against --train, --valid and --data only: the best model replaced the item metadata it was tuned with.
        var items = Path.Combine(TestPaths.TempDir(), "u.item");
        File.Copy(Path.Combine(TestPaths.MovieLens100K, "u.item"), items);
        var before = File.ReadAllBytes(items);
        var r = CliRunner.Run(Tune("--grid", "Alpha=1", "--iterations", "1", "--items", items, "--out", items));
        Assert.AreEqual(2, r.ExitCode, r.Err);
        StringAssert.Contains(r.Err, $"--out '{items}' would overwrite the input --items '{items}'");
        CollectionAssert.AreEqual(before, File.ReadAllBytes(items));
    }

    [TestMethod]
    public void Tune_ModelWithoutOptionsOrNoValid_ExitsWithUsageError()
    {
        var pop = CliRunner.Run("tune", "--model", "popularity", "--train", TestPaths.Split("p2-tune", "train"), "--valid", TestPaths.Split("p2-tune", "valid"), "--grid", "X=1");
        Assert.AreEqual(2, pop.ExitCode);
        StringAssert.Contains(pop.Err, "model 'popularity' has no options to search");
        var noValid = CliRunner.Run("tune", "--model", "ials", "--train", TestPaths.Split("p2-tune", "train"), "--grid", "Alpha=1,2");
        Assert.AreEqual(2, noValid.ExitCode);
        StringAssert.Contains(noValid.Err, "--valid is required");
    }

    [TestMethod]
    public void Tune_ValidRowsThatAreTrainingPairsOrUnknown_WarnsAndSaysHowManyRowsScored()
    {
        // p2/train holds every p2-tune/valid pair: the scores measured memory (NDCG@10 .67 against .07) without a word.
        var leaked = CliRunner.Run("tune", "--model", "ials", "--train", TestPaths.Split("p2", "train"), "--valid", TestPaths.Split("p2-tune", "valid"), "--grid", "Alpha=2", "--factors", "8", "--iterations", "2");
        Assert.AreEqual(0, leaked.ExitCode, leaked.Err);
        StringAssert.Contains(leaked.Err, "warning: 943 of 943 --valid rows are also (user, item) pairs of --train");
        var honest = CliRunner.Run(Tune("--grid", "Alpha=2", "--factors", "8", "--iterations", "2"));
        Assert.AreEqual(0, honest.ExitCode, honest.Err);
        Assert.IsFalse(honest.Err.Contains("warning:", StringComparison.Ordinal), honest.Err);
        // Two p2-tune/valid rows name an item p2-tune/train lacks: the table says it scored the other 941.
        StringAssert.Contains(honest.Err + honest.Out, "(941 of 943 rows)");
    }

    [TestMethod]
    public void Tune_MfByRmse_KeepsTheLowestErrorAndRefusesRankingModels()
    {
        // tune could search mf only by ranking metrics; an explicit model is tuned by the error of its predicted ratings.
        var dir = TestPaths.TempDir();
        var best = Path.Combine(dir, "mf.zip");
        var r = CliRunner.Run("tune", "--model", "mf", "--train", TestPaths.Split("p2-tune", "train"), "--valid", TestPaths.Split("p2-tune", "valid"),
            "--grid", "Regularization=0.01,0.1", "--grid", "Iterations=5", "--metric", "RMSE", "--out", best, "--json");
        Assert.AreEqual(0, r.ExitCode, r.Err);
        Assert.AreEqual("RMSE", r.Json["metric"]!.GetValue<string>());
        Assert.IsTrue(r.Json["lower_is_better"]!.GetValue<bool>());
        var scores = r.Json["trials"]!.AsArray().Select(t => t!["score"]!.GetValue<double>()).ToArray();
        Assert.AreEqual(scores.Min(), r.Json["best"]!["score"]!.GetValue<double>());
        // The kept model's RMSE on --valid is what the rating protocol reports for it.
        var eval = CliRunner.Run("evaluate", "--model", best, "--train", TestPaths.Split("p2-tune", "train"), "--test", TestPaths.Split("p2-tune", "valid"), "--protocol", "rating", "--json");
        Assert.AreEqual(0, eval.ExitCode, eval.Err);
        Assert.AreEqual(scores.Min(), eval.Json["RMSE"]!.GetValue<double>(), 1e-4);
        var ials = CliRunner.Run("tune", "--model", "ials", "--train", TestPaths.Split("p2-tune", "train"), "--valid", TestPaths.Split("p2-tune", "valid"), "--grid", "Alpha=1,2", "--metric", "RMSE");
        Assert.AreEqual(2, ials.ExitCode);
        StringAssert.Contains(ials.Err, "only 'mf' (explicit matrix factorization) predicts ratings");
    }
}
