using Microsoft.ML;
using Microsoft.ML.Data;

namespace TwoTower.MLNet.Tests.Catalog;

/// <summary>Recommend and Index find the model whose output they are fitted on, not merely the catalog's latest fit.</summary>
[TestClass]
public sealed class InterleavedFitTests
{
    [TestMethod]
    public void Recommend_FittedOnAnEarlierModelsOutput_UsesThatModel()
    {
        var ml = TestMLContext.Create(seed: 1);
        var tt = ml.TwoTower();
        var train = CatalogFixture.Load(ml, CatalogFixture.TrainPath);
        var a = tt.Trainers.MatrixFactorization(CatalogFixture.Mf()).Fit(train);
        var mfB = CatalogFixture.Mf();
        mfB.Als.Factors = 8;
        var b = tt.Trainers.MatrixFactorization(mfB).Fit(train);
        // b was fitted last; a recommend step fitted on a's output must still serve a.
        var recommend = tt.Transforms.Recommend(k: 10).Fit(a.Transform(train));
        var pipeline = new TransformerChain<ITransformer>(a, recommend);
        using var engine = ml.Model.CreatePredictionEngine<UserRequest, Recommendations>(pipeline);
        var expected = tt.FindModel(a)!.Recommend("1", 10).Select(r => r.ItemId).ToArray();
        Assert.AreNotEqual(tt.FindModel(a), tt.FindModel(b));
        CollectionAssert.AreEqual(expected, engine.Predict(new UserRequest { UserId = "1" }).ItemIds);
        CollectionAssert.AreNotEqual(tt.FindModel(b)!.Recommend("1", 10).Select(r => r.ItemId).ToArray(), expected, "the two models must differ for the test to mean anything");
    }
}
