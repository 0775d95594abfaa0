using TwoTower.MLNet.Features;
using TwoTower.MLNet.Towers;

namespace TwoTower.MLNet.Tests.Towers;

[TestClass]
public sealed class ManagedTowerTests
{
    internal static FeatureTable TinyFeatures()
    {
        // 4 entities: one categorical (3 values), one bag (vocab 4), two numeric columns.
        var cat = new CategoricalFeature("color", 3, new[] { 1, 2, 0, 1 });
        var bag = new BagFeature("tags", 4, new[] { 0, 2, 3, 3, 5 }, new[] { 0, 1, 2, 1, 3 });
        var numeric = new[] { 0.5f, -1f, 1.5f, 0f, -0.3f, 0.2f, 1f, 1f };
        return new FeatureTable(4, new[] { cat }, new[] { bag }, 2, numeric);
    }

    private static ManagedTower Tiny(bool normalize) =>
        new("t", new TowerArchitecture(true, 3, 2, new[] { 5 }, 3, normalize, 0f), TinyFeatures(), seed: 5);

    private static ManagedTower TinyHeldOut() =>
        new("t", new TowerArchitecture(true, 3, 2, new[] { 5 }, 3, true, 0f, HeldOutBag: "tags"), TinyFeatures(), seed: 5);

    [TestMethod]
    public void Validate_OutOfRangeOrMissingSizes_ThrowNamingTheTowerAndTheSize()
    {
        var ok = new TowerArchitecture(true, 3, 2, new[] { 5 }, 3, true, 0f);
        ok.Validate("user");
        var missing = Assert.ThrowsExactly<ArgumentNullException>(() => (ok with { HiddenLayers = null! }).Validate("user"));
        Assert.AreEqual("HiddenLayers", missing.ParamName);
        StringAssert.Contains(missing.Message, "user tower: hidden layer widths are missing");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => (ok with { HiddenLayers = new[] { 0 } }).Validate("item")).Message, "item tower: hidden layer widths must be ≥ 1");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => (ok with { Dropout = 1f }).Validate("item")).Message, "item tower: dropout must be in [0, 1)");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => (ok with { OutputDimension = 0 }).Validate("user")).Message, "user tower: output dimension must be ≥ 1");
    }

    private static double Objective(ManagedTower tower, int[] keys, float[] weights, int[]? heldOut = null)
    {
        var y = tower.Forward(keys, training: false, heldOut ?? ReadOnlySpan<int>.Empty);
        double s = 0;
        for (var i = 0; i < y.Length; i++) s += y[i] * weights[i];
        return s;
    }

    [TestMethod]
    [DataRow(true)]
    [DataRow(false)]
    public void Backward_EveryParameter_MatchesFiniteDifferences(bool normalize)
    {
        var tower = Tiny(normalize);
        var keys = new[] { 0, 1, 3, 2, 1 };
        var rng = new Random(9);
        var weights = Enumerable.Range(0, keys.Length * 3).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
        tower.Forward(keys, training: true);
        tower.Backward(weights);
        // Small steps: larger ones cross ReLU kinks of this tiny network.
        const float eps = 1e-3f;
        var checkedCount = 0;
        foreach (var p in tower.Parameters)
        {
            var analytic = (float[])p.Gradient.Clone();
            for (var i = 0; i < p.Value.Length; i++)
            {
                var orig = p.Value[i];
                p.Value[i] = orig + eps;
                var plus = Objective(tower, keys, weights);
                p.Value[i] = orig - eps;
                var minus = Objective(tower, keys, weights);
                p.Value[i] = orig;
                var numeric = (plus - minus) / (2 * eps);
                Assert.AreEqual(numeric, analytic[i], 2e-3 + 2e-2 * Math.Abs(numeric), $"{p.Name}[{i}]: analytic {analytic[i]} vs finite difference {numeric}");
                checkedCount++;
            }
        }
        Assert.IsGreaterThan(50, checkedCount);
    }

    [TestMethod]
    public void Backward_Dropout_MatchesFiniteDifferencesUnderTheSameMasks()
    {
        // Every pass restarts the dropout stream, so each draws the masks of the analytic pass. Not normalised: with 5 hidden
        // units a row can lose all of them, and its zero output sits on the normalisation's singularity.
        var tower = new ManagedTower("t", new TowerArchitecture(true, 3, 2, new[] { 5 }, 3, false, 0.4f), TinyFeatures(), seed: 5);
        var keys = new[] { 0, 1, 3, 2, 1 };
        var rng = new Random(9);
        var weights = Enumerable.Range(0, keys.Length * 3).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
        double Masked()
        {
            tower.ReseedDropout(77);
            var y = tower.Forward(keys, training: true);
            double s = 0;
            for (var i = 0; i < y.Length; i++) s += y[i] * weights[i];
            return s;
        }
        var inference = Objective(tower, keys, weights);
        Assert.AreNotEqual(inference, Masked(), "the masks change the output");
        tower.Backward(weights);
        const float eps = 1e-3f;
        foreach (var p in tower.Parameters)
        {
            var analytic = (float[])p.Gradient.Clone();
            for (var i = 0; i < p.Value.Length; i++)
            {
                var orig = p.Value[i];
                p.Value[i] = orig + eps;
                var plus = Masked();
                p.Value[i] = orig - eps;
                var minus = Masked();
                p.Value[i] = orig;
                var numeric = (plus - minus) / (2 * eps);
                Assert.AreEqual(numeric, analytic[i], 2e-3 + 2e-2 * Math.Abs(numeric), $"{p.Name}[{i}]: analytic {analytic[i]} vs finite difference {numeric}");
            }
        }
    }

    [TestMethod]
    public void Backward_HeldOutTokens_MatchesFiniteDifferences()
    {
        var tower = TinyHeldOut();
        // Entity 0 holds tags {0,1}: leaving 1 out keeps {0}; entity 3 holds {1,3}: leaving 3 out keeps {1};
        // entity 1 holds {2}: leaving out 0, which it does not hold, keeps {2}.
        var keys = new[] { 0, 3, 1, 3 };
        var heldOut = new[] { 1, 3, 0, 3 };
        var rng = new Random(4);
        var weights = Enumerable.Range(0, keys.Length * 3).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
        tower.Forward(keys, training: true, heldOut);
        tower.Backward(weights);
        const float eps = 1e-3f;
        var tags = tower.Parameters.Single(p => p.Name == "t.tags_embedding");
        var analytic = (float[])tags.Gradient.Clone();
        for (var i = 0; i < tags.Value.Length; i++)
        {
            var orig = tags.Value[i];
            tags.Value[i] = orig + eps;
            var plus = Objective(tower, keys, weights, heldOut);
            tags.Value[i] = orig - eps;
            var minus = Objective(tower, keys, weights, heldOut);
            tags.Value[i] = orig;
            var numeric = (plus - minus) / (2 * eps);
            Assert.AreEqual(numeric, analytic[i], 2e-3 + 2e-2 * Math.Abs(numeric), $"tags[{i}]: analytic {analytic[i]} vs finite difference {numeric}");
        }
        // Token 3 is held out of every row that holds it: its gradient row stays zero.
        Assert.IsTrue(tags.GradientRow(3).ToArray().All(g => g == 0f));
    }

    [TestMethod]
    public void Forward_HeldOutToken_EqualsTableWithoutThatToken()
    {
        var held = TinyHeldOut().Forward(new[] { 0 }, training: false, new[] { 1 }).ToArray();
        var f = TinyFeatures();
        // The same table with entity 0's bag reduced to {0}.
        var reduced = new FeatureTable(4, f.Categoricals, new[] { new BagFeature("tags", 4, new[] { 0, 1, 2, 2, 4 }, new[] { 0, 2, 1, 3 }) }, 2, f.Numeric);
        var plain = new ManagedTower("t", new TowerArchitecture(true, 3, 2, new[] { 5 }, 3, true, 0f), reduced, seed: 5).Forward(new[] { 0 }, training: false).ToArray();
        CollectionAssert.AreEqual(plain, held);
    }

    [TestMethod]
    public void Forward_HeldOutWithoutHeldOutBag_ThrowsNamingArgument()
    {
        var ex = Assert.ThrowsExactly<ArgumentException>(() => Tiny(true).Forward(new[] { 0 }, training: false, new[] { 1 }));
        Assert.AreEqual("heldOutTokens", ex.ParamName);
        StringAssert.Contains(ex.Message, "HeldOutBag");
    }

    [TestMethod]
    public void Constructor_UnknownHeldOutBag_ThrowsListingBags()
    {
        var ex = Assert.ThrowsExactly<ArgumentException>(() => new ManagedTower("t", new TowerArchitecture(true, 3, 2, new[] { 5 }, 3, true, 0f, HeldOutBag: "history"), TinyFeatures(), seed: 5));
        StringAssert.Contains(ex.Message, "'history' is not a bag feature (bags: tags)");
    }

    [TestMethod]
    public void Backward_SparseParameters_TouchOnlyUsedRows()
    {
        var tower = Tiny(true);
        tower.Forward(new[] { 3 }, training: true);
        tower.Backward(new float[] { 1, 1, 1 });
        var id = tower.Parameters.Single(p => p.Name == "t.id_embedding");
        CollectionAssert.AreEqual(new[] { 3 }, id.TouchedRows.ToArray());
        var tags = tower.Parameters.Single(p => p.Name == "t.tags_embedding");
        CollectionAssert.AreEqual(new[] { 1, 3 }, tags.TouchedRows.ToArray());
        var color = tower.Parameters.Single(p => p.Name == "t.color_embedding");
        CollectionAssert.AreEqual(new[] { 1 }, color.TouchedRows.ToArray());
    }

    [TestMethod]
    public void Forward_Normalize_UnitRows()
    {
        var y = Tiny(true).Forward(new[] { 0, 1, 2, 3 }, training: false).ToArray();
        for (var r = 0; r < 4; r++)
            Assert.AreEqual(1.0, Math.Sqrt(y.Skip(r * 3).Take(3).Sum(v => (double)v * v)), 1e-5);
    }

    [TestMethod]
    public void Forward_UnknownKey_ThrowsNamingRange()
    {
        var ex = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => Tiny(true).Forward(new[] { 4 }, training: false));
        StringAssert.Contains(ex.Message, "[0, 4)");
    }

    [TestMethod]
    public void Backward_WithoutTrainingForward_Throws()
    {
        var tower = Tiny(true);
        tower.Forward(new[] { 0 }, training: false);
        Assert.ThrowsExactly<InvalidOperationException>(() => tower.Backward(new float[3]));
    }

    [TestMethod]
    public void Constructor_NoIdEmbeddingAndNoFeatures_Throws()
    {
        var ex = Assert.ThrowsExactly<ArgumentException>(() =>
            new ManagedTower("item", new TowerArchitecture(false, 3, 2, Array.Empty<int>(), 3, true, 0f), FeatureTable.Empty(3), 1));
        StringAssert.Contains(ex.Message, "needs features");
    }

    [TestMethod]
    public void Dropout_Training_ZeroesSomeUnitsButNotAtInference()
    {
        var tower = new ManagedTower("t", new TowerArchitecture(true, 8, 2, new[] { 64 }, 4, false, 0.5f), TinyFeatures(), 3);
        var a = tower.Forward(new[] { 0 }, training: false).ToArray();
        var b = tower.Forward(new[] { 0 }, training: false).ToArray();
        CollectionAssert.AreEqual(a, b, "inference is deterministic");
        var c = tower.Forward(new[] { 0 }, training: true).ToArray();
        CollectionAssert.AreNotEqual(a, c, "training applies dropout");
    }
}
