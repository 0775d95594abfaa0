using System.Collections.Concurrent;
using Microsoft.ML;

namespace TwoTower.MLNet.Tests.Catalog;

/// <summary>Serving: an engine pool under parallel load answers as one engine does sequentially; the item-vector column.</summary>
[TestClass]
public sealed class ServingTests
{
    private sealed class ItemRequest
    {
        public string UserId { get; set; } = "";
        public string ItemId { get; set; } = "";
    }

    private sealed class ItemVectorRow
    {
        public float[] ItemVector { get; set; } = [];
    }

    [TestMethod]
    public void EnginePool_ParallelRequests_SameAnswersAsSequential()
    {
        var ml = TestMLContext.Create(seed: 1);
        var train = CatalogFixture.Load(ml, CatalogFixture.TrainPath);
        var model = ml.TwoTower().Trainers.MatrixFactorization(CatalogFixture.Mf()).Append(ml.TwoTower().Transforms.Recommend(k: 10, excludeSeen: true)).Fit(train);
        var users = Enumerable.Range(1, 300).Select(u => u.ToString()).ToArray();
        var sequential = ml.Model.CreatePredictionEngine<UserRequest, Recommendations>(model);
        var expected = users.Select(u => sequential.Predict(new UserRequest { UserId = u }).ItemIds).ToArray();
        var pool = new ConcurrentBag<PredictionEngine<UserRequest, Recommendations>>();
        var got = new string[users.Length][];
        Parallel.For(0, users.Length, new ParallelOptions { MaxDegreeOfParallelism = 4 }, i =>
        {
            if (!pool.TryTake(out var e)) e = ml.Model.CreatePredictionEngine<UserRequest, Recommendations>(model);
            try { got[i] = e.Predict(new UserRequest { UserId = users[i] }).ItemIds; }
            finally { pool.Add(e); }
        });
        for (var i = 0; i < users.Length; i++) CollectionAssert.AreEqual(expected[i], got[i], $"user {users[i]}");
        Assert.IsLessThanOrEqualTo(4, pool.Count);
    }

    [TestMethod]
    public void NonOwningEngine_Disposed_LeavesTheModelUsable()
    {
        // The README's advice for `using var engine`: the default engine owns the model, and disposing it broke every later
        // Transform, engine and Save of the model (NullReferenceException, a missing temporary ONNX file).
        var ml = TestMLContext.Create(seed: 1);
        var train = CatalogFixture.Load(ml, CatalogFixture.TrainPath);
        var model = ml.TwoTower().Trainers.MatrixFactorization(CatalogFixture.Mf()).Append(ml.TwoTower().Transforms.Recommend(k: 5)).Fit(train);
        string[] first;
        using (var engine = ml.Model.CreatePredictionEngine<UserRequest, Recommendations>(model, new PredictionEngineOptions { OwnsTransformer = false }))
            first = engine.Predict(new UserRequest { UserId = "1" }).ItemIds;
        var path = Path.Combine(TestPaths.TempDir(), "model.zip");
        ml.Model.Save(model, train.Schema, path);
        using var again = ml.Model.CreatePredictionEngine<UserRequest, Recommendations>(model);
        CollectionAssert.AreEqual(first, again.Predict(new UserRequest { UserId = "1" }).ItemIds);
    }

    [TestMethod]
    public void WithItemVector_ItemVectorColumn_EqualsModelItemVectors()
    {
        var ml = TestMLContext.Create(seed: 1);
        var train = CatalogFixture.Load(ml, CatalogFixture.TrainPath);
        var model = ml.TwoTower().Trainers.MatrixFactorization(CatalogFixture.Mf()).WithItemVector().Fit(train);
        var fitted = ml.TwoTower().FindModel(model)!.Model;
        var engine = ml.Model.CreatePredictionEngine<ItemRequest, ItemVectorRow>(model);
        foreach (var item in new[] { "1", "50", "1679", "not-an-item" })
        {
            var v = engine.Predict(new ItemRequest { UserId = "1", ItemId = item }).ItemVector;
            var expected = fitted.Items.TryGetKey(item, out var key) ? fitted.ItemVectors.Span.Slice(key * fitted.Dimension, fitted.Dimension).ToArray() : new float[fitted.Dimension];
            CollectionAssert.AreEqual(expected, v, $"item {item}");
        }
    }
}
