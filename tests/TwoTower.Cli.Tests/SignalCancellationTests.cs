using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace TwoTower.Cli.Tests;

/// <summary>
/// SIGINT and SIGTERM stop the long commands gracefully: the built CLI runs as a child process and is sent the signal
/// (in process the signal would reach the test host) once its work is under way.
/// </summary>
[TestClass]
public sealed class SignalCancellationTests
{
    [TestMethod]
    public void Score_Sigterm_ExitsWith143AndLeavesNoShardOrTemporary()
    {
        if (OperatingSystem.IsWindows()) Assert.Inconclusive("kill -TERM needs a Unix system.");
        // 30,000 users × k = 1000: 30 million rows, several seconds of scoring.
        var dir = TestPaths.TempDir();
        var train = Path.Combine(dir, "train.csv");
        var csv = new StringBuilder("user_id,item_id\n");
        for (var u = 0; u < 30_000; u++) csv.Append(CultureInfo.InvariantCulture, $"u{u},i{u % 2000}\nu{u},i{(u * 7 + 1) % 2000}\n");
        File.WriteAllText(train, csv.ToString());
        var model = Path.Combine(dir, "pop.zip");
        Assert.AreEqual(0, CliRunner.Run("train", "--model", "popularity", "--train", train, "--out", model).ExitCode);
        var output = Path.Combine(dir, "scores");

        var r = RunAndSignal("TERM", "score shard 0/1: users", "score", "--model", model, "--out", output, "--k", "1000");

        Assert.AreEqual(143, r.ExitCode, r.Err);
        Assert.AreEqual("twotower score: cancelled; no shard file was written", LastLine(r.Err), r.Err);
        Assert.IsEmpty(Directory.GetFiles(output, "part-*"), "no shard file");
        Assert.IsEmpty(Directory.GetFiles(output, "*.tmp"), "the shard's temporary file is deleted");
    }

    [TestMethod]
    public void TrainWithCheckpoint_Sigint_ExitsWith130SavesNoModelAndSaysTheCheckpointResumes()
    {
        if (OperatingSystem.IsWindows()) Assert.Inconclusive("kill -INT needs a Unix system.");
        var dir = TestPaths.TempDir();
        var model = Path.Combine(dir, "tt.zip");
        var checkpoint = Path.Combine(dir, "ckpt");

        var r = RunAndSignal("INT", "train twotower: epoch 1/200", "train", "--model", "twotower", "--train", TestPaths.Split("p2", "train"),
            "--set", "Epochs=200", "--checkpoint", checkpoint, "--out", model);

        Assert.AreEqual(130, r.ExitCode, r.Err);
        Assert.AreEqual($"twotower train: cancelled; no model was written; {checkpoint} keeps every finished epoch (the one in progress is lost): the same command resumes after them",
            LastLine(r.Err), r.Err);
        Assert.IsFalse(File.Exists(model));
        Assert.IsEmpty(Directory.GetFiles(dir, "*.tmp"));
        Assert.IsEmpty(Directory.GetFiles(checkpoint, "*.tmp"));
        Assert.IsNotEmpty(Directory.GetFiles(checkpoint, "*.ckpt"), "epoch 1 was saved");
    }

    [TestMethod]
    public void Tune_SigtermDuringTheSecondSetting_ExitsWith143AndCountsTheFinishedTrials()
    {
        if (OperatingSystem.IsWindows()) Assert.Inconclusive("kill -TERM needs a Unix system.");
        var best = Path.Combine(TestPaths.TempDir(), "best.zip");

        // The first setting fits 1 epoch, the second 200: the signal comes during the second.
        var r = RunAndSignal("TERM", "tune twotower: 1/2", "tune", "--model", "twotower", "--train", TestPaths.Split("p2-tune", "train"),
            "--valid", TestPaths.Split("p2-tune", "valid"), "--grid", "Epochs=1,200", "--out", best);

        Assert.AreEqual(143, r.ExitCode, r.Err);
        Assert.AreEqual("twotower tune: cancelled after 1 of 2 settings (their scores are in the lines above); no model was saved", LastLine(r.Err), r.Err);
        Assert.IsFalse(File.Exists(best));
    }

    [TestMethod]
    public void IndexBuild_SigintDuringTheBuild_ExitsWith130AndKeepsThePreviousIndex()
    {
        if (OperatingSystem.IsWindows()) Assert.Inconclusive("kill -INT needs a Unix system.");
        var dir = TestPaths.TempDir();
        var small = WriteFvecs(Path.Combine(dir, "small.fvecs"), 10, 32);
        // 100,000 × 32 into HNSW16: many seconds of graph construction.
        var large = WriteFvecs(Path.Combine(dir, "large.fvecs"), 100_000, 32);
        var index = Path.Combine(dir, "items.ttvx");
        Assert.AreEqual(0, CliRunner.Run("index", "build", "--vectors", small, "--index", "Flat", "--out", index).ExitCode);
        var before = File.ReadAllBytes(index);

        var r = RunAndSignal("INT", "index build: HNSW16 of 100000 × 32 vectors", "index", "build", "--vectors", large, "--index", "HNSW16", "--out", index);

        Assert.AreEqual(130, r.ExitCode, r.Err);
        Assert.AreEqual($"twotower index build: cancelled; no index was written ({index} keeps its previous index)", LastLine(r.Err), r.Err);
        CollectionAssert.AreEqual(before, File.ReadAllBytes(index), "the previous index is kept");
        Assert.IsEmpty(Directory.GetFiles(dir, "*.tmp"));
    }

    [TestMethod]
    public void IndexBench_SigintDuringTheBuild_ExitsWith130AndLeavesNoFile()
    {
        if (OperatingSystem.IsWindows()) Assert.Inconclusive("kill -INT needs a Unix system.");
        var dir = TestPaths.TempDir();
        // 100,000 × 32 into HNSW16: many seconds of graph construction.
        var vectors = WriteFvecs(Path.Combine(dir, "base.fvecs"), 100_000, 32);
        var queries = WriteFvecs(Path.Combine(dir, "queries.fvecs"), 10, 32);
        var truth = WriteIvecs(Path.Combine(dir, "gt.ivecs"), 10, 10);
        var temp = Directory.CreateDirectory(Path.Combine(dir, "tmp")).FullName;

        var r = RunAndSignalWithTemp("INT", "index bench: building HNSW16 of 100000 × 32 vectors", temp,
            "index", "bench", "--base", vectors, "--queries", queries, "--gt", truth, "--index", "HNSW16");

        Assert.AreEqual(130, r.ExitCode, r.Err);
        Assert.AreEqual("twotower index bench: cancelled; nothing was measured", LastLine(r.Err), r.Err);
        Assert.IsEmpty(Directory.GetFiles(temp, "annbench-*"), "no index file of the benchmark is left in the temporary folder");
    }

    [TestMethod]
    public void BenchAnn_SigtermDuringTheWork_ExitsWith143AndLeavesNoFile()
    {
        if (OperatingSystem.IsWindows()) Assert.Inconclusive("kill -TERM needs a Unix system.");
        var temp = TestPaths.TempDir();

        // 100,000 × 32 into HNSW16: a second of exact ground truth, then many seconds of graph construction.
        var r = RunAndSignalWithTemp("TERM", "100000 × 32 base vectors", temp, "bench", "ann", "--n", "100000", "--d", "32", "--index", "HNSW16");

        Assert.AreEqual(143, r.ExitCode, r.Err);
        Assert.AreEqual("twotower bench ann: cancelled; nothing was measured", LastLine(r.Err), r.Err);
        Assert.IsEmpty(Directory.GetFiles(temp, "annbench-*"), "no index file of the benchmark is left in the temporary folder");
    }

    // Row numbers below `rows` in the .ivecs layout: each row its width (int32), then its ids (int32).
    private static string WriteIvecs(string path, int rows, int width)
    {
        using var writer = new BinaryWriter(File.Create(path));
        for (var i = 0; i < rows; i++)
        {
            writer.Write(width);
            for (var j = 0; j < width; j++) writer.Write(i * width + j);
        }
        return path;
    }

    // Seeded uniform rows in the .fvecs layout: each row its dimension (int32), then its values (float32).
    private static string WriteFvecs(string path, int rows, int dimension)
    {
        var rng = new Random(rows);
        using var writer = new BinaryWriter(File.Create(path));
        for (var i = 0; i < rows; i++)
        {
            writer.Write(dimension);
            for (var j = 0; j < dimension; j++) writer.Write((float)(rng.NextDouble() * 2 - 1));
        }
        return path;
    }

    private static string LastLine(string text) => text.TrimEnd().Split('\n')[^1].TrimEnd('\r');

    // Starts `dotnet twotower.dll args`, sends SIGsignal once a stderr line starts with startedLine, waits for the exit.
    private static (int ExitCode, string Err) RunAndSignal(string signal, string startedLine, params string[] args)
        => RunAndSignalWithTemp(signal, startedLine, null, args);

    // RunAndSignal with the child's temporary folder (TMPDIR) set to tempDir, when given, so that its files there can be checked.
    private static (int ExitCode, string Err) RunAndSignalWithTemp(string signal, string startedLine, string? tempDir, params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (tempDir is not null) psi.Environment["TMPDIR"] = tempDir;
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "twotower.dll"));
        foreach (var a in args) psi.ArgumentList.Add(a);
        var err = new StringBuilder();
        using var started = new ManualResetEventSlim();
        using var process = Process.Start(psi)!;
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            lock (err) err.AppendLine(e.Data);
            if (e.Data.StartsWith(startedLine, StringComparison.Ordinal)) started.Set();
        };
        process.OutputDataReceived += (_, _) => { };
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        try
        {
            var clock = Stopwatch.StartNew();
            while (!started.Wait(50))
                Assert.IsTrue(!process.HasExited && clock.Elapsed < TimeSpan.FromSeconds(120), $"the command ended (or hung) before '{startedLine}': {err}");
            using (var kill = Process.Start("kill", $"-{signal} {process.Id}")) kill.WaitForExit();
            Assert.IsTrue(process.WaitForExit(TimeSpan.FromSeconds(60)), $"still running 60 s after SIG{signal}: {err}");
            process.WaitForExit(); // the asynchronous readers have seen the end of the output
        }
        finally
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
        }
        lock (err) return (process.ExitCode, err.ToString());
    }
}
