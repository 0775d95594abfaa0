using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace TwoTower.MLNet.Tests.Notebooks;

/// <summary>Turns a notebook's C# cells into a .NET 10 file-based program (DESIGN §8).</summary>
internal static partial class NotebookProgram
{
    [GeneratedRegex(@"^\s*#r\s+""nuget:\s*([^,""]+)\s*,\s*([^""]+)""\s*$")]
    private static partial Regex NugetReference();

    [GeneratedRegex(@"^\s*#r\s+""([^""]+\.dll)""\s*$")]
    private static partial Regex DllReference();

    [GeneratedRegex(@"^\s*using\s+[A-Za-z0-9_.=\s]+;\s*$")]
    private static partial Regex UsingDirective();

    [GeneratedRegex(@"^\s*(\[.*\]\s*)?((public|internal|sealed|static|abstract|partial|readonly)\s+)*(class|record|struct|interface|enum)\s")]
    private static partial Regex TypeDeclaration();

    /// <summary>The C# code cells of a notebook, in order.</summary>
    public static IReadOnlyList<string> CodeCells(string notebookPath)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(notebookPath));
        var kernel = doc.RootElement.GetProperty("metadata").GetProperty("kernelspec").GetProperty("language").GetString();
        if (kernel != "C#") throw new InvalidDataException($"{notebookPath}: kernelspec language is '{kernel}', expected 'C#'.");
        var cells = new List<string>();
        foreach (var cell in doc.RootElement.GetProperty("cells").EnumerateArray())
        {
            if (cell.GetProperty("cell_type").GetString() != "code") continue;
            cells.Add(string.Concat(cell.GetProperty("source").EnumerateArray().Select(s => s.GetString())));
        }
        return cells;
    }

    /// <summary>
    /// Builds the program text: directives and usings first, then the cells' statements, then display(), then the cells
    /// that declare types (C# wants top-level statements before type declarations; a notebook declares its row classes
    /// in a cell of their own before the cells that use them).
    /// </summary>
    public static string Build(IReadOnlyList<string> cells, string repositoryRoot, string outputDir)
    {
        var directives = new List<string>();
        var usings = new List<string>();
        var statements = new StringBuilder();
        var types = new StringBuilder();
        foreach (var cell in cells)
        {
            var body = DeclaresTypes(cell) ? types : statements;
            foreach (var line in cell.Split('\n'))
            {
                var l = line.TrimEnd('\r');
                if (NugetReference().Match(l) is { Success: true } n)
                    directives.Add($"#:package {n.Groups[1].Value.Trim()}@{n.Groups[2].Value.Trim()}");
                else if (DllReference().Match(l) is { Success: true } d)
                {
                    // A built assembly of ours becomes a project reference to its source.
                    var name = Path.GetFileNameWithoutExtension(d.Groups[1].Value);
                    var proj = Path.Combine(repositoryRoot, "src", name, name + ".csproj");
                    if (!File.Exists(proj)) throw new InvalidDataException($"#r \"{d.Groups[1].Value}\" names no project of this repository ({proj}).");
                    directives.Add($"#:project {proj}");
                }
                else if (UsingDirective().IsMatch(l)) usings.Add(l.Trim());
                else body.AppendLine(l);
            }
            body.AppendLine();
        }
        var sb = new StringBuilder();
        foreach (var d in directives.Distinct()) sb.AppendLine(d);
        sb.AppendLine("#:property TreatWarningsAsErrors=false");
        sb.AppendLine("#:property PublishAot=false");
        // The program's build output (about 400 MB with ML.NET and ONNX Runtime) goes to its own folder, not the user cache.
        sb.AppendLine($"#:property ArtifactsPath={Path.Combine(outputDir, "build")}");
        foreach (var u in usings.Distinct()) sb.AppendLine(u);
        sb.Append(statements);
        sb.AppendLine($$"""
            // display() and HTML() stand in for .NET Interactive's: values print; inline PNGs (data URIs, as
            // ScottPlot's GetPngHtml makes them) and byte[] PNGs are written to files.
            static void display(object? value)
            {
                switch (value)
                {
                    case byte[] png:
                        DisplayState.WritePng(png);
                        break;
                    case NotebookHtml html:
                        var rest = System.Text.RegularExpressions.Regex.Replace(html.Html, "<img[^>]*src=[\"']data:image/png;base64,([A-Za-z0-9+/=]+)[\"'][^>]*>(\\s*</img>)?",
                            m => { DisplayState.WritePng(System.Convert.FromBase64String(m.Groups[1].Value)); return ""; });
                        if (!string.IsNullOrWhiteSpace(rest)) System.Console.WriteLine(rest);
                        break;
                    case string s:
                        System.Console.WriteLine(s);
                        break;
                    case System.Collections.IEnumerable items:
                        foreach (var item in items) System.Console.WriteLine(item);
                        break;
                    default:
                        System.Console.WriteLine(value);
                        break;
                }
            }

            static NotebookHtml HTML(string html) => new(html);

            sealed record NotebookHtml(string Html);

            static class DisplayState
            {
                public static int Count;

                public static void WritePng(byte[] png)
                {
                    if (png.Length < 8 || png[0] != 0x89 || png[1] != (byte)'P') throw new System.IO.InvalidDataException("display: the image is not a PNG.");
                    var path = System.IO.Path.Combine({{JsonSerializer.Serialize(outputDir)}}, $"display-{System.Threading.Interlocked.Increment(ref Count)}.png");
                    System.IO.File.WriteAllBytes(path, png);
                    System.Console.WriteLine($"[image {path}]");
                }
            }
            """);
        sb.Append(types);
        return sb.ToString();
    }

    /// <summary>Whether a cell's first line of code (after directives, usings and comments) declares a type.</summary>
    internal static bool DeclaresTypes(string cell)
    {
        foreach (var raw in cell.Split('\n'))
        {
            var l = raw.Trim();
            if (l.Length == 0 || l.StartsWith("//", StringComparison.Ordinal) || l.StartsWith("#r ", StringComparison.Ordinal) || UsingDirective().IsMatch(l)) continue;
            return TypeDeclaration().IsMatch(l);
        }
        return false;
    }
}
