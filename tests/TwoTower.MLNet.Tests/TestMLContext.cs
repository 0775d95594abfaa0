using Microsoft.ML;

namespace TwoTower.MLNet.Tests;

/// <summary>The tests' MLContext: seeded, with ML.NET's temporary files kept in this test process's temp folder.</summary>
internal static class TestMLContext
{
    /// <summary>
    /// A context whose temporary files (ML.NET writes one copy of the graph per fitted or loaded ONNX step, removed
    /// only when the model is disposed) land in a folder deleted with the test process, not loose in the system temp folder.
    /// </summary>
    public static MLContext Create(int seed = 1) => new(seed) { TempFilePath = TestPaths.TempDir() };
}
