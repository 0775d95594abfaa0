using TwoTower.MLNet.Optimizers;

namespace TwoTower.MLNet.Tests.Optimizers;

[TestClass]
public sealed class ParameterAveragingTests
{
    // The reference: every value averaged every step, as TensorFlow's ExponentialMovingAverage does.
    private static void DenseStep(double[] avg, float[] value, float decay)
    {
        for (var i = 0; i < avg.Length; i++) avg[i] = decay * avg[i] + (1 - decay) * value[i];
    }

    [TestMethod]
    public void LazySparseRows_EqualTheDenseAverage_AtEveryRead()
    {
        var rng = new Random(7);
        var sparse = new Parameter("emb", rows: 30, columns: 4, isSparse: true);
        var dense = new Parameter("w", rows: 3, columns: 5, isSparse: false);
        foreach (var p in new[] { sparse, dense })
            for (var i = 0; i < p.Value.Length; i++) p.Value[i] = (float)rng.NextDouble() - 0.5f;
        var averaging = new ParameterAveraging([sparse, dense]);
        var refSparse = sparse.Value.Select(v => (double)v).ToArray();
        var refDense = dense.Value.Select(v => (double)v).ToArray();
        for (var step = 1; step <= 300; step++)
        {
            var decay = Math.Min(0.99f, (1f + step) / (10f + step));
            // A lazy optimiser step: a few rows of the table move, the dense parameter moves whole.
            foreach (var r in Enumerable.Range(0, rng.Next(0, 4)).Select(_ => rng.Next(30)).Distinct()) sparse.Touch(r);
            averaging.BeginStep(decay);
            averaging.BeforeUpdate(0);
            averaging.BeforeUpdate(1);
            foreach (var r in sparse.TouchedRows)
                for (var c = 0; c < 4; c++) sparse.ValueRow(r)[c] += (float)rng.NextDouble() - 0.5f;
            for (var i = 0; i < dense.Value.Length; i++) dense.Value[i] += (float)rng.NextDouble() - 0.5f;
            averaging.AfterUpdate(0, decay);
            averaging.AfterUpdate(1, decay);
            sparse.ClearGradient();
            DenseStep(refSparse, sparse.Value, decay);
            DenseStep(refDense, dense.Value, decay);
            if (step % 37 == 0 || step == 300)
            {
                var current = averaging.Current();
                for (var i = 0; i < refSparse.Length; i++) Assert.AreEqual(refSparse[i], current[0][i], 1e-4, $"step {step}, table value {i}");
                for (var i = 0; i < refDense.Length; i++) Assert.AreEqual(refDense[i], current[1][i], 1e-5, $"step {step}, dense value {i}");
            }
        }
    }

    [TestMethod]
    public void UntouchedRow_ConvergesToItsValue_InClosedForm()
    {
        var table = new Parameter("emb", rows: 2, columns: 1, isSparse: true);
        table.Value[0] = 1f;
        var averaging = new ParameterAveraging([table]);
        table.Touch(0);
        averaging.BeginStep(0.5f);
        averaging.BeforeUpdate(0);
        table.Value[0] = 3f;
        averaging.AfterUpdate(0, 0.5f);
        table.ClearGradient();
        Assert.AreEqual(2f, averaging.Current()[0][0], "0.5·1 + 0.5·3");
        for (var s = 0; s < 3; s++)
        {
            averaging.BeginStep(0.5f);
            averaging.BeforeUpdate(0);
            averaging.AfterUpdate(0, 0.5f);
        }
        Assert.AreEqual(3f - 1f / 8f, averaging.Current()[0][0], 1e-6, "three still steps halve the gap three times");
        Assert.AreEqual(0f, averaging.Current()[0][1], "a row that never moved keeps its value");
    }

    [TestMethod]
    public void BeginStep_DecayOutsideUnitInterval_Throws()
    {
        var averaging = new ParameterAveraging([new Parameter("w", 1, 1, isSparse: false)]);
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => averaging.BeginStep(0f));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => averaging.BeginStep(1.5f));
    }
}
