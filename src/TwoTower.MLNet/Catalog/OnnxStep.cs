using Microsoft.ML;
using TwoTower.MLNet.Onnx.Execution;

namespace TwoTower.MLNet;

/// <summary>
/// Wraps an in-memory ONNX graph as ML.NET's own <c>ApplyOnnxModel</c> transformer, so that
/// <c>Model.Save</c>/<c>Model.Load</c> carry it (initializers included). ML.NET copies the bytes into a temp
/// file it owns; disposing the transformer (or the PredictionEngine) removes it.
/// </summary>
internal static class OnnxStep
{
    /// <summary>Fits an ONNX transformer over <paramref name="input"/> with the requested execution provider.</summary>
    public static ITransformer Fit(MLContext ml, byte[] model, string[] outputs, string[] inputs, IDataView input, OnnxExecution execution, int gpuDeviceId, Action<string>? log)
    {
        var resolved = OnnxSessionFactory.Resolve(execution, log);
        int? device = resolved == OnnxExecution.Gpu ? gpuDeviceId : null;
        // Auto may still meet a device that fails at session creation: let ML.NET fall back to CPU then.
        var fallback = execution == OnnxExecution.Auto;
        using var stream = new MemoryStream(model, writable: false);
        return ml.Transforms.ApplyOnnxModel(outputs, inputs, stream, device, fallback).Fit(input);
    }
}
