using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.ML;
using TwoTower.MLNet.Data;

namespace TwoTower.MLNet.Acceptance.Tests;

/// <summary>
/// Runs issue 7's acceptance program (AcceptanceProgram/Program.cs, verbatim) on the p2 split and checks what it
/// prints against an independent reading of the training file.
/// </summary>
[TestClass]
public sealed class AcceptanceProgramTests
{
    private static readonly Regex OkLine = new(@"^ok items=(?<items>[^\n]+?) p50_us=(?<p50>\d+) p99_us=(?<p99>\d+)\s*$", RegexOptions.Multiline);

    [TestMethod]
    public void Program_P2Train_PrintsTenUnseenItemsAndSavesUnder5MB()
    {
        var train = TestPaths.Split("p2", "train");
        var model = Path.Combine(TestPaths.TempDir(), "model.zip");
        var output = new StringWriter();
        var previous = Console.Out;
        Console.SetOut(output);
        // The program, verbatim, never disposes its models: its MLContext's ONNX graph copies go to a temp folder of this test
        // process (an MLContext takes TMPDIR when it is made), not the machine's.
        var previousTemp = Environment.GetEnvironmentVariable("TMPDIR");
        Environment.SetEnvironmentVariable("TMPDIR", TestPaths.TempDir());
        try
        {
            var entry = typeof(Recommendations).Assembly.EntryPoint ?? throw new InvalidOperationException("The acceptance program has no entry point.");
            entry.Invoke(null, [new[] { train, model }]);
        }
        finally
        {
            Environment.SetEnvironmentVariable("TMPDIR", previousTemp);
            Console.SetOut(previous);
        }
        try
        {
            var match = OkLine.Match(output.ToString());
            Assert.IsTrue(match.Success, $"The program did not print its ok line:\n{output}");
            var items = match.Groups["items"].Value.Split(' ');
            Assert.HasCount(10, items);
            Assert.HasCount(10, items.Distinct());
            var seen = File.ReadLines(train).Skip(1).Select(l => l.Split(',')).Where(f => f[0] == "1").Select(f => f[1]).ToHashSet();
            Assert.IsNotEmpty(seen);
            foreach (var item in items) Assert.DoesNotContain(item, seen, $"item {item} is in user 1's training data but excludeSeen was on.");
            Assert.IsLessThan(5L * 1024 * 1024, new FileInfo(model).Length);
            Console.WriteLine(match.Value);
        }
        finally
        {
            File.Delete(model);
        }
    }
}
