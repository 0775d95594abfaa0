using TwoTower.MLNet.Training;
using EngineOptions = TwoTower.MLNet.TwoTowerModel.TwoTowerTrainerOptions;

namespace TwoTower.MLNet.Tests;

[TestClass]
public sealed class ArgumentErrorsTests
{
    [TestMethod]
    public void MessageWithoutParameter_RemovesOnlyTheParameterSuffix()
    {
        var ex = new ArgumentException("Epochs must be ≥ 1 (got 0).", "epochs");
        Assert.AreEqual("Epochs must be ≥ 1 (got 0). (Parameter 'epochs')", ex.Message);
        Assert.AreEqual("Epochs must be ≥ 1 (got 0).", ex.MessageWithoutParameter());
    }

    [TestMethod]
    public void MessageWithoutParameter_NoParameterName_KeepsTheMessage()
    {
        Assert.AreEqual("bad (Parameter 'x') text", new ArgumentException("bad (Parameter 'x') text").MessageWithoutParameter());
    }

    [TestMethod]
    public void MessageWithoutParameter_OutOfRange_KeepsTheActualValueOnOneLine()
    {
        // ArgumentOutOfRangeException appends the actual value after the parameter: only the parameter part goes.
        var ex = new ArgumentOutOfRangeException("rows", 0, "rows must be ≥ 1.");
        Assert.AreEqual("rows must be ≥ 1. Actual value was 0.", ex.MessageWithoutParameter());
    }

    [TestMethod]
    public void MessageWithoutParameter_OptionAssignmentError_ReadsAsASentence()
    {
        var ex = Assert.ThrowsExactly<ArgumentException>(() => OptionAssignment.Apply(new EngineOptions(), "Epochs=many"));
        Assert.AreEqual("Epochs = 'many' is not a valid integer (Int32).", ex.MessageWithoutParameter());
    }
}
