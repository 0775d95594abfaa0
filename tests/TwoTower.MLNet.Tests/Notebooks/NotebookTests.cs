using System.Diagnostics;

namespace TwoTower.MLNet.Tests.Notebooks;

[TestClass]
public sealed class NotebookTests
{
    public static IEnumerable<object[]> Notebooks() =>
        Directory.GetFiles(Path.Combine(TestPaths.RepositoryRoot, "notebooks"), "*.ipynb").Order().Select(p => new object[] { Path.GetFileName(p) });

    [TestMethod]
    [DynamicData(nameof(Notebooks))]
    public void Notebook_AllCodeCells_CompileAndRun(string notebook)
    {
        var cells = NotebookProgram.CodeCells(Path.Combine(TestPaths.RepositoryRoot, "notebooks", notebook));
        Assert.IsNotEmpty(cells, $"{notebook} has no C# cells.");
        // Outside the repository, so the program does not inherit our build props (central versions, warnings as errors).
        var dir = Path.Combine(Path.GetTempPath(), "twotower-notebooks", Path.GetFileNameWithoutExtension(notebook) + "-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dir);
        var program = Path.Combine(dir, Path.GetFileNameWithoutExtension(notebook).Replace('-', '_') + ".cs");
        File.WriteAllText(program, NotebookProgram.Build(cells, TestPaths.RepositoryRoot, dir));

        var psi = new ProcessStartInfo("dotnet", $"run -c Release \"{program}\"")
        {
            WorkingDirectory = TestPaths.RepositoryRoot, // ../shared resolves from here, as in the notebooks folder's parent
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        psi.Environment["TWOTOWER_DATA"] = Path.Combine(TestPaths.Shared, "datasets");
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(TimeSpan.FromMinutes(5)))
        {
            p.Kill(entireProcessTree: true);
            Assert.Fail($"{notebook} did not finish in 5 minutes.");
        }
        Assert.AreEqual(0, p.ExitCode, $"{notebook} failed ({program}):\n{stdout.Result}\n{stderr.Result}");
        Console.WriteLine(stdout.Result);
    }

    [TestMethod]
    public void Build_NugetAndDllReferences_BecomeDirectives()
    {
        var text = NotebookProgram.Build(new[] { "#r \"nuget: ScottPlot, 5.1.59\"\n#r \"../x/TwoTower.MLNet.dll\"\nusing System.Linq;\nvar x = 1;" }, TestPaths.RepositoryRoot, "/tmp");
        StringAssert.Contains(text, "#:package ScottPlot@5.1.59");
        StringAssert.Contains(text, "#:project " + Path.Combine(TestPaths.RepositoryRoot, "src", "TwoTower.MLNet", "TwoTower.MLNet.csproj"));
        Assert.IsLessThan(text.IndexOf("var x = 1;", StringComparison.Ordinal), text.IndexOf("using System.Linq;", StringComparison.Ordinal));
    }

    [TestMethod]
    public void Build_ReferenceToUnknownAssembly_Throws()
    {
        var ex = Assert.ThrowsExactly<InvalidDataException>(() => NotebookProgram.Build(new[] { "#r \"Nope.dll\"" }, TestPaths.RepositoryRoot, "/tmp"));
        StringAssert.Contains(ex.Message, "names no project");
    }
}
