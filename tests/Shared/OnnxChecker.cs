using System.Diagnostics;

namespace TwoTower.TestSupport;

/// <summary>Runs ONNX's own checker (Debian python3-onnx) over exported files; Inconclusive when it is not installed.</summary>
internal static class OnnxChecker
{
    private const string Python = "/usr/bin/python3";

    /// <summary>Marks the test Inconclusive unless python3 with the onnx module is present.</summary>
    public static void Require()
    {
        if (!File.Exists(Python)) Assert.Inconclusive($"{Python} is absent: cannot run onnx.checker (install Debian python3-onnx).");
        var (code, output) = RunPython("-c", "import onnx");
        if (code != 0) Assert.Inconclusive($"python3-onnx is not installed (apt-get install python3-onnx); onnx.checker not run: {output.Trim()}");
    }

    /// <summary>
    /// Checks every file (full check with shape inference), IR 8 and opset 17 of the default domain; with
    /// <paramref name="defaultDomainOnly"/> no other domain may be imported (graphs with ai.onnx.ml ops pass false).
    /// </summary>
    public static void AssertValid(string[] paths, bool defaultDomainOnly = true)
    {
        Require();
        var opsetCheck = defaultDomainOnly
            ? "    assert [(o.domain, o.version) for o in m.opset_import] == [('', 17)]\n"
            : "    assert ('', 17) in [(o.domain, o.version) for o in m.opset_import]\n";
        // One interpreter for all files: importing onnx costs about 0.5 s.
        var script = "import sys, onnx\nfor p in sys.argv[1:]:\n    m = onnx.load(p)\n    onnx.checker.check_model(m, full_check=True)\n    assert m.ir_version == 8, m.ir_version\n" + opsetCheck + "    print('ok', p)";
        var (code, output) = RunPython(["-c", script, .. paths]);
        Assert.AreEqual(0, code, $"onnx.checker rejected a model: {output}");
        foreach (var p in paths) StringAssert.Contains(output, $"ok {p}");
    }

    /// <summary>Runs /usr/bin/python3 with the arguments; returns the exit code and stdout + stderr.</summary>
    public static (int Code, string Output) RunPython(params string[] args)
    {
        var psi = new ProcessStartInfo(Python) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, stdout.Result + stderr);
    }
}
