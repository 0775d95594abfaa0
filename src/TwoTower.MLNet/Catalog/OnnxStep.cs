using Microsoft.ML;
using TwoTower.MLNet.Onnx.Execution;

namespace TwoTower.MLNet;

/// <summary>
/// Wraps an in-memory ONNX graph as ML.NET's own <c>ApplyOnnxModel</c> transformer, so that
/// <c>Model.Save</c>/<c>Model.Load</c> carry it (initializers included). The transformer keeps its graph in a file
/// under <c>MLContext.TempFilePath</c> while it lives; disposing it (or the pipeline, or a PredictionEngine that
/// owns it) deletes that file.
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

        // ApplyOnnxModel over a stream leaves its temp copy of the graph behind, disposed or not (measured with ML.NET
        // 5.0.1), and over a path it needs the caller's file for as long as it lives; a transformer read by Model.Load
        // owns its copy and deletes it on Dispose. So the step is fitted from a file of ours, then passed through Save/Load.
        var path = Path.Combine(ml.TempFilePath, "twotower-" + Guid.NewGuid().ToString("N") + ".onnx");
        File.WriteAllBytes(path, model);
        try
        {
            var fromFile = ml.Transforms.ApplyOnnxModel(outputs, inputs, path, device, fallback).Fit(input);
            using var saved = new MemoryStream();
            try
            {
                ml.Model.Save(fromFile, inputSchema: null, saved);
            }
            finally
            {
                (fromFile as IDisposable)?.Dispose();
            }
            saved.Position = 0;
            // The loader takes the execution provider from the loading context.
            var loader = new MLContext { TempFilePath = ml.TempFilePath, GpuDeviceId = device, FallbackToCpu = fallback };
            return loader.Model.Load(saved, out _);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
