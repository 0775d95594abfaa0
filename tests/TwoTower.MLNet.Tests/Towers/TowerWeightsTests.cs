using TwoTower.MLNet.Features;
using TwoTower.MLNet.Persistence;
using TwoTower.MLNet.Towers;

namespace TwoTower.MLNet.Tests.Towers;

[TestClass]
public sealed class TowerWeightsTests
{
    [TestMethod]
    [DataRow(true)]
    [DataRow(false)]
    public void Embed_EveryEntity_MatchesTheManagedForwardPass(bool normalize)
    {
        var features = ManagedTowerTests.TinyFeatures();
        var tower = new ManagedTower("t", new TowerArchitecture(true, 3, 2, [5, 4], 3, normalize, 0.2f), features, seed: 11);
        var frozen = tower.ExportWeights();
        var keys = new[] { 0, 1, 2, 3 };
        var expected = tower.Forward(keys, training: false).ToArray();
        var actual = new float[3];
        foreach (var k in keys)
        {
            frozen.Embed(k, FeatureSchema.Row(features, k), actual);
            for (var j = 0; j < 3; j++) Assert.AreEqual(expected[k * 3 + j], actual[j], 1e-6f, $"entity {k}, output {j}");
        }
    }

    [TestMethod]
    public void OutputNormBeforeNormalization_HandComputed()
    {
        // Ids only, one identity output layer: the raw output is the id row, (3, 4) has norm 5 and embeds as (0.6, 0.8).
        var tower = new TowerWeights(new TowerArchitecture(true, 2, 1, [], 2, true, 0f), FeatureSchema.Empty, 2, [3f, 4f, 0f, 0.5f],
            [], [], [new DenseLayerWeights(2, 2, [1f, 0f, 0f, 1f], [0f, 0f])]);
        var none = new EncodedFeatures([], [], []);
        Assert.AreEqual(5f, tower.OutputNormBeforeNormalization(0, none), 1e-6f);
        Assert.AreEqual(0.5f, tower.OutputNormBeforeNormalization(1, none), 1e-6f);
        var v = new float[2];
        tower.Embed(0, none, v);
        CollectionAssert.AreEqual(new[] { 0.6f, 0.8f }, v, new ToleranceComparer(1e-6f));
    }

    private sealed class ToleranceComparer(float tolerance) : System.Collections.IComparer
    {
        public int Compare(object? x, object? y) => Math.Abs((float)x! - (float)y!) <= tolerance ? 0 : 1;
    }

    [TestMethod]
    public void Embed_UnknownEntity_UsesAZeroIdEmbedding()
    {
        var features = ManagedTowerTests.TinyFeatures();
        var frozen = new ManagedTower("t", new TowerArchitecture(true, 3, 2, [5], 3, false, 0f), features, seed: 3).ExportWeights();
        var withoutId = new TowerWeights(frozen.Architecture, frozen.Features, frozen.EntityCount, new float[frozen.IdEmbedding!.Length], frozen.CategoricalTables, frozen.BagTables, frozen.Layers);
        float[] a = new float[3], b = new float[3];
        frozen.Embed(-1, FeatureSchema.Row(features, 2), a);
        withoutId.Embed(2, FeatureSchema.Row(features, 2), b);
        CollectionAssert.AreEqual(b, a);
    }

    [TestMethod]
    public void SaveLoad_RoundTrip_GivesTheSameEmbeddings()
    {
        var features = ManagedTowerTests.TinyFeatures();
        var frozen = new ManagedTower("t", new TowerArchitecture(true, 3, 2, [5], 3, true, 0f), features, seed: 4).ExportWeights();
        var w = new ModelContainerWriter("test");
        frozen.Save(w, "tower");
        var path = Path.Combine(TestPaths.TempDir(), "tower.ttm");
        w.Save(path);
        var loaded = TowerWeights.Load(ModelContainerReader.Open(path), "tower");
        float[] a = new float[3], b = new float[3];
        for (var k = 0; k < 4; k++)
        {
            frozen.Embed(k, FeatureSchema.Row(features, k), a);
            loaded.Embed(k, FeatureSchema.Row(features, k), b);
            CollectionAssert.AreEqual(a, b);
        }
    }

    [TestMethod]
    public void Embed_BadInputs_ThrowNamingTheProblem()
    {
        var features = ManagedTowerTests.TinyFeatures();
        var frozen = new ManagedTower("t", new TowerArchitecture(true, 3, 2, [5], 3, true, 0f), features, seed: 4).ExportWeights();
        var output = new float[3];
        var key = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => frozen.Embed(4, FeatureSchema.Row(features, 0), output));
        StringAssert.Contains(key.Message, "−1 (unknown entity) or a key in [0, 4)");
        var token = Assert.ThrowsExactly<ArgumentException>(() => frozen.Embed(-1, new EncodedFeatures([1], [[9]], [0f, 0f]), output));
        StringAssert.Contains(token.Message, "has token 9");
        var count = Assert.ThrowsExactly<ArgumentException>(() => frozen.Embed(-1, new EncodedFeatures([1], [], [0f, 0f]), output));
        StringAssert.Contains(count.Message, "the tower reads 1, 1 and 2");
        var nan = Assert.ThrowsExactly<ArgumentException>(() => frozen.Embed(-1, new EncodedFeatures([1], [[0]], [float.NaN, 0f]), output));
        StringAssert.Contains(nan.Message, "NaN");
    }

    [TestMethod]
    public void Constructor_LayerOfTheWrongWidth_Throws()
    {
        var frozen = new ManagedTower("t", new TowerArchitecture(true, 3, 2, [5], 3, true, 0f), ManagedTowerTests.TinyFeatures(), seed: 4).ExportWeights();
        var bad = frozen.Layers.ToArray();
        bad[1] = new DenseLayerWeights(4, 3, new float[12], new float[3]);
        var ex = Assert.ThrowsExactly<ArgumentException>(() => new TowerWeights(frozen.Architecture, frozen.Features, frozen.EntityCount, frozen.IdEmbedding, frozen.CategoricalTables, frozen.BagTables, bad));
        StringAssert.Contains(ex.Message, "Layer 1 is 4 → 3; expected 5 → 3");
    }
}
