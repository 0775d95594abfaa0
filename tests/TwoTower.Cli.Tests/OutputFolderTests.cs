namespace TwoTower.Cli.Tests;

/// <summary>The output checks create folders before any work; a command that then fails removes the ones it made and left empty.</summary>
[TestClass]
public sealed class OutputFolderTests
{
    [TestMethod]
    public void FailedCommands_LeaveNoEmptyOutputFolderOfTheirOwn_NestedOnesIncluded()
    {
        var dir = TestPaths.TempDir();
        var missingModel = Path.Combine(dir, "none.zip");
        var index = CliRunner.Run("index", "build", "--model", missingModel, "--out", Path.Combine(dir, "a", "b", "items.ttvx"));
        Assert.AreEqual(2, index.ExitCode, index.Err);
        Assert.IsFalse(Directory.Exists(Path.Combine(dir, "a")), "index build left a/ (and a/b/) behind");

        var train = CliRunner.Run("train", "--model", "popularity", "--train", Path.Combine(dir, "none.csv"), "--out", Path.Combine(dir, "models", "m.zip"));
        Assert.AreEqual(2, train.ExitCode, train.Err);
        Assert.IsFalse(Directory.Exists(Path.Combine(dir, "models")));

        var score = CliRunner.Run("score", "--model", missingModel, "--out", Path.Combine(dir, "scores"));
        Assert.AreEqual(2, score.ExitCode, score.Err);
        Assert.IsFalse(Directory.Exists(Path.Combine(dir, "scores")));
    }

    [TestMethod]
    public void FailedCommand_KeepsFoldersThatExistedOrHoldFiles_SuccessKeepsItsOwn()
    {
        var dir = TestPaths.TempDir();
        var mine = Path.Combine(dir, "mine");
        Directory.CreateDirectory(mine);
        Assert.AreEqual(2, CliRunner.Run("index", "build", "--model", Path.Combine(dir, "none.zip"), "--out", Path.Combine(mine, "items.ttvx")).ExitCode);
        Assert.IsTrue(Directory.Exists(mine), "a folder that was there before stays");

        var model = Path.Combine(dir, "new", "pop.zip");
        var ok = CliRunner.Run("train", "--model", "popularity", "--train", TestPaths.Split("p2", "train"), "--out", model);
        Assert.AreEqual(0, ok.ExitCode, ok.Err);
        Assert.IsTrue(File.Exists(model));
    }

    [TestMethod]
    public void FileOutputGivenAFolder_ExampleNameIsThisOutputsKindOfFile()
    {
        // Every file output answered a folder with "e.g. DIR/model.zip", also where a CSV or an index goes.
        var dir = TestPaths.TempDir();
        var model = Path.Combine(dir, "pop.zip");
        Assert.AreEqual(0, CliRunner.Run("train", "--model", "popularity", "--train", TestPaths.Split("p2", "train"), "--out", model).ExitCode);
        var perUser = CliRunner.Run("evaluate", "--model", model, "--train", TestPaths.Split("p2", "train"), "--test", TestPaths.Split("p2", "test"), "--per-user", dir);
        Assert.AreEqual(CliApp.UsageError, perUser.ExitCode, perUser.Err);
        StringAssert.Contains(perUser.Err, $"--per-user '{dir}' is a folder: give a file name (e.g. {Path.Combine(dir, "per-user.csv")}).");
        var index = CliRunner.Run("index", "build", "--vectors", Path.Combine(dir, "none.npy"), "--out", dir);
        Assert.AreEqual(CliApp.UsageError, index.ExitCode, index.Err);
        StringAssert.Contains(index.Err, $"--out '{dir}' is a folder: give a file name (e.g. {Path.Combine(dir, "items.ttvx")}).");
    }
}
