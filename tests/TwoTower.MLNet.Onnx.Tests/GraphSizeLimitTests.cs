using TwoTower.MLNet.Onnx.Graph;

namespace TwoTower.MLNet.Onnx.Tests;

/// <summary>A graph whose weights pass what one ONNX file can hold is refused with a message, not an overflow deep in the encoder.</summary>
[TestClass]
public sealed class GraphSizeLimitTests
{
    [TestMethod]
    public void AddInitializer_PastTheLimit_RefusedNamingTheGraphTheTensorAndTheLimit()
    {
        var g = new OnnxGraphBuilder("recommender", maxInitializerBytes: 100);
        g.AddFloatInitializer("user_table", [2, 10], new float[20]);
        g.AddStringInitializer("item_ids", [2], ["a", "b"]);
        var ex = Assert.ThrowsExactly<ArgumentException>(() => g.AddFloatInitializer("item_matrix_t", [2, 3], new float[6]));
        StringAssert.Contains(ex.Message, "Graph 'recommender'");
        StringAssert.Contains(ex.Message, "'item_matrix_t_2' [2,3]");
        StringAssert.Contains(ex.Message, "at most 2 GB");
    }
}
