using TwoTower.MLNet.MatrixFactorization;
using TwoTower.MLNet.Training;
using EngineOptions = TwoTower.MLNet.TwoTowerModel.TwoTowerTrainerOptions;

namespace TwoTower.MLNet.Tests.Training;

[TestClass]
public sealed class OptionAssignmentTests
{
    [TestMethod]
    public void Apply_EveryKindOfValue_SetsTheOption()
    {
        var o = new EngineOptions();
        OptionAssignment.Apply(o, "epochs=20");
        OptionAssignment.Apply(o, "Temperature=0.07");
        OptionAssignment.Apply(o, "SoftmaxOverAllItems=true");
        OptionAssignment.Apply(o, "HiddenLayers=64, 32");
        OptionAssignment.Apply(o, "Optimizer=adagrad");
        Assert.AreEqual(20, o.Epochs);
        Assert.AreEqual(0.07f, o.Temperature);
        Assert.IsTrue(o.SoftmaxOverAllItems);
        CollectionAssert.AreEqual(new[] { 64, 32 }, o.HiddenLayers);
        Assert.AreEqual(global::TwoTower.MLNet.TwoTowerModel.TwoTowerOptimizer.Adagrad, o.Optimizer);
        OptionAssignment.Apply(o, "HiddenLayers=[16]"); // the bracketed form a grid uses for one list value
        CollectionAssert.AreEqual(new[] { 16 }, o.HiddenLayers);
        var als = new ImplicitAlsOptions();
        OptionAssignment.Apply(als, "RecencyBoost=0");
        Assert.AreEqual(0f, als.RecencyBoost);
    }

    [TestMethod]
    public void Apply_DecimalComma_RefusedNotReadAsThousands()
    {
        // "0,002" was read with a thousands separator: LearningRate became 2 and Temperature=0,05 became 5.
        var o = new EngineOptions();
        var ex = Assert.ThrowsExactly<ArgumentException>(() => OptionAssignment.Apply(o, "LearningRate=0,002"));
        StringAssert.Contains(ex.Message, "LearningRate = '0,002' is not a valid number");
        Assert.AreEqual(2e-3f, o.LearningRate);
        Assert.ThrowsExactly<ArgumentException>(() => OptionAssignment.Apply(new ImplicitAlsOptions(), "Regularization=1,000"));
        OptionAssignment.Apply(o, "LearningRate=1e-3");
        Assert.AreEqual(1e-3f, o.LearningRate);
    }

    [TestMethod]
    public void Apply_UnknownOption_ListsTheSettableOnes()
    {
        var ex = Assert.ThrowsExactly<ArgumentException>(() => OptionAssignment.Apply(new EngineOptions(), "Epoch=3"));
        StringAssert.Contains(ex.Message, "TwoTowerTrainerOptions has no settable option 'Epoch'");
        StringAssert.Contains(ex.Message, "Epochs");
    }

    [TestMethod]
    public void Apply_BadValues_NameTheOptionAndTheType()
    {
        var o = new EngineOptions();
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => OptionAssignment.Apply(o, "Epochs=many")).Message, "Epochs = 'many' is not a valid integer (Int32)");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => OptionAssignment.Apply(o, "Temperature=warm")).Message, "Temperature = 'warm' is not a valid number.");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => OptionAssignment.Apply(o, "SoftmaxOverAllItems=maybe")).Message, "is not a valid boolean (true or false).");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => OptionAssignment.Apply(o, "Optimizer=lion")).Message, "TwoTowerOptimizer (");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => OptionAssignment.Apply(o, "Optimizer=7")).Message, "Optimizer = '7'");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => OptionAssignment.Apply(o, "Epochs")).Message, "expected Name=Value");
        Assert.AreEqual(new EngineOptions().Epochs, o.Epochs, "a failed assignment changes nothing");
    }
}
