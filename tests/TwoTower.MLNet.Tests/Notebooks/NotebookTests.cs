using System.Diagnostics;
using System.Xml.Linq;

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
        Console.WriteLine(Run(Path.GetFileNameWithoutExtension(notebook), cells, out _));
    }

    [TestMethod]
    [DynamicData(nameof(Notebooks))]
    public void Notebook_References_EveryAssemblyAndPackageTheLibraryLoads(string notebook)
    {
        // .NET Interactive loads a #r'd DLL without its NuGet dependencies, and the test run above turns #r into
        // #:project, which brings them in: so the references are checked against the projects, as Polyglot would need them.
        var lines = NotebookProgram.CodeCells(Path.Combine(TestPaths.RepositoryRoot, "notebooks", notebook))
            .SelectMany(c => c.Split('\n')).Select(l => l.Trim()).Where(l => l.StartsWith("#r \"", StringComparison.Ordinal)).Select(l => l[4..^1]).ToList();
        var packages = lines.Where(l => l.StartsWith("nuget:", StringComparison.Ordinal)).Select(l => l["nuget:".Length..].Split(',', StringSplitOptions.TrimEntries))
            .ToDictionary(a => a[0], a => a.Length > 1 ? a[1] : "");
        var assemblies = lines.Where(l => l.EndsWith(".dll", StringComparison.Ordinal)).Select(Path.GetFileNameWithoutExtension).ToHashSet();
        var versions = XDocument.Load(Path.Combine(TestPaths.RepositoryRoot, "Directory.Packages.props")).Descendants("PackageVersion")
            .ToDictionary(e => (string)e.Attribute("Include")!, e => (string)e.Attribute("Version")!);
        var (neededProjects, neededPackages) = (new HashSet<string>(), new HashSet<string>());
        void Visit(string project)
        {
            if (!neededProjects.Add(project)) return;
            var csproj = XDocument.Load(Path.Combine(TestPaths.RepositoryRoot, "src", project, project + ".csproj"));
            // The CPU ONNX Runtime is the default build; the GPU one is an opt-in property.
            foreach (var r in csproj.Descendants("PackageReference").Where(r => (string?)r.Parent!.Attribute("Condition") is not { } c || !c.Contains("== 'true'", StringComparison.Ordinal)))
                neededPackages.Add((string)r.Attribute("Include")!);
            foreach (var r in csproj.Descendants("ProjectReference"))
                Visit(Path.GetFileNameWithoutExtension((string)r.Attribute("Include")!.Value.Replace('\\', '/')));
        }
        foreach (var a in assemblies) Visit(a!);
        CollectionAssert.IsSubsetOf(neededProjects.Order().ToArray(), assemblies.Order().ToArray(), $"{notebook}: #r every project assembly the ones it uses depend on.");
        foreach (var package in neededPackages.Order())
        {
            Assert.IsTrue(packages.TryGetValue(package, out var version), $"{notebook}: add #r \"nuget: {package}, {versions[package]}\" (a dependency of {string.Join(", ", assemblies)}).");
            Assert.AreEqual(versions[package], version, $"{notebook}: {package} at the version the library builds with.");
        }
    }

    [TestMethod]
    public void Display_HtmlWithInlinePng_WritesTheImageAndPrintsTheRest()
    {
        // The smallest valid PNG (1×1, grey), as ScottPlot's GetPngHtml would embed it.
        const string png = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAAAAAA6fptVAAAACklEQVR4nGNgAAAAAgABSK+kcQAAAABJRU5ErkJggg==";
        var output = Run("display-html", new[] { $"display(HTML(\"<p>caption</p><img class='' src=\\\"data:image/png;base64,{png}\\\"></img>\"));\ndisplay(new[] {{ 1, 2 }});" }, out var dir);
        StringAssert.Contains(output, "<p>caption</p>");
        StringAssert.Contains(output, "[image ");
        Assert.DoesNotContain("img", output, "the image tag is consumed whole");
        StringAssert.Contains(output, "1\n2\n");
        CollectionAssert.AreEqual(Convert.FromBase64String(png), File.ReadAllBytes(Path.Combine(dir, "display-1.png")));
    }

    // Runs the cells as a file-based program outside the repository (so it does not inherit our build props: central
    // versions, warnings as errors) and returns its standard output; fails the test on a non-zero exit.
    private static string Run(string name, IReadOnlyList<string> cells, out string dir)
    {
        dir = TestPaths.TempDir(); // /tmp, outside the repository; deleted with the test process
        var program = Path.Combine(dir, name.Replace('-', '_') + ".cs");
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
        try
        {
            if (!p.WaitForExit(TimeSpan.FromMinutes(5)))
            {
                p.Kill(entireProcessTree: true);
                Assert.Fail($"{name} did not finish in 5 minutes.");
            }
        }
        finally
        {
            // Its build output is about 400 MB; the program's text and plots stay for a failure's message.
            try { Directory.Delete(Path.Combine(dir, "build"), recursive: true); }
            catch (DirectoryNotFoundException) { }
            DeleteRunFileCache(program);
        }
        Assert.AreEqual(0, p.ExitCode, $"{name} failed ({program}):\n{stdout.Result}\n{stderr.Result}");
        return stdout.Result.ReplaceLineEndings("\n");
    }

    // The SDK keeps a folder per file-based program under ~/.local/share/dotnet/runfile, named after the file and the
    // SHA-256 of its upper-cased full path (SDK 10); every run here has a new path, so each left ~3 MB in the home folder.
    private static void DeleteRunFileCache(string program)
    {
        var hash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(Path.GetFullPath(program).ToUpperInvariant())));
        var cache = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData), "dotnet", "runfile",
            Path.GetFileNameWithoutExtension(program) + "-" + hash);
        try { Directory.Delete(cache, recursive: true); }
        catch (DirectoryNotFoundException) { } // another SDK may keep it elsewhere: nothing to remove then
    }

    [TestMethod]
    public void Build_NugetAndDllReferences_BecomeDirectives()
    {
        var text = NotebookProgram.Build(new[] { "#r \"nuget: ScottPlot, 5.1.59\"\n#r \"../x/TwoTower.MLNet.dll\"\nusing System.Linq;\nvar x = 1;" }, TestPaths.RepositoryRoot, "/tmp");
        StringAssert.Contains(text, "#:package ScottPlot@5.1.59");
        StringAssert.Contains(text, "#:property ArtifactsPath=" + Path.Combine("/tmp", "build"), "build output stays in the run's folder");
        StringAssert.Contains(text, "#:project " + Path.Combine(TestPaths.RepositoryRoot, "src", "TwoTower.MLNet", "TwoTower.MLNet.csproj"));
        Assert.IsLessThan(text.IndexOf("var x = 1;", StringComparison.Ordinal), text.IndexOf("using System.Linq;", StringComparison.Ordinal));
    }

    [TestMethod]
    public void Build_CellDeclaringTypes_MovedAfterTheStatementsOfLaterCells()
    {
        var cells = new[] { "using System.Linq;", "// rows\npublic class Row { public string Id { get; set; } = \"\"; }\npublic sealed class Other;", "var r = new Row();\ndisplay(r.Id);" };
        var text = NotebookProgram.Build(cells, TestPaths.RepositoryRoot, "/tmp");
        Assert.IsLessThan(text.IndexOf("public class Row", StringComparison.Ordinal), text.IndexOf("var r = new Row();", StringComparison.Ordinal));
        Assert.IsLessThan(text.IndexOf("public class Row", StringComparison.Ordinal), text.IndexOf("static class DisplayState", StringComparison.Ordinal));
        Assert.IsFalse(NotebookProgram.DeclaresTypes("var record = 1;\nclass X { }"), "a cell that starts with a statement stays in place");
    }

    [TestMethod]
    public void Build_ReferenceToUnknownAssembly_Throws()
    {
        var ex = Assert.ThrowsExactly<InvalidDataException>(() => NotebookProgram.Build(new[] { "#r \"Nope.dll\"" }, TestPaths.RepositoryRoot, "/tmp"));
        StringAssert.Contains(ex.Message, "names no project");
    }
}
