using TwoTower.MLNet.Onnx.Towers;

namespace TwoTower.MLNet.Onnx.Tests;

[TestClass]
public sealed class TowerGraphSpecValidationTests
{
    private static EmbeddingTable Table(int rows, int dim) => new(rows, dim, new float[rows * dim]);

    private static void AssertInvalid(TowerGraphSpec spec, string expected)
    {
        var ex = Assert.ThrowsExactly<ArgumentException>(() => OnnxTowerExporter.ToBytes(spec));
        StringAssert.Contains(ex.Message, expected);
        Assert.AreEqual("spec", ex.ParamName);
    }

    private static TowerGraphSpec Valid(IReadOnlyList<TowerDenseLayer>? layers = null) => new()
    {
        IdInput = new TowerEmbeddingInput("id", Table(4, 3)),
        NumericInputs = [new TowerNumericInput("x", [0f], [1f])],
        Layers = layers ?? [new TowerDenseLayer(4, 2, new float[8], new float[2])],
    };

    [TestMethod]
    public void Validate_ValidSpec_DoesNotThrow()
    {
        var spec = Valid();
        spec.Validate();
        Assert.AreEqual(4, spec.ConcatenatedWidth);
        Assert.AreEqual(2, spec.OutputDimension);
        CollectionAssert.AreEqual(new[] { "id", "x" }, spec.InputNames.ToArray());
    }

    [TestMethod]
    public void Validate_NoInputs_Throws() => AssertInvalid(new TowerGraphSpec(), "has no inputs");

    [TestMethod]
    public void Validate_FirstLayerWrongInputSize_Throws() =>
        AssertInvalid(Valid([new TowerDenseLayer(5, 2, new float[10], new float[2])]), "Layers[0].InputSize is 5; expected 4 (the width of the concatenated inputs)");

    [TestMethod]
    public void Validate_SecondLayerNotChained_Throws() =>
        AssertInvalid(Valid([new TowerDenseLayer(4, 2, new float[8], new float[2]), new TowerDenseLayer(3, 1, new float[3], new float[1])]),
            "Layers[1].InputSize is 3; expected 2 (the width of Layers[0]'s output)");

    [TestMethod]
    public void Validate_WeightsWrongLength_Throws() =>
        AssertInvalid(Valid([new TowerDenseLayer(4, 2, new float[7], new float[2])]), "Layers[0].Weights has length 7; expected OutputSize*InputSize = 2*4 = 8");

    [TestMethod]
    public void Validate_BiasWrongLength_Throws() =>
        AssertInvalid(Valid([new TowerDenseLayer(4, 2, new float[8], new float[3])]), "Layers[0].Bias has length 3; expected OutputSize = 2");

    [TestMethod]
    public void Validate_NaNWeight_Throws()
    {
        var w = new float[8];
        w[5] = float.NaN;
        AssertInvalid(Valid([new TowerDenseLayer(4, 2, w, new float[2])]), "Layers[0].Weights[5] is NaN; expected a finite number");
    }

    [TestMethod]
    public void Validate_InfinityInTable_Throws()
    {
        var t = Table(2, 2);
        t.Values[3] = float.PositiveInfinity;
        AssertInvalid(new TowerGraphSpec { CategoricalInputs = [new TowerEmbeddingInput("c", t)] }, "CategoricalInputs[0].Table.Values[3] is Infinity; expected a finite number");
    }

    [TestMethod]
    public void Validate_NonZeroPaddingRow_Throws()
    {
        var t = new EmbeddingTable(3, 2, [1, 2, 0, 0, 0, 0.5f]);
        AssertInvalid(new TowerGraphSpec { BagInputs = [new TowerBagInput("b", t, PaddingIndex: 2)] },
            "BagInputs[0].Table row 2 (the padding row) has value 0.5 at column 1; expected all zeros");
    }

    [TestMethod]
    public void Validate_PaddingIndexOutsideTable_Throws() =>
        AssertInvalid(new TowerGraphSpec { BagInputs = [new TowerBagInput("b", Table(3, 2), PaddingIndex: 3)] }, "BagInputs[0].PaddingIndex is 3; expected a row of the table, 0..2");

    [TestMethod]
    public void Validate_ZeroStd_Throws() =>
        AssertInvalid(new TowerGraphSpec { NumericInputs = [new TowerNumericInput("x", [0f, 1f], [1f, 0f])] }, "NumericInputs[0].Std[1] is 0; expected a positive finite standard deviation");

    [TestMethod]
    public void Validate_StdLengthMismatch_Throws() =>
        AssertInvalid(new TowerGraphSpec { NumericInputs = [new TowerNumericInput("x", [0f, 1f], [1f])] }, "NumericInputs[0].Std has length 1; expected 2");

    [TestMethod]
    public void Validate_DuplicateInputName_Throws() =>
        AssertInvalid(new TowerGraphSpec { IdInput = new TowerEmbeddingInput("a", Table(2, 2)), CategoricalInputs = [new TowerEmbeddingInput("a", Table(2, 2))] },
            "CategoricalInputs[0].Name 'a' is used by another input");

    [TestMethod]
    public void Validate_InputNamedEmbedding_Throws() =>
        AssertInvalid(new TowerGraphSpec { IdInput = new TowerEmbeddingInput("embedding", Table(2, 2)) }, "reserved for the output");

    [TestMethod]
    public void Validate_NonPositiveEpsilon_Throws() =>
        AssertInvalid(new TowerGraphSpec { IdInput = new TowerEmbeddingInput("id", Table(2, 2)), Normalization = TowerNormalization.L2, NormalizationEpsilon = 0f },
            "NormalizationEpsilon is 0; expected a positive finite value");

    [TestMethod]
    public void Validate_ZeroBagLength_Throws() =>
        AssertInvalid(new TowerGraphSpec { BagInputs = [new TowerBagInput("b", Table(2, 2), Length: 0)] }, "BagInputs[0].Length is 0");

    [TestMethod]
    public void EmbeddingTable_WrongValueCount_Throws()
    {
        var ex = Assert.ThrowsExactly<ArgumentException>(() => new EmbeddingTable(3, 2, new float[5]));
        StringAssert.Contains(ex.Message, "length 5; expected rowCount*dimension = 3*2 = 6");
        Assert.AreEqual("values", ex.ParamName);
    }
}
