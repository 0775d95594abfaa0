using TwoTower.MLNet.Onnx.Execution;
using TwoTower.MLNet.Onnx.Towers;

namespace TwoTower.MLNet.Onnx.Tests;

[TestClass]
public sealed class OnnxSessionFactoryTests
{
    private static readonly byte[] Model = OnnxTowerExporter.ToBytes(new TowerGraphSpec { NumericInputs = [new TowerNumericInput("x", [0f], [1f])] });

    private static void RequireNoCuda()
    {
        if (OnnxSessionFactory.IsCudaAvailable) Assert.Inconclusive("This ONNX Runtime has the CUDA provider: the CPU fallback path cannot be exercised here.");
    }

    [TestMethod]
    public void Create_AutoWithoutCuda_FallsBackToCpuWithOneLogLine()
    {
        RequireNoCuda();
        var log = new List<string>();
        using var session = OnnxSessionFactory.Create(Model, OnnxExecution.Auto, log.Add);
        Assert.HasCount(1, log);
        StringAssert.Contains(log[0], "no CUDA execution provider");
        StringAssert.Contains(log[0], "using CPU");
        using var tower = new OnnxTowerSession(session, ownsSession: false);
        CollectionAssert.AreEqual(new float[] { 2f }, tower.Run(new OnnxTowerBatch(1).SetFloat("x", [2f], 1)));
    }

    [TestMethod]
    public void Create_GpuWithoutCuda_ThrowsExplainingTheBuildSwitch()
    {
        RequireNoCuda();
        var ex = Assert.ThrowsExactly<InvalidOperationException>(() => OnnxSessionFactory.Create(Model, OnnxExecution.Gpu));
        StringAssert.Contains(ex.Message, "OnnxExecution.Gpu was requested");
        StringAssert.Contains(ex.Message, "-p:OnnxRuntimeGpu=true");
    }

    [TestMethod]
    public void Create_Cpu_LogsNothing()
    {
        var log = new List<string>();
        using var session = OnnxSessionFactory.Create(Model, OnnxExecution.Cpu, log.Add);
        Assert.IsEmpty(log);
    }

    [TestMethod]
    public void Create_MissingFile_ThrowsFileNotFound()
    {
        var ex = Assert.ThrowsExactly<FileNotFoundException>(() => OnnxSessionFactory.Create("/nonexistent/tower.onnx", OnnxExecution.Cpu));
        StringAssert.Contains(ex.Message, "'/nonexistent/tower.onnx' does not exist");
    }

    [TestMethod]
    public void Create_FolderPath_SaysItIsAFolder()
    {
        // An export folder given where its file belongs: "does not exist" sent the caller looking for a missing path.
        var folder = Directory.CreateTempSubdirectory("onnx-folder-").FullName;
        try
        {
            var ex = Assert.ThrowsExactly<FileNotFoundException>(() => OnnxSessionFactory.Create(folder, OnnxExecution.Cpu));
            StringAssert.Contains(ex.Message, $"'{folder}' is a folder; expected an ONNX model file");
        }
        finally { Directory.Delete(folder); }
    }

    [TestMethod]
    [DataRow(OnnxExecution.Cpu, OnnxExecution.Cpu)]
    [DataRow(OnnxExecution.Gpu, OnnxExecution.Gpu)]
    [DataRow(OnnxExecution.Auto, OnnxExecution.Gpu)]
    public void Resolve_CudaListed_NoLog(OnnxExecution requested, OnnxExecution expected)
    {
        var log = new List<string>();
        Assert.AreEqual(expected, OnnxSessionFactory.Resolve(requested, ["CUDAExecutionProvider", "CPUExecutionProvider"], log.Add));
        Assert.IsEmpty(log);
    }

    [TestMethod]
    public void Resolve_AutoCpuOnly_CpuAndOneLine()
    {
        var log = new List<string>();
        Assert.AreEqual(OnnxExecution.Cpu, OnnxSessionFactory.Resolve(OnnxExecution.Auto, ["CPUExecutionProvider"], log.Add));
        Assert.HasCount(1, log);
        StringAssert.Contains(log[0], "available: CPUExecutionProvider");
    }

    [TestMethod]
    public void Resolve_UndefinedValue_Throws()
    {
        var ex = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => OnnxSessionFactory.Resolve((OnnxExecution)9, ["CPUExecutionProvider"], null));
        Assert.AreEqual("requested", ex.ParamName);
    }
}
