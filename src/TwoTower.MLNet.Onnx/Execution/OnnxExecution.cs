namespace TwoTower.MLNet.Onnx.Execution;

/// <summary>Where ONNX Runtime executes a model.</summary>
public enum OnnxExecution
{
    /// <summary>CPU execution provider only.</summary>
    Cpu = 0,

    /// <summary>CUDA execution provider (needs a build with -p:OnnxRuntimeGpu=true and a CUDA device); fails when unavailable.</summary>
    Gpu = 1,

    /// <summary>CUDA when available, otherwise CPU with one log line saying why.</summary>
    Auto = 2,
}
