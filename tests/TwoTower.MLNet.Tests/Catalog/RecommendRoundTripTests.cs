using Microsoft.ML;

namespace TwoTower.MLNet.Tests.Catalog;

/// <summary>Fit → Transform → Save → Load → PredictionEngine: identical recommendations, equal to brute force, seen items excluded.</summary>
[TestClass]
public sealed class RecommendRoundTripTests
{
    private static readonly string[] Users = ["1", "2", "13", "405", "943"];

    [TestMethod]
    public void SaveLoad_MfPipeline_PredictionsIdenticalAndEqualBruteForce()
    {
        var ml = TestMLContext.Create(seed: 1);
        var train = CatalogFixture.Load(ml, CatalogFixture.TrainPath);
        var model = ml.TwoTower().Trainers.MatrixFactorization(CatalogFixture.Mf())
            .Append(ml.TwoTower().Transforms.Recommend(k: 10, excludeSeen: true))
            .Fit(train);
        var fitted = ml.TwoTower().FindModel(model);
        Assert.IsNotNull(fitted);
        var path = Path.Combine(Path.GetTempPath(), $"catalog-roundtrip-{Guid.NewGuid():N}.zip");
        try
        {
            ml.Model.Save(model, train.Schema, path);
            var loaded = TestMLContext.Create(seed: 7).Model.Load(path, out var inputSchema);
            Assert.IsNotNull(inputSchema.GetColumnOrNull("UserId"));
            using var before = ml.Model.CreatePredictionEngine<UserRequest, Recommendations>(model);
            using var after = ml.Model.CreatePredictionEngine<UserRequest, Recommendations>(loaded);
            var seen = CatalogFixture.SeenByUser(CatalogFixture.TrainPath);
            foreach (var user in Users)
            {
                var a = before.Predict(new UserRequest { UserId = user });
                var b = after.Predict(new UserRequest { UserId = user });
                CollectionAssert.AreEqual(a.ItemIds, b.ItemIds, $"user {user}");
                CollectionAssert.AreEqual(a.Scores, b.Scores, $"user {user}");
                var (ids, scores) = CatalogFixture.BruteForce(fitted.Model, user, 10, seen[user]);
                CollectionAssert.AreEqual(ids, b.ItemIds, $"user {user}: ONNX top-10 differs from brute force");
                for (var j = 0; j < 10; j++) Assert.AreEqual(scores[j], b.Scores[j], 1e-4f);
                foreach (var item in b.ItemIds) Assert.DoesNotContain(item, seen[user]);
            }
        }
        finally { File.Delete(path); }
    }

    [TestMethod]
    public void Transform_BatchOfUsers_MatchesPredictionEngineRowByRow()
    {
        var ml = TestMLContext.Create(seed: 1);
        var train = CatalogFixture.Load(ml, CatalogFixture.TrainPath);
        var model = ml.TwoTower().Trainers.MatrixFactorization(CatalogFixture.Mf())
            .Append(ml.TwoTower().Transforms.Recommend(k: 5))
            .Fit(train);
        var requests = ml.Data.LoadFromEnumerable(Users.Select(u => new UserRequest { UserId = u }));
        var batch = ml.Data.CreateEnumerable<Recommendations>(model.Transform(requests), reuseRowObject: false).ToArray();
        Assert.HasCount(Users.Length, batch);
        using var engine = ml.Model.CreatePredictionEngine<UserRequest, Recommendations>(model);
        for (var r = 0; r < Users.Length; r++)
            CollectionAssert.AreEqual(engine.Predict(new UserRequest { UserId = Users[r] }).ItemIds, batch[r].ItemIds);
    }

    [TestMethod]
    public void Predict_UnknownUser_GetsColdStartTopK()
    {
        var ml = TestMLContext.Create(seed: 1);
        var train = CatalogFixture.Load(ml, CatalogFixture.TrainPath);
        var model = ml.TwoTower().Trainers.MatrixFactorization(CatalogFixture.Mf())
            .Append(ml.TwoTower().Transforms.Recommend(k: 10, excludeSeen: true))
            .Fit(train);
        using var engine = ml.Model.CreatePredictionEngine<UserRequest, Recommendations>(model);
        var answer = engine.Predict(new UserRequest { UserId = "no-such-user" });
        var (ids, _) = CatalogFixture.BruteForce(ml.TwoTower().FindModel(model)!.Model, "no-such-user", 10, null);
        CollectionAssert.AreEqual(ids, answer.ItemIds);
    }

    [TestMethod]
    public void Predict_WithoutExcludeSeen_ReturnsSeenItemsWhenTheyScoreHighest()
    {
        var ml = TestMLContext.Create(seed: 1);
        var train = CatalogFixture.Load(ml, CatalogFixture.TrainPath);
        var model = ml.TwoTower().Trainers.MatrixFactorization(CatalogFixture.Mf())
            .Append(ml.TwoTower().Transforms.Recommend(k: 10, excludeSeen: false))
            .Fit(train);
        using var engine = ml.Model.CreatePredictionEngine<UserRequest, Recommendations>(model);
        var answer = engine.Predict(new UserRequest { UserId = "1" });
        var (ids, _) = CatalogFixture.BruteForce(ml.TwoTower().FindModel(model)!.Model, "1", 10, null);
        CollectionAssert.AreEqual(ids, answer.ItemIds);
        // iALS reproduces training items: without exclusion some of user 1's items come back.
        Assert.IsTrue(answer.ItemIds.Any(CatalogFixture.SeenByUser(CatalogFixture.TrainPath)["1"].Contains));
    }

    [TestMethod]
    public void Predict_ExcludeSeenWithFewerEligibleItemsThanK_EmptyPlacesNotSeenItems()
    {
        // Catalogue {a, b, c, d}; u1 has seen a and b: two places hold items, the other two hold nothing (not a or b).
        var ml = TestMLContext.Create(seed: 1);
        var tiny = ml.Data.LoadFromEnumerable(new[]
        {
            new InteractionRow { UserId = "u1", ItemId = "a" }, new InteractionRow { UserId = "u1", ItemId = "b" },
            new InteractionRow { UserId = "u2", ItemId = "c" }, new InteractionRow { UserId = "u2", ItemId = "d" }, new InteractionRow { UserId = "u2", ItemId = "a" },
        });
        var model = ml.TwoTower().Trainers.MatrixFactorization(factors: 2, iterations: 2).Append(ml.TwoTower().Transforms.Recommend(k: 4, excludeSeen: true)).Fit(tiny);
        using var engine = ml.Model.CreatePredictionEngine<UserRequest, Recommendations>(model);
        var answer = engine.Predict(new UserRequest { UserId = "u1" });
        CollectionAssert.AreEquivalent(new[] { "c", "d" }, answer.ItemIds[..2]);
        CollectionAssert.AreEqual(new[] { "", "" }, answer.ItemIds[2..]);
        Assert.IsTrue(answer.Scores[2..].All(float.IsNegativeInfinity));
        CollectionAssert.AreEqual(ml.TwoTower().FindModel(model)!.Recommend("u1", 4, excludeSeen: true).Select(r => r.ItemId).ToArray(), answer.ItemIds[..2]);
        // Evaluation reads the empty places as nothing recommended: u1's held-out c is first or second, never past the items.
        var heldOut = ml.Data.LoadFromEnumerable(new[] { new InteractionRow { UserId = "u1", ItemId = "c" } });
        var result = ml.TwoTower().Evaluate(model.Transform(heldOut), ks: [2, 4]);
        Assert.AreEqual(1.0, result["HR@2"]);
        Assert.AreEqual(result["NDCG@2"], result["NDCG@4"], 1e-12);
    }

    [TestMethod]
    public void TwoTowerTrainer_UserVectorColumn_EqualsModelVectors()
    {
        var ml = TestMLContext.Create(seed: 1);
        var train = CatalogFixture.Load(ml, CatalogFixture.TrainPath);
        var options = new TwoTowerOptions { Epochs = 1, EmbeddingDimension = 16, Threads = 1 };
        options.Engine.HiddenLayers = [32];
        options.Engine.ComputeQualityReport = false;
        var model = ml.TwoTower().Trainers.TwoTower(options).Fit(train);
        var fitted = ml.TwoTower().FindModel(model)!;
        Assert.AreEqual(16, fitted.Model.Dimension);
        using var engine = ml.Model.CreatePredictionEngine<UserRequest, UserVectorRow>(model);
        foreach (var user in new[] { "1", "943", "unknown" })
        {
            var expected = new float[16];
            fitted.Model.EmbedUsers([fitted.Model.Users.TryGetKey(user, out var k) ? k : -1], expected);
            var actual = engine.Predict(new UserRequest { UserId = user }).UserVector;
            Assert.HasCount(16, actual);
            for (var j = 0; j < 16; j++) Assert.AreEqual(expected[j], actual[j], 1e-6f, $"user {user} dim {j}");
        }
    }

    [TestMethod]
    public void TwoTowerTrainer_WithItemAndUserFeatures_ChangesTheModelAndStillServes()
    {
        var ml = TestMLContext.Create(seed: 1);
        var train = CatalogFixture.Load(ml, CatalogFixture.TrainPath);
        TwoTowerOptions Options()
        {
            var o = new TwoTowerOptions { Epochs = 1, EmbeddingDimension = 16, Threads = 1 };
            o.Engine.HiddenLayers = [32];
            o.Engine.ComputeQualityReport = false;
            return o;
        }
        var withFeatures = Options();
        withFeatures.Items = TwoTower.MLNet.Data.MovieLens100K.LoadItems(TestPaths.MovieLens100K);
        withFeatures.Users = TwoTower.MLNet.Data.MovieLens100K.LoadUsers(TestPaths.MovieLens100K);
        var plain = ml.TwoTower().FindModel(ml.TwoTower().Trainers.TwoTower(Options()).Fit(train))!.Model;
        var model = ml.TwoTower().Trainers.TwoTower(withFeatures).Append(ml.TwoTower().Transforms.Recommend(k: 10, excludeSeen: true)).Fit(train);
        var featured = ml.TwoTower().FindModel(model)!.Model;
        // The metadata's 1,682 items all get vectors (the 3 items absent from train purely from their features).
        Assert.AreEqual(1682, featured.Items.Count);
        Assert.AreEqual(1679, plain.Items.Count);
        var maxDiff = 0f;
        for (var i = 0; i < plain.Items.Count; i++)
        {
            Assert.IsTrue(featured.Items.TryGetKey(plain.Items.GetRawId(i), out var j));
            for (var c = 0; c < 16; c++) maxDiff = Math.Max(maxDiff, Math.Abs(plain.ItemVectors.Span[i * 16 + c] - featured.ItemVectors.Span[j * 16 + c]));
        }
        Assert.IsGreaterThan(1e-3f, maxDiff);
        using var engine = ml.Model.CreatePredictionEngine<UserRequest, Recommendations>(model);
        Assert.HasCount(10, engine.Predict(new UserRequest { UserId = "1" }).ItemIds);
    }
}
