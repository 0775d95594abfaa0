using TwoTower.MLNet.Data;
using TwoTower.MLNet.Index;
using TwoTower.MLNet.MatrixFactorization;
using TwoTower.MLNet.Persistence;
using TwoTower.MLNet.Retrieval.Candidates;
using TwoTower.MLNet.Retrieval.Engine;
using TwoTower.MLNet.Training;

namespace TwoTower.MLNet.PgVector.Tests;

[TestClass]
public sealed class RetrievalEngineOnPgVectorTests
{
    [TestMethod]
    public void Engine_WithPgVectorIndex_RecommendsAsWithTheExactIndexAndWritesUpdatesThrough()
    {
        var data = TrainingData.Create(CsvInteractions.Load(TestPaths.Split("p2", "train")));
        var model = new ImplicitAlsTrainer(new ImplicitAlsOptions { Factors = 32, Iterations = 5 }).Fit(data);
        var loaded = new LoadedModel(model, data.Train.ToUserItemMatrix(), null);
        // The ANN source alone, so the lists compare the two indexes and nothing else.
        var annOnly = CandidateGeneratorOptions.FromYaml("sources: [{source: mf, quota: 50}]");
        using var exact = RetrievalEngine.Create(loaded, options: new RetrievalEngineOptions { IndexSpec = "Flat", Generator = annOnly });
        var table = TestDatabase.NewTable();
        var users = model.Users.RawIds.Take(20).ToArray();
        var removed = "";
        using (var pg = RetrievalEngine.Create(loaded, options: new RetrievalEngineOptions
        {
            Generator = annOnly,
            CreateIndex = d => PgVectorIndex.Open(TestDatabase.ConnectionString, d, VectorMetric.InnerProduct, new PgVectorOptions { Table = table, EfSearch = 200 }),
        }))
        {
            var hits = 0;
            foreach (var u in users)
            {
                var want = exact.Recommend(new RecommendRequest { UserId = u, K = 10 }).Items.Select(i => i.ItemId).ToHashSet();
                hits += pg.Recommend(new RecommendRequest { UserId = u, K = 10 }).Items.Count(i => want.Contains(i.ItemId));
            }
            Assert.IsGreaterThanOrEqualTo(0.95, hits / (users.Length * 10.0), "top-10 overlap with the exact index");
            removed = pg.Recommend(new RecommendRequest { UserId = users[0], K = 1 }).Items[0].ItemId;
            Assert.IsTrue(pg.RemoveItem(removed));
            Assert.AreNotEqual(removed, pg.Recommend(new RecommendRequest { UserId = users[0], K = 1 }).Items[0].ItemId);
        }
        // The removal reached the table: reopened, it holds every item but that one.
        using var reopened = PgVectorIndex.Open(TestDatabase.ConnectionString, 32, VectorMetric.InnerProduct, new PgVectorOptions { Table = table });
        Assert.AreEqual(model.Items.Count - 1, reopened.Count);
    }

    [TestMethod]
    public void Engine_WithANonEmptyIndex_RefusesIt()
    {
        var data = TrainingData.Create(CsvInteractions.Load(TestPaths.Split("p2", "train")));
        var model = new ImplicitAlsTrainer(new ImplicitAlsOptions { Factors = 8, Iterations = 1 }).Fit(data);
        var table = TestDatabase.NewTable();
        using (var seed = PgVectorIndex.Open(TestDatabase.ConnectionString, 8, VectorMetric.InnerProduct, new PgVectorOptions { Table = table }))
            seed.Add([1], new float[8] { 1, 0, 0, 0, 0, 0, 0, 0 });
        var ex = Assert.ThrowsExactly<ArgumentException>(() => RetrievalEngine.Create(new LoadedModel(model, null, null), options: new RetrievalEngineOptions
        {
            CreateIndex = d => PgVectorIndex.Open(TestDatabase.ConnectionString, d, VectorMetric.InnerProduct, new PgVectorOptions { Table = table }),
        }));
        StringAssert.Contains(ex.Message, "has dimension 8, metric InnerProduct and 1 vectors; the engine needs an empty inner-product index of dimension 8");
    }
}
