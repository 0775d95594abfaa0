using Microsoft.ML;
using TwoTower.MLNet.Data;
using TwoTower.MLNet.Evaluation;

namespace TwoTower.MLNet.Tests.Catalog;

/// <summary>ml.TwoTower().Evaluate: the DESIGN §6 metrics, equal to the core evaluator and to scoring the predicted lists.</summary>
[TestClass]
public sealed class CatalogEvaluateTests
{
    private static (MLContext Ml, ITransformer Model, IDataView Test) Fit(int k = 10)
    {
        var ml = TestMLContext.Create(seed: 1);
        var train = CatalogFixture.Load(ml, CatalogFixture.TrainPath);
        var model = ml.TwoTower().Trainers.MatrixFactorization(CatalogFixture.Mf())
            .Append(ml.TwoTower().Transforms.Recommend(k: k, excludeSeen: true)).Fit(train);
        return (ml, model, CatalogFixture.Load(ml, CatalogFixture.TestPath));
    }

    [TestMethod]
    public void Evaluate_FullProtocol_EqualsCoreEvaluatorOnTheCsvFiles()
    {
        var (ml, model, test) = Fit();
        var metrics = ml.TwoTower().Evaluate(model, test, ks: [10, 50]);
        var fitted = ml.TwoTower().FindModel(model)!;
        var set = EvaluationSet.Create(fitted.Model, CsvInteractions.Load(CatalogFixture.TrainPath), CsvInteractions.Load(CatalogFixture.TestPath));
        var expected = RetrievalEvaluator.EvaluateFullRanking(fitted.Model, set.History, set.Test, [10, 50]);
        foreach (var name in new[] { "HR@10", "Recall@10", "NDCG@10", "MRR", "MAP@10", "Coverage@10", "NDCG@50" })
            Assert.AreEqual(expected[name], metrics[name], 1e-12, name);
        Assert.AreEqual(943, metrics.Users);
        // iALS beats the popularity peer's NDCG@10 (0.026) even when small.
        Assert.IsGreaterThan(0.026, metrics["NDCG@10"]);
    }

    [TestMethod]
    public void Evaluate_TfrsProtocol_ReportsTopK()
    {
        var (ml, model, test) = Fit();
        var metrics = ml.TwoTower().Evaluate(model, test, ks: [10, 100], protocol: "tfrs");
        Assert.IsGreaterThan(metrics["top_10"], metrics["top_100"]);
        Assert.IsGreaterThanOrEqualTo(metrics["top_100"], metrics["f_top_100"]);
    }

    [TestMethod]
    public void Evaluate_PredictedLists_EqualFullRankingWithinTheList()
    {
        var (ml, model, test) = Fit();
        var fromLists = ml.TwoTower().Evaluate(model.Transform(test), ks: [10]);
        var full = ml.TwoTower().Evaluate(model, test, ks: [10]);
        foreach (var name in new[] { "HR@10", "Recall@10", "NDCG@10", "MAP@10" })
            Assert.AreEqual(full[name], fromLists[name], 1e-9, name);
        Assert.AreEqual(full.Users, fromLists.Users);
        // Lists know neither the catalogue nor the history: their coverage was inflated (.70 against .33) and the popularity percentile always .5.
        foreach (var name in new[] { "Coverage@10", "PopularityPercentile@10", "Gini@10" })
        {
            Assert.IsTrue(full.Metrics.ContainsKey(name), name);
            Assert.IsFalse(fromLists.Metrics.ContainsKey(name), name);
        }
    }

    [TestMethod]
    public void Evaluate_KeyIdPipeline_RawOrTransformedTestRows_EqualTheTextIdPipeline()
    {
        var (ml, model, test) = Fit();
        var train = CatalogFixture.Load(ml, CatalogFixture.TrainPath);
        var keyed = ml.TwoTower().Transforms.Featurize()
            .Append(ml.TwoTower().Trainers.MatrixFactorization(CatalogFixture.Mf("UserIdKey", "ItemIdKey"))).Fit(train);
        // p2's test holds items the training rows never name: their keys are missing, and they must count as misses, not fail.
        var trainItems = CatalogFixture.SeenByUser(CatalogFixture.TrainPath).Values.SelectMany(s => s).ToHashSet();
        Assert.IsTrue(File.ReadLines(CatalogFixture.TestPath).Skip(1).Any(l => !trainItems.Contains(l.Split(',')[1])));
        var expected = ml.TwoTower().Evaluate(model, test, ks: [10]);
        foreach (var rows in new[] { test, keyed.Transform(test) })
        {
            var actual = ml.TwoTower().Evaluate(keyed, rows, ks: [10]);
            foreach (var name in new[] { "HR@10", "Recall@10", "NDCG@10", "MAP@10", "MRR", "Coverage@10" })
                Assert.AreEqual(expected[name], actual[name], 1e-12, name);
            Assert.AreEqual(expected.Users, actual.Users);
        }
    }

    [TestMethod]
    public void Evaluate_KBeyondListLength_ThrowsNamingK()
    {
        var (ml, model, test) = Fit(k: 5);
        var ex = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.TwoTower().Evaluate(model.Transform(test), ks: [10]));
        StringAssert.Contains(ex.Message, "K = 10 exceeds the 5 recommendations per row in 'ItemIds'");
    }

    [TestMethod]
    public void Evaluate_UnknownProtocol_Throws()
    {
        var (ml, model, test) = Fit();
        var ex = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.TwoTower().Evaluate(model, test, protocol: "leave-one-out"));
        StringAssert.Contains(ex.Message, "protocol must be \"full\" or \"tfrs\"");
    }

    [TestMethod]
    public void Evaluate_ModelWithoutTrainer_SaysToEvaluatePredictions()
    {
        var ml = TestMLContext.Create(seed: 1);
        var test = CatalogFixture.Load(ml, CatalogFixture.TestPath);
        var other = ml.Transforms.CopyColumns("U", "UserId").Fit(test);
        var ex = Assert.ThrowsExactly<InvalidOperationException>(() => ml.TwoTower().Evaluate(other, test));
        StringAssert.Contains(ex.Message, "Evaluate(model.Transform(test))");
    }

    [TestMethod]
    public void Evaluate_PredictionsWithoutListColumn_NamesIt()
    {
        var ml = TestMLContext.Create(seed: 1);
        var test = CatalogFixture.Load(ml, CatalogFixture.TestPath);
        var ex = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.TwoTower().Evaluate(test));
        StringAssert.Contains(ex.Message, "The recommendations column 'ItemIds' is not in the predictions");
    }

    [TestMethod]
    public void Evaluate_TestOrHistoryWithoutTheItemColumn_NamesWhichDataAndTheTrainersOption()
    {
        var (ml, model, test) = Fit();
        var usersOnly = ml.Data.LoadFromEnumerable(new[] { new UserRequest { UserId = "1" } });
        // Before: "The item id column 'ItemId' (itemColumn) ...", parameter itemColumn, for either data: neither which one nor an option the caller has.
        foreach (var (role, act) in new (string, Action)[] { ("test", () => ml.TwoTower().Evaluate(model, usersOnly)), ("history", () => ml.TwoTower().Evaluate(model, test, history: usersOnly)) })
        {
            var ex = Assert.ThrowsExactly<ArgumentOutOfRangeException>(act, role);
            Assert.AreEqual(role, ex.ParamName);
            StringAssert.Contains(ex.Message, $"The {role} data: the item id column 'ItemId' (the trainer's ItemIdColumn) is not in the input schema. Available columns: 'UserId'", role);
        }
    }

    [TestMethod]
    [DataRow("userIdColumn", "user id")]
    [DataRow("itemIdColumn", "item id")]
    public void Evaluate_PredictionsWithoutAnIdColumn_NamesTheParameterToSet(string parameter, string role)
    {
        var (ml, model, test) = Fit();
        var predictions = model.Transform(test);
        var ex = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => parameter == "userIdColumn"
            ? ml.TwoTower().Evaluate(predictions, userIdColumn: "User")
            : ml.TwoTower().Evaluate(predictions, itemIdColumn: "Item"));
        Assert.AreEqual(parameter, ex.ParamName);
        StringAssert.Contains(ex.Message, $"The {role} column '{(parameter == "userIdColumn" ? "User" : "Item")}' ({parameter}) is not in the input schema.");
    }
}
