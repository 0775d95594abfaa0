using Microsoft.ML;
using TwoTower.MLNet.Persistence;

namespace TwoTower.MLNet.Tests.Catalog;

/// <summary>The toolkit container round trip of a catalog-fitted model, and serving a loaded file through Recommend.</summary>
[TestClass]
public sealed class FittedRecommenderFileTests
{
    [TestMethod]
    public void SaveLoad_MfModel_SameRecommendationsInProcessAndThroughAPipeline()
    {
        var ml = TestMLContext.Create(seed: 1);
        var train = CatalogFixture.Load(ml, CatalogFixture.TrainPath);
        var model = ml.TwoTower().Trainers.MatrixFactorization(CatalogFixture.Mf()).Fit(train);
        var fitted = ml.TwoTower().FindModel(model)!;
        var path = Path.Combine(Path.GetTempPath(), $"catalog-container-{Guid.NewGuid():N}.zip");
        try
        {
            fitted.Save(path);
            var loaded = FittedRecommender.Load(path);
            Assert.AreEqual(fitted.Training.Count, loaded.Training.Count);
            foreach (var user in new[] { "1", "300", "unknown" })
                CollectionAssert.AreEqual(fitted.Recommend(user, 10, excludeSeen: true).Select(r => r.ItemId).ToArray(),
                    loaded.Recommend(user, 10, excludeSeen: true).Select(r => r.ItemId).ToArray(), $"user {user}");
            var requests = ml.Data.LoadFromEnumerable([new UserRequest { UserId = "1" }]);
            var serving = ml.TwoTower().Transforms.Recommend(loaded, new RecommendOptions { K = 10, ExcludeSeen = true }).Fit(requests);
            using var engine = ml.Model.CreatePredictionEngine<UserRequest, Recommendations>(serving);
            CollectionAssert.AreEqual(fitted.Recommend("1", 10, excludeSeen: true).Select(r => r.ItemId).ToArray(), engine.Predict(new UserRequest { UserId = "1" }).ItemIds);
            Assert.AreEqual("ials", ModelFile.Load(path).Model.ModelType);
        }
        finally { File.Delete(path); }
    }

    [TestMethod]
    public void Load_FileWithoutSeenItems_ExcludeSeenThrowsInsteadOfReturningSeenItems()
    {
        var ml = TestMLContext.Create(seed: 1);
        var train = CatalogFixture.Load(ml, CatalogFixture.TrainPath);
        var fitted = ml.TwoTower().FindModel(ml.TwoTower().Trainers.MatrixFactorization(CatalogFixture.Mf()).Fit(train))!;
        var path = Path.Combine(TestPaths.TempDir(), "no-seen.zip");
        ModelFile.Save(path, fitted.Model); // no seen: the file cannot tell which items user 1 has seen
        var loaded = FittedRecommender.Load(path);
        Assert.IsFalse(loaded.KnowsSeenItems);
        Assert.IsTrue(fitted.KnowsSeenItems);
        var ex = Assert.ThrowsExactly<InvalidOperationException>(() => loaded.Recommend("1", 10, excludeSeen: true));
        StringAssert.Contains(ex.Message, "saved without them");
        Assert.ThrowsExactly<InvalidOperationException>(() => loaded.WithIndex(TwoTower.MLNet.Index.IndexFactory.Create("Flat", loaded.Model.Dimension, TwoTower.MLNet.Index.VectorMetric.InnerProduct)).Recommend("1", 10, excludeSeen: true));
        var requests = ml.Data.LoadFromEnumerable([new UserRequest { UserId = "1" }]);
        Assert.ThrowsExactly<InvalidOperationException>(() => ml.TwoTower().Transforms.Recommend(loaded, new RecommendOptions { K = 10, ExcludeSeen = true }).Fit(requests));
        Assert.HasCount(10, loaded.Recommend("1", 10, excludeSeen: false));
    }

    [TestMethod]
    public void Recommend_GivenModelOfNumericIds_ReadsItsIdColumnOfRawRows()
    {
        var ml = TestMLContext.Create(seed: 1);
        var train = ml.Data.LoadFromTextFile<NumericInteractionRow>(CatalogFixture.TrainPath, separatorChar: ',', hasHeader: true);
        var model = ml.TwoTower().Trainers.MatrixFactorization(CatalogFixture.Mf()).Fit(train);
        var fitted = ml.TwoTower().FindModel(model)!;
        var path = Path.Combine(Path.GetTempPath(), $"catalog-numeric-{Guid.NewGuid():N}.zip");
        try
        {
            fitted.Save(path);
            // The fitted model's own text column (UserIdText) is absent from raw rows, and a loaded one names the Int32 UserId column.
            foreach (var given in new[] { fitted, FittedRecommender.Load(path) })
            {
                var estimator = ml.TwoTower().Transforms.Recommend(given, new RecommendOptions { K = 10, ExcludeSeen = true });
                var shape = ml.Transforms.CustomMapping<Empty, NumericInteractionRow>((_, _) => { }, contractName: null).GetOutputSchema(new SchemaShape([]));
                Assert.IsNotNull(estimator.GetOutputSchema(shape).FirstOrDefault(c => c.Name == "ItemIds").Name);
                var serving = estimator.Fit(train);
                using var engine = ml.Model.CreatePredictionEngine<NumericUserRequest, Recommendations>(serving);
                CollectionAssert.AreEqual(fitted.Recommend("1", 10, excludeSeen: true).Select(r => r.ItemId).ToArray(), engine.Predict(new NumericUserRequest { UserId = 1 }).ItemIds);
            }
        }
        finally { File.Delete(path); }
    }

    public sealed class NumericUserRequest
    {
        public int UserId { get; set; }
    }

    private sealed class Empty;

    [TestMethod]
    public void Load_PopularityModel_ThrowsNamingTheType()
    {
        var log = new TwoTower.MLNet.Data.InteractionLog("t");
        log.Add("u", "i");
        var data = TwoTower.MLNet.Training.TrainingData.Create(log);
        var popularity = new TwoTower.MLNet.Models.Baselines.PopularityTrainer().Fit(data);
        var path = Path.Combine(Path.GetTempPath(), $"catalog-pop-{Guid.NewGuid():N}.zip");
        try
        {
            ModelFile.Save(path, popularity);
            var ex = Assert.ThrowsExactly<InvalidDataException>(() => FittedRecommender.Load(path));
            StringAssert.Contains(ex.Message, "holds a 'popularity' model, which has no user and item vectors");
        }
        finally { File.Delete(path); }
    }
}
