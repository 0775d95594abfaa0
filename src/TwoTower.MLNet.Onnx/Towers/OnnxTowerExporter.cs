using TwoTower.MLNet.Onnx.IO;

namespace TwoTower.MLNet.Onnx.Towers;

/// <summary>Writes a <see cref="TowerGraphSpec"/> as an ONNX model (opset 17, IR version 8) with output "embedding" [N,d].</summary>
public static class OnnxTowerExporter
{
    /// <summary>
    /// Validates <paramref name="spec"/> and writes the model to <paramref name="path"/> atomically
    /// (temporary file then rename: on any failure no file, partial or new, is left at <paramref name="path"/>).
    /// </summary>
    /// <exception cref="ArgumentException">The spec is invalid (see <see cref="TowerGraphSpec.Validate"/>), or its weights pass the 2 GB one ONNX file holds.</exception>
    /// <exception cref="DirectoryNotFoundException">The directory of <paramref name="path"/> does not exist.</exception>
    public static void Export(TowerGraphSpec spec, string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var bytes = ToBytes(spec);
        AtomicFile.WriteAllBytes(path, bytes);
    }

    /// <summary>Validates <paramref name="spec"/> and returns the ONNX model bytes (for embedding in another container).</summary>
    /// <exception cref="ArgumentException">The spec is invalid, or its weights pass the 2 GB one ONNX file holds.</exception>
    public static byte[] ToBytes(TowerGraphSpec spec) => TowerGraphBuilder.Build(spec).ToBytes();
}
