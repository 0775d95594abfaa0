using Microsoft.ML.OnnxRuntime;

namespace TwoTower.MLNet.Onnx.Execution;

/// <summary>
/// Creates ONNX Runtime sessions for an <see cref="OnnxExecution"/> choice. The CPU package
/// (default build) has no CUDA provider; GPU machines build with <c>-p:OnnxRuntimeGpu=true</c>,
/// which references Microsoft.ML.OnnxRuntime.Gpu, and need CUDA/cuDNN libraries matching it.
/// </summary>
public static class OnnxSessionFactory
{
    /// <summary>ONNX Runtime's name of the CUDA execution provider.</summary>
    public const string CudaProviderName = "CUDAExecutionProvider";

    /// <summary>Execution providers compiled into the loaded ONNX Runtime (e.g. "CPUExecutionProvider").</summary>
    public static IReadOnlyList<string> AvailableProviders => OrtEnv.Instance().GetAvailableProviders();

    /// <summary>True when the loaded ONNX Runtime has the CUDA provider (a device may still be missing at session creation).</summary>
    public static bool IsCudaAvailable => AvailableProviders.Contains(CudaProviderName);

    /// <summary>
    /// Resolves <paramref name="requested"/> against the loaded runtime: Cpu → Cpu; Gpu → Gpu or an
    /// exception; Auto → Gpu when the CUDA provider exists, else Cpu with exactly one line to <paramref name="log"/>.
    /// Use it to set ML.NET's <c>ApplyOnnxModel(gpuDeviceId, fallbackToCpu)</c> consistently.
    /// </summary>
    /// <exception cref="InvalidOperationException">Gpu requested and no CUDA provider is available.</exception>
    public static OnnxExecution Resolve(OnnxExecution requested, Action<string>? log = null) => Resolve(requested, AvailableProviders, log);

    internal static OnnxExecution Resolve(OnnxExecution requested, IReadOnlyCollection<string> providers, Action<string>? log)
    {
        bool cuda = providers.Contains(CudaProviderName);
        return requested switch
        {
            OnnxExecution.Cpu => OnnxExecution.Cpu,
            OnnxExecution.Gpu when cuda => OnnxExecution.Gpu,
            OnnxExecution.Gpu => throw new InvalidOperationException(NoCudaMessage(providers)),
            OnnxExecution.Auto when cuda => OnnxExecution.Gpu,
            OnnxExecution.Auto => LogFallback(log, $"ONNX Runtime: no CUDA execution provider (available: {string.Join(", ", providers)}); using CPU."),
            _ => throw new ArgumentOutOfRangeException(nameof(requested), requested, "Expected Cpu, Gpu or Auto."),
        };
    }

    private static string NoCudaMessage(IReadOnlyCollection<string> providers) =>
        $"OnnxExecution.Gpu was requested but this ONNX Runtime has no {CudaProviderName} (available: {string.Join(", ", providers)}). " +
        "Build with -p:OnnxRuntimeGpu=true (Microsoft.ML.OnnxRuntime.Gpu) on a machine with CUDA, or use OnnxExecution.Auto/Cpu.";

    private static OnnxExecution LogFallback(Action<string>? log, string message)
    {
        log?.Invoke(message);
        return OnnxExecution.Cpu;
    }

    /// <summary>
    /// Creates session options for <paramref name="execution"/> (the caller disposes them) and
    /// reports the execution actually used.
    /// </summary>
    /// <exception cref="InvalidOperationException">Gpu requested and CUDA is unavailable or fails to initialise.</exception>
    public static SessionOptions CreateOptions(OnnxExecution execution, out OnnxExecution resolved, Action<string>? log = null, int gpuDeviceId = 0)
    {
        resolved = Resolve(execution, log);
        var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL };
        if (resolved != OnnxExecution.Gpu) return options;
        try
        {
            options.AppendExecutionProvider_CUDA(gpuDeviceId);
            return options;
        }
        catch (OnnxRuntimeException ex)
        {
            // The provider is compiled in but the device or CUDA libraries are missing.
            options.Dispose();
            if (execution == OnnxExecution.Gpu)
                throw new InvalidOperationException($"OnnxExecution.Gpu: the CUDA execution provider failed to initialise on device {gpuDeviceId}: {ex.Message}", ex);
            log?.Invoke($"ONNX Runtime: CUDA execution provider failed on device {gpuDeviceId} ({ex.Message}); using CPU.");
            resolved = OnnxExecution.Cpu;
            return new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL };
        }
    }

    /// <summary>Creates an inference session for the model at <paramref name="modelPath"/> with the requested execution.</summary>
    /// <exception cref="FileNotFoundException">No file at <paramref name="modelPath"/> (nothing there, or a folder).</exception>
    /// <exception cref="InvalidOperationException">Gpu requested and CUDA is unavailable.</exception>
    public static InferenceSession Create(string modelPath, OnnxExecution execution, Action<string>? log = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(modelPath);
        if (!File.Exists(modelPath))
            throw new FileNotFoundException(Directory.Exists(modelPath)
                ? $"'{modelPath}' is a folder; expected an ONNX model file (a file inside an export folder, not the folder)."
                : $"ONNX model file '{modelPath}' does not exist.", modelPath);
        using var options = CreateOptions(execution, out _, log);
        return new InferenceSession(modelPath, options);
    }

    /// <summary>Creates an inference session from in-memory model bytes with the requested execution.</summary>
    /// <exception cref="InvalidOperationException">Gpu requested and CUDA is unavailable.</exception>
    public static InferenceSession Create(byte[] model, OnnxExecution execution, Action<string>? log = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        using var options = CreateOptions(execution, out _, log);
        return new InferenceSession(model, options);
    }
}
