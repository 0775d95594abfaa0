using System.Diagnostics;
using TwoTower.MLNet.Onnx.Scoring;
using TwoTower.MLNet.Onnx.Towers;

namespace TwoTower.MLNet.Onnx.Tests;

/// <summary>Runs ONNX's own checker (Debian python3-onnx) over exported files; Inconclusive when it is not installed.</summary>
[TestClass]
public sealed class OnnxCheckerTests
{
    private const string Python = "/usr/bin/python3";

    private static (int Code, string Output) RunPython(params string[] args)
    {
        var psi = new ProcessStartInfo(Python) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, stdout.Result + stderr);
    }

    private static void RequireOnnx()
    {
        if (!File.Exists(Python)) Assert.Inconclusive($"{Python} is absent: cannot run onnx.checker (install Debian python3-onnx).");
        var (code, output) = RunPython("-c", "import onnx");
        if (code != 0) Assert.Inconclusive($"python3-onnx is not installed (apt-get install python3-onnx); onnx.checker not run: {output.Trim()}");
    }

    private static void AssertChecks(string[] paths)
    {
        // One interpreter for all files (importing onnx costs ~0.5 s). full_check also runs shape inference.
        const string script = "import sys, onnx\nfor p in sys.argv[1:]:\n    m = onnx.load(p)\n    onnx.checker.check_model(m, full_check=True)\n    assert m.ir_version == 8, m.ir_version\n    assert [(o.domain, o.version) for o in m.opset_import] == [('', 17)]\n    print('ok', p)";
        var (code, output) = RunPython(["-c", script, .. paths]);
        Assert.AreEqual(0, code, $"onnx.checker rejected a model: {output}");
        foreach (var p in paths) StringAssert.Contains(output, $"ok {p}");
    }

    [TestMethod]
    public void CheckModel_ExportedTowersAndScorers_Pass()
    {
        RequireOnnx();
        var dir = Directory.CreateTempSubdirectory("onnx-checker-");
        try
        {
            foreach (var (seed, layers, l2) in new[] { (21, 1, true), (22, 3, false), (23, 0, true) })
                OnnxTowerExporter.Export(RandomTowerCase.Create(seed, layers, l2, withId: true).Spec, Path.Combine(dir.FullName, $"tower{seed}.onnx"));
            var items = new float[] { 1, 0, 0, 1, 1, 1 };
            OnnxScorerExporter.Export(new OnnxScorerSpec { ItemVectors = items, ItemCount = 3, Dimension = 2, K = 2 }, Path.Combine(dir.FullName, "scorer.onnx"));
            OnnxScorerExporter.Export(new OnnxScorerSpec { ItemVectors = items, ItemCount = 3, Dimension = 2, K = 3, UseExclusionMask = true }, Path.Combine(dir.FullName, "scorer_mask.onnx"));
            var files = Directory.GetFiles(dir.FullName, "*.onnx");
            Assert.HasCount(5, files);
            AssertChecks(files);
        }
        finally { dir.Delete(recursive: true); }
    }

    [TestMethod]
    public void CheckModel_CorruptFile_Fails()
    {
        // Guards the checker test itself: a broken graph (node reading an undefined value) must be rejected.
        RequireOnnx();
        var path = Path.Combine(Path.GetTempPath(), $"corrupt-{Guid.NewGuid():N}.onnx");
        try
        {
            var g = new Graph.OnnxGraphBuilder("bad");
            g.AddInput("x", Model.OnnxDataType.Float, Model.OnnxDimension.Fixed(1));
            g.AddNode("Relu", ["undefined_value"], outputName: "y");
            g.AddOutput("y", Model.OnnxDataType.Float, Model.OnnxDimension.Fixed(1));
            File.WriteAllBytes(path, g.ToModel([]).ToBytes());
            const string script = "import sys, onnx\nonnx.checker.check_model(onnx.load(sys.argv[1]), full_check=True)";
            var (code, _) = RunPython("-c", script, path);
            Assert.AreNotEqual(0, code);
        }
        finally { File.Delete(path); }
    }
}
