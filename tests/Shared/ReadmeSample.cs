using System.Text.RegularExpressions;

namespace TwoTower.TestSupport;

/// <summary>Keeps a C# sample of README.md identical to the test code that compiles and runs it.</summary>
internal static class ReadmeSample
{
    /// <summary>
    /// Asserts that the lines between <c>// README-SAMPLE-BEGIN name</c> and <c>// README-SAMPLE-END name</c> of the test file
    /// (a path from the repository root) stand in README.md, ignoring indentation and blank lines.
    /// </summary>
    public static void AssertInReadme(string testFile, string name, int minimumLength = 100)
    {
        var source = File.ReadAllText(Path.Combine(TestPaths.RepositoryRoot, testFile));
        var sample = Regex.Match(source, $@"// README-SAMPLE-BEGIN {name}\r?\n(.*?)\r?\n\s*// README-SAMPLE-END {name}", RegexOptions.Singleline).Groups[1].Value;
        Assert.IsGreaterThan(minimumLength, sample.Length, $"no '{name}' sample found in {testFile}");
        var readme = File.ReadAllText(Path.Combine(TestPaths.RepositoryRoot, "README.md"));
        StringAssert.Contains(Norm(readme), Norm(sample), $"README.md's '{name}' sample differs from {testFile}: update the README.");
    }

    private static string Norm(string s) => string.Join("\n", s.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0));
}
