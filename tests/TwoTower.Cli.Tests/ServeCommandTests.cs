using System.Net.Http.Json;
using System.Text.Json.Nodes;
using TwoTower.Cli.Commands;
using TwoTower.Cli.Infrastructure;
using TwoTower.MLNet.Data;
using TwoTower.MLNet.MatrixFactorization;
using TwoTower.MLNet.Persistence;
using TwoTower.Serving.Hosting;

namespace TwoTower.Cli.Tests;

[TestClass]
public sealed class ServeCommandTests
{
    private static string SaveModel(string dir)
    {
        var rng = new Random(5);
        var users = new IdMap("user", Enumerable.Range(1, 10).Select(i => i.ToString()));
        var items = new IdMap("item", Enumerable.Range(1, 12).Select(i => i.ToString()));
        var model = new MatrixFactorizationModel(MatrixFactorizationModel.ImplicitModelType, users, items,
            Enumerable.Range(0, 40).Select(_ => (float)rng.NextDouble()).ToArray(), Enumerable.Range(0, 48).Select(_ => (float)rng.NextDouble()).ToArray(), 4);
        var seen = SparseMatrix.FromCoordinates(10, 12, Enumerable.Range(0, 10).ToArray(), Enumerable.Range(0, 10).ToArray(), Enumerable.Repeat(1f, 10).ToArray());
        var path = Path.Combine(dir, "m.zip");
        ModelFile.Save(path, model, seen);
        return path;
    }

    [TestMethod]
    public async Task Start_ModelFile_ServesHealthAndRecommend()
    {
        var dir = Directory.CreateTempSubdirectory("twotower-serve-").FullName;
        var console = new CliConsole(new StringWriter(), new StringWriter(), false);
        var app = ServeCommand.Start(new ServingOptions { ModelPath = SaveModel(dir) }, "http://127.0.0.1:0", console);
        try
        {
            using var client = new HttpClient { BaseAddress = ServingApp.ListeningAddress(app) };
            var health = await client.GetFromJsonAsync<JsonObject>("/health");
            Assert.AreEqual(12, health!["items"]!.GetValue<int>());
            var res = await client.PostAsJsonAsync("/recommend", new { userId = "nobody", k = 3 });
            Assert.AreEqual(3, (await res.Content.ReadFromJsonAsync<JsonObject>())!["items"]!.AsArray().Count);
            StringAssert.Contains(console.Error.ToString(), "Serving ials (12 items");
        }
        finally
        {
            await app.StopAsync();
            Directory.Delete(dir, true);
        }
    }

    [TestMethod]
    public void Start_PortTaken_OneLineErrorAndTheStateFolderLetGo()
    {
        // The engine of an app that never started was never disposed: its state folder stayed locked in this process.
        var dir = Directory.CreateTempSubdirectory("twotower-serve-").FullName;
        using var taken = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        taken.Start();
        var port = ((System.Net.IPEndPoint)taken.LocalEndpoint).Port;
        var state = Path.Combine(dir, "state");
        var console = new CliConsole(new StringWriter(), new StringWriter(), false);
        var ex = Assert.ThrowsExactly<UserInputException>(() =>
            ServeCommand.Start(new ServingOptions { ModelPath = SaveModel(dir), StateDirectory = state }, $"http://127.0.0.1:{port}", console));
        StringAssert.Contains(ex.Message, "cannot listen");
        TwoTower.MLNet.Retrieval.Updates.UpdateLog.Open(state, out _).Dispose();
        Directory.Delete(dir, true);
    }

    [TestMethod]
    public void Serve_MissingModelFile_ExitCode2NamingPath()
    {
        var r = CliRunner.Run("serve", "--model", "/nonexistent/model.zip", "--urls", "http://127.0.0.1:0");
        Assert.AreEqual(CliApp.UsageError, r.ExitCode);
        StringAssert.Contains(r.Err, "/nonexistent/model.zip");
    }

    [TestMethod]
    [DataRow("--model|{dir}/missing.zip", "--model: Model file '{dir}/missing.zip' does not exist.")]
    [DataRow("--data|{dir}/missing", "--data: Item metadata path '{dir}/missing' does not exist.")]
    [DataRow("--data|{dir}", "--data: Folder '{dir}' has no item file")]
    [DataRow("--config|{dir}/missing.json", "--config: The candidate generator configuration file '{dir}/missing.json' does not exist.")]
    [DataRow("--config|{dir}/broken.json", "--config: {dir}/broken.json: Invalid candidate generator configuration")]
    [DataRow("--config|{dir}/unknown-source.json", "--config '{dir}/unknown-source.json': Source 'nosuch' is not available; expected one of: itemknn, mf, popularity.")]
    public void Serve_BadModelDataOrConfig_ExitCode2NamingTheFlag(string args, string message)
    {
        // Found by an audit: these named the file but not the flag ("Model file 'x' does not exist."), as train and evaluate do.
        var dir = TestPaths.TempDir();
        var model = SaveModel(dir);
        File.WriteAllText(Path.Combine(dir, "broken.json"), "{\"sources\": [");
        File.WriteAllText(Path.Combine(dir, "unknown-source.json"), "{\"sources\": [{\"source\": \"nosuch\", \"quota\": 10}]}");
        var given = args.Replace("{dir}", dir).Split('|');
        var r = CliRunner.Run(["serve", "--urls", "http://127.0.0.1:0", .. (given[0] == "--model" ? Array.Empty<string>() : new[] { "--model", model }), .. given]);
        Assert.AreEqual(CliApp.UsageError, r.ExitCode, r.Err);
        StringAssert.Contains(r.Err, message.Replace("{dir}", dir));
    }

    [TestMethod]
    public void Serve_MalformedItemRow_NamesTheRowWithoutAFlagServeLacks()
    {
        // The row parser's hint "(use --skip-bad-rows to skip such rows)" reached serve, which has no such flag.
        var dir = TestPaths.TempDir();
        var model = SaveModel(dir);
        var data = Directory.CreateDirectory(Path.Combine(dir, "data")).FullName;
        File.WriteAllText(Path.Combine(data, "u.item"), "1|Toy Story (1995)|01-Jan-1995||url|0|0|0|1|1|1|0|0|0|0|0|0|0|0|0|0|0|0|0\n2|broken\n");
        var r = CliRunner.Run("serve", "--model", model, "--data", data, "--urls", "http://127.0.0.1:0");
        Assert.AreEqual(CliApp.UsageError, r.ExitCode, r.Err);
        StringAssert.Contains(r.Err, $"--data: {Path.Combine(data, "u.item")}:2: expected 24 '|'-separated fields");
        Assert.DoesNotContain("--skip-bad-rows", r.Err);
    }

    [TestMethod]
    public void Serve_PgUnreachable_ExitCode2NamingTheFlag()
    {
        var model = SaveModel(TestPaths.TempDir());
        var r = CliRunner.Run("serve", "--model", model, "--urls", "http://127.0.0.1:0", "--pg", "Host=127.0.0.1;Port=1;Username=x;Password=y;Timeout=2");
        Assert.AreEqual(2, r.ExitCode, r.Err);
        StringAssert.Contains(r.Err, "--pg: ");
    }

    [TestMethod]
    public void Serve_StateIsAFileOrIndexSpecUnknown_ExitCode2NamingTheFlag()
    {
        // Found by an audit: a file given as --state failed inside the update log ("IOException: The file '…' already
        // exists.", exit code 1), and an unknown --index spec was reported without naming the flag.
        var dir = TestPaths.TempDir();
        var model = SaveModel(dir);
        var file = Path.Combine(dir, "state.txt");
        File.WriteAllText(file, "not a folder");
        var state = CliRunner.Run("serve", "--model", model, "--urls", "http://127.0.0.1:0", "--state", file);
        Assert.AreEqual(CliApp.UsageError, state.ExitCode, state.Err);
        StringAssert.Contains(state.Err, $"--state '{file}' is a file: give a folder.");
        var spec = CliRunner.Run("serve", "--model", model, "--urls", "http://127.0.0.1:0", "--index", "HNSWx");
        Assert.AreEqual(CliApp.UsageError, spec.ExitCode, spec.Err);
        StringAssert.Contains(spec.Err, "--index 'HNSWx': Unknown index spec");
    }

    [TestMethod]
    [DataRow("--index|Flat|--pg|Host=127.0.0.1;Port=1", "--index and --pg: give one")]
    [DataRow("--deterministic-index|--index|IVF4,Flat", "--deterministic-index: only an HNSW --index is built in parallel; 'IVF4,Flat'")]
    [DataRow("--deterministic-index|--pg|Host=127.0.0.1;Port=1", "--deterministic-index: only an HNSW --index is built in parallel; --pg")]
    [DataRow("--pg-table|vectors", "--pg-table goes with --pg")]
    public void Serve_OptionsAnotherMakesMoot_ExitCode2NamingBoth(string args, string message)
    {
        // Found by an audit: these were accepted and ignored without a word.
        var r = CliRunner.Run(["serve", "--model", "m.zip", "--urls", "http://127.0.0.1:0", .. args.Split('|')]);
        Assert.AreEqual(CliApp.UsageError, r.ExitCode, r.Err);
        StringAssert.Contains(r.Err, message);
    }

    [TestMethod]
    public void Serve_BadUrl_ExitCode2()
    {
        var r = CliRunner.Run("serve", "--model", "m.zip", "--urls", "ftp://x");
        Assert.AreEqual(CliApp.UsageError, r.ExitCode);
        StringAssert.Contains(r.Err, "--urls: 'ftp://x' is not an http(s) address");
    }
}
