using TwoTower.MLNet.Optimizers;

namespace TwoTower.MLNet.Tests.Optimizers;

[TestClass]
public sealed class OptimizerTests
{
    private static Parameter Scalar(float value, float grad)
    {
        var p = new Parameter("w", 1, 1, isSparse: false);
        p.Value[0] = value;
        p.Gradient[0] = grad;
        return p;
    }

    [TestMethod]
    public void Adam_TwoSteps_HandComputed()
    {
        var p = Scalar(1f, 0.5f);
        var adam = new AdamOptimizer();
        adam.Step(p, 0.1f, 1);
        // m̂ = 0.5, v̂ = 0.25 ⇒ step = 0.1 · 0.5 / 0.5.
        Assert.AreEqual(0.9f, p.Value[0], 1e-6f);
        adam.Step(p, 0.1f, 2);
        Assert.AreEqual(0.8f, p.Value[0], 1e-6f);
    }

    [TestMethod]
    public void Adam_TwoStepsWithDifferentGradients_MatchesTheBiasCorrectedMoments()
    {
        // A constant gradient hides both betas (m̂ = g, v̂ = g² whatever they are); gradients 0.5 then −1 do not.
        const double b1 = 0.8, b2 = 0.95, lr = 0.1, eps = 1e-8;
        var p = Scalar(1f, 0.5f);
        var adam = new AdamOptimizer((float)b1, (float)b2, (float)eps);
        double w = 1, m = 0, v = 0;
        foreach (var (g, t) in new[] { (0.5, 1), (-1.0, 2) })
        {
            p.Gradient[0] = (float)g;
            adam.Step(p, (float)lr, t);
            m = b1 * m + (1 - b1) * g;
            v = b2 * v + (1 - b2) * g * g;
            var mHat = m / (1 - Math.Pow(b1, t));
            var vHat = v / (1 - Math.Pow(b2, t));
            w -= lr * mHat / (Math.Sqrt(vHat) + eps);
            Assert.AreEqual(w, p.Value[0], 1e-6, $"step {t}");
        }
    }

    [TestMethod]
    public void Adam_WeightDecay_ShrinksDecoupled()
    {
        var p = Scalar(1f, 0f);
        new AdamOptimizer(weightDecay: 0.1f).Step(p, 0.1f, 1);
        Assert.AreEqual(0.99f, p.Value[0], 1e-6f);
    }

    [TestMethod]
    public void Adagrad_OneStep_HandComputed()
    {
        var p = Scalar(1f, 0.5f);
        new AdagradOptimizer().Step(p, 0.1f, 1);
        Assert.AreEqual(1 - 0.1 * 0.5 / (Math.Sqrt(0.35) + 1e-7), p.Value[0], 1e-6);
    }

    [TestMethod]
    public void SgdMomentum_TwoSteps_HandComputed()
    {
        var p = Scalar(1f, 0.5f);
        var sgd = new SgdMomentumOptimizer(0.9f);
        sgd.Step(p, 0.1f, 1);
        Assert.AreEqual(0.95f, p.Value[0], 1e-6f);
        sgd.Step(p, 0.1f, 2);
        Assert.AreEqual(0.855f, p.Value[0], 1e-6f);
    }

    [TestMethod]
    public void Step_SparseParameter_UpdatesOnlyTouchedRows()
    {
        var p = new Parameter("emb", 3, 2, isSparse: true);
        Array.Fill(p.Value, 1f);
        Array.Fill(p.Gradient, 0.5f);
        p.Touch(1);
        new SgdMomentumOptimizer(0f).Step(p, 1f, 1);
        CollectionAssert.AreEqual(new[] { 1f, 1f, 0.5f, 0.5f, 1f, 1f }, p.Value);
        p.ClearGradient();
        CollectionAssert.AreEqual(new[] { 0.5f, 0.5f, 0f, 0f, 0.5f, 0.5f }, p.Gradient, "only touched rows are cleared");
        Assert.IsEmpty(p.TouchedRows);
    }

    [TestMethod]
    public void Adam_SparseRowNotTouched_KeepsValueAndMoments_ThenStepsWithTheGlobalStep()
    {
        // Lazy Adam as documented: an untouched row neither moves nor decays (weight decay included), its moments stay, and
        // its next update corrects the bias with the global step (3 here), not with the number of its own updates.
        const double lr = 0.1, wd = 0.1;
        var p = new Parameter("emb", 2, 1, isSparse: true);
        p.Value[0] = p.Value[1] = 1f;
        var adam = new AdamOptimizer(weightDecay: (float)wd);
        p.Gradient[0] = p.Gradient[1] = 0.5f;
        p.Touch(0);
        p.Touch(1);
        adam.Step(p, (float)lr, 1);
        p.ClearGradient();
        var (w1, m1, v1) = (p.Value[1], p.State1![1], p.State2![1]);
        Assert.AreEqual(0.99 - 0.1, w1, 1e-6, "step 1: decay, then lr · m̂/√v̂ = 0.1");
        p.Gradient[0] = 0.5f;
        p.Touch(0);
        adam.Step(p, (float)lr, 2);
        p.ClearGradient();
        Assert.AreEqual(w1, p.Value[1], "an untouched row does not move");
        Assert.AreEqual(m1, p.State1![1]);
        Assert.AreEqual(v1, p.State2![1]);
        p.Gradient[1] = -1f;
        p.Touch(1);
        adam.Step(p, (float)lr, 3);
        double m = 0.9 * m1 - 0.1, v = 0.999 * v1 + 0.001;
        var expected = w1 * (1 - lr * wd) - lr * (m / (1 - Math.Pow(0.9, 3))) / (Math.Sqrt(v / (1 - Math.Pow(0.999, 3))) + 1e-8);
        Assert.AreEqual(expected, p.Value[1], 1e-6);
    }

    [TestMethod]
    public void SgdMomentum_SparseRowNotTouched_KeepsItsVelocityUnused()
    {
        // Heavy-ball momentum is lazy too: a row's velocity acts only in the steps that touch the row.
        var p = new Parameter("emb", 2, 1, isSparse: true);
        p.Value[0] = p.Value[1] = 1f;
        var sgd = new SgdMomentumOptimizer(0.9f);
        p.Gradient[0] = p.Gradient[1] = 0.5f;
        p.Touch(0);
        p.Touch(1);
        sgd.Step(p, 0.1f, 1);
        p.ClearGradient();
        p.Touch(0);
        sgd.Step(p, 0.1f, 2);
        p.ClearGradient();
        Assert.AreEqual(0.95f, p.Value[1], 1e-6f, "not 0.905: the untouched row's velocity was not applied");
        Assert.AreEqual(0.905f, p.Value[0], 1e-6f, "the touched row coasts on its velocity (gradient 0)");
        p.Gradient[1] = 0.5f;
        p.Touch(1);
        sgd.Step(p, 0.1f, 3);
        Assert.AreEqual(0.95f - 0.1f * (0.9f * 0.5f + 0.5f), p.Value[1], 1e-6f);
    }

    [TestMethod]
    public void Adagrad_TwoStepsWithWeightDecay_HandComputed()
    {
        var p = Scalar(1f, 0.5f);
        var adagrad = new AdagradOptimizer(weightDecay: 0.5f);
        adagrad.Step(p, 0.1f, 1);
        var w = 1 * (1 - 0.05) - 0.1 * 0.5 / (Math.Sqrt(0.1 + 0.25) + 1e-7);
        Assert.AreEqual(w, p.Value[0], 1e-6);
        p.Gradient[0] = -1f;
        adagrad.Step(p, 0.1f, 2);
        w = w * (1 - 0.05) + 0.1 * 1 / (Math.Sqrt(0.1 + 0.25 + 1) + 1e-7);
        Assert.AreEqual(w, p.Value[0], 1e-6);
    }

    [TestMethod]
    public void Step_Frozen_LeavesValues()
    {
        var p = Scalar(1f, 0.5f);
        p.Frozen = true;
        new AdamOptimizer().Step(p, 0.1f, 1);
        Assert.AreEqual(1f, p.Value[0]);
    }

    [TestMethod]
    public void ClipByGlobalNorm_AboveLimit_ScalesToLimit()
    {
        var a = Scalar(0f, 3f);
        var b = Scalar(0f, 4f);
        var norm = GradientClipping.ClipByGlobalNorm(new[] { a, b }, 1f);
        Assert.AreEqual(5.0, norm, 1e-9);
        Assert.AreEqual(0.6f, a.Gradient[0], 1e-6f);
        Assert.AreEqual(0.8f, b.Gradient[0], 1e-6f);
    }

    [TestMethod]
    [DataRow(false)]
    [DataRow(true)]
    public void ClipByGlobalNorm_HugeGradients_ScalesToLimitInsteadOfZeroing(bool sparse)
    {
        // Found by an audit: the squared norm was summed in float, which overflows past about 1.8e19 per gradient value: an
        // exploding gradient, the case clipping is for, measured an infinite norm and was scaled by 0, so the step did nothing.
        Parameter Huge(float g)
        {
            var p = new Parameter("w", 2, 1, sparse);
            p.Gradient[1] = g;
            if (sparse) p.Touch(1);
            return p;
        }
        var a = Huge(3e19f);
        var b = Huge(4e19f);
        var norm = GradientClipping.ClipByGlobalNorm(new[] { a, b }, 1f);
        Assert.AreEqual(5e19, norm, 1e13);
        Assert.AreEqual(0.6f, a.Gradient[1], 1e-6f);
        Assert.AreEqual(0.8f, b.Gradient[1], 1e-6f);
    }

    [TestMethod]
    public void ClipByGlobalNorm_FrozenParameter_LeftOutOfTheNorm()
    {
        // Found by an audit: a frozen warm-started table's gradient (4) counted in the norm, so the trained one (3) was
        // clipped to 0.6 instead of 1.
        var trained = Scalar(0f, 3f);
        var frozen = Scalar(0f, 4f);
        frozen.Frozen = true;
        var norm = GradientClipping.ClipByGlobalNorm(new[] { trained, frozen }, 1f);
        Assert.AreEqual(3.0, norm, 1e-9);
        Assert.AreEqual(1f, trained.Gradient[0], 1e-6f);
        Assert.AreEqual(4f, frozen.Gradient[0], "a frozen gradient is not touched");
    }

    [TestMethod]
    public void LearningRateSchedule_WarmupThenLinearDecay()
    {
        var s = new LearningRateSchedule(1f, 10, LearningRateDecay.Linear, 110, 0f);
        Assert.AreEqual(0.1f, s.RateAt(1), 1e-6f);
        Assert.AreEqual(1f, s.RateAt(10), 1e-6f);
        Assert.AreEqual(0.5f, s.RateAt(60), 1e-6f);
        Assert.AreEqual(0f, s.RateAt(110), 1e-6f);
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => s.RateAt(0));
    }

    [TestMethod]
    [DataRow("adam")]
    [DataRow("adagrad")]
    [DataRow("sgd")]
    public void Step_StepBelowOneOrBadLearningRate_ThrowsAndLeavesTheValue(string kind)
    {
        // Found by an audit: Adam at step 0 (a 0-based step counter) divided by its bias correction 1 − β1⁰ = 0 and wrote NaN
        // into every value without a word; a NaN or negative learning rate did the same or stepped uphill.
        Optimizer optimizer = kind switch { "adam" => new AdamOptimizer(), "adagrad" => new AdagradOptimizer(), _ => new SgdMomentumOptimizer() };
        var p = Scalar(1f, 0.5f);
        var step = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => optimizer.Step(p, 0.1f, 0));
        Assert.AreEqual("step", step.ParamName);
        StringAssert.Contains(step.Message, "1-based");
        foreach (var bad in new[] { float.NaN, -0.1f, float.PositiveInfinity })
        {
            var rate = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => optimizer.Step(p, bad, 1));
            Assert.AreEqual("learningRate", rate.ParamName);
        }
        Assert.AreEqual(1f, p.Value[0]);
        optimizer.Step(p, 0f, 1);
        Assert.AreEqual(1f, p.Value[0], "a learning rate of 0 (the first warm-up step from 0) leaves the value");
    }

    [TestMethod]
    public void LearningRateSchedule_WarmupThenCosine_BoundaryValues()
    {
        // Warm-up reaches the base at step 10, the half cosine starts just below it and ends at FinalFraction at step 110.
        var s = new LearningRateSchedule(2f, 10, LearningRateDecay.Cosine, 110, 0.1f);
        Assert.AreEqual(0.2f, s.RateAt(1), 1e-6f);
        Assert.AreEqual(2f, s.RateAt(10), 1e-6f);
        Assert.AreEqual(2 * (0.1 + 0.9 * 0.5 * (1 + Math.Cos(Math.PI / 100))), s.RateAt(11), 1e-6);
        Assert.AreEqual(2 * 0.55f, s.RateAt(60), 1e-6f);
        Assert.AreEqual(0.2f, s.RateAt(110), 1e-6f);
        Assert.AreEqual(0.2f, s.RateAt(500), 1e-6f, "past the planned steps the rate stays at the final one");
        Assert.AreEqual(2f, new LearningRateSchedule(2f, 0, LearningRateDecay.None, 110).RateAt(1));
        Assert.AreEqual(2f, new LearningRateSchedule(2f, 10, LearningRateDecay.Linear, 10).RateAt(50), "no steps left to decay over");
    }

    [TestMethod]
    public void LearningRateSchedule_OutOfRangeParameters_ThrowNamingThem()
    {
        // Found by an audit: the documented ranges were not checked: a warm-up of −5 steps bent the decay (step 1 of a linear
        // decay over 100 steps came out 0.95 of the base), an undefined decay was taken for cosine, a NaN base gave NaN rates.
        foreach (var (schedule, name) in new[]
        {
            (new LearningRateSchedule(float.NaN, 0, LearningRateDecay.None, 100), "BaseRate"),
            (new LearningRateSchedule(0f, 0, LearningRateDecay.None, 100), "BaseRate"),
            (new LearningRateSchedule(1f, -5, LearningRateDecay.Linear, 100), "WarmupSteps"),
            (new LearningRateSchedule(1f, 0, (LearningRateDecay)7, 100), "Decay"),
            (new LearningRateSchedule(1f, 0, LearningRateDecay.Linear, 100, -0.5f), "FinalFraction"),
            (new LearningRateSchedule(1f, 0, LearningRateDecay.Linear, 100, float.NaN), "FinalFraction"),
        })
        {
            var ex = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => schedule.RateAt(1), name);
            Assert.AreEqual(name, ex.ParamName);
        }
    }

    [TestMethod]
    public void Constructors_InvalidHyperParameters_Throw()
    {
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new AdamOptimizer(beta1: 1f));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new SgdMomentumOptimizer(-0.1f));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new AdagradOptimizer(weightDecay: -1f));
    }
}
