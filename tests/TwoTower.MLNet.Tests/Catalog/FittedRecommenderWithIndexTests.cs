using Microsoft.ML;
using TwoTower.MLNet.Index;

namespace TwoTower.MLNet.Tests.Catalog;

/// <summary>FittedRecommender.WithIndex: serving a model through an index built or loaded outside a pipeline.</summary>
[TestClass]
public sealed class FittedRecommenderWithIndexTests
{
    private static FittedRecommender Fit()
    {
        var ml = TestMLContext.Create(seed: 1);
        return ml.TwoTower().FindModel(ml.TwoTower().Trainers.MatrixFactorization(CatalogFixture.Mf()).Fit(CatalogFixture.Load(ml, CatalogFixture.TrainPath)))!;
    }

    private static IVectorIndex FlatOf(FittedRecommender fitted, IEnumerable<int> items)
    {
        var d = fitted.Model.Dimension;
        var index = IndexFactory.Create("Flat", d, VectorMetric.InnerProduct);
        var keys = items.ToArray();
        var vectors = new float[keys.Length * d];
        for (var r = 0; r < keys.Length; r++) fitted.Model.ItemVectors.Span.Slice(keys[r] * d, d).CopyTo(vectors.AsSpan(r * d));
        index.Add(keys.Select(k => (long)k).ToArray(), vectors);
        return index;
    }

    [TestMethod]
    public void WithIndex_SavedAndReloadedIndex_ServesTheExactTopKWithoutSeenItems_AndLeavesTheOriginalExact()
    {
        var fitted = Fit();
        var path = Path.Combine(Path.GetTempPath(), $"with-index-{Guid.NewGuid():N}.ttvx");
        try
        {
            using (var built = FlatOf(fitted, Enumerable.Range(0, fitted.Model.Items.Count))) built.Save(path);
            using var loaded = VectorIndex.Load(path);
            var served = fitted.WithIndex(loaded, description: "saved Flat");
            Assert.AreSame(loaded, served.Index);
            Assert.AreEqual("saved Flat", served.IndexDescription);
            Assert.IsNull(fitted.Index, "the original keeps exact scoring");
            var seen = CatalogFixture.SeenByUser(CatalogFixture.TrainPath);
            foreach (var user in new[] { "1", "42", "500" })
            {
                var (exact, _) = CatalogFixture.BruteForce(fitted.Model, user, 10, seen[user]);
                CollectionAssert.AreEqual(exact, served.Recommend(user, 10, excludeSeen: true).Select(r => r.ItemId).ToArray(), $"user {user}");
            }
        }
        finally { File.Delete(path); }
    }

    [TestMethod]
    public void WithIndex_OfASubset_RecommendsOnlyItsItems()
    {
        var fitted = Fit();
        var inStock = Enumerable.Range(0, fitted.Model.Items.Count).Where(i => i % 3 == 0).ToArray();
        using var index = FlatOf(fitted, inStock);
        var served = fitted.WithIndex(index);
        Assert.AreEqual("FlatIndex", served.IndexDescription);
        var allowed = inStock.Select(i => fitted.Model.Items.GetRawId(i)).ToHashSet();
        var excluded = Enumerable.Range(0, fitted.Model.Items.Count).Where(i => i % 3 != 0).Select(i => fitted.Model.Items.GetRawId(i)).ToHashSet();
        var (exact, _) = CatalogFixture.BruteForce(fitted.Model, "7", 10, excluded);
        var got = served.Recommend("7", 10).Select(r => r.ItemId).ToArray();
        Assert.IsTrue(got.All(allowed.Contains));
        CollectionAssert.AreEqual(exact, got);
    }

    [TestMethod]
    public void WithIndex_WrongDimension_L2_OrCosineOverUnequalNorms_RefusedNamingTheProblem()
    {
        var fitted = Fit();
        var d = fitted.Model.Dimension;
        using var narrow = IndexFactory.Create("Flat", d + 1, VectorMetric.InnerProduct);
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => fitted.WithIndex(narrow)).Message, $"The index has dimension {d + 1}; the model's vectors have {d}.");
        using var l2 = IndexFactory.Create("Flat", d, VectorMetric.L2);
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => fitted.WithIndex(l2)).Message, "L2 metric");
        using var cosine = IndexFactory.Create("Flat", d, VectorMetric.Cosine);
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => fitted.WithIndex(cosine)).Message, "not unit length");
        Assert.ThrowsExactly<ArgumentNullException>(() => fitted.WithIndex(null!));
    }

    [TestMethod]
    public void Recommend_IndexOfIdsThatAreNotItemKeys_Throws()
    {
        var fitted = Fit();
        var d = fitted.Model.Dimension;
        using var index = IndexFactory.Create("Flat", d, VectorMetric.InnerProduct);
        index.Add([fitted.Model.Items.Count + 5], fitted.Model.ItemVectors.Span[..d]);
        var served = fitted.WithIndex(index);
        var ex = Assert.ThrowsExactly<InvalidOperationException>(() => served.Recommend("1", 1));
        StringAssert.Contains(ex.Message, $"id {fitted.Model.Items.Count + 5}, which is not an item key of the model");
    }
}
