using Microsoft.ML;
using Microsoft.ML.Data;

namespace TwoTower.MLNet.Tests.Catalog;

/// <summary>A fitted model used after Dispose fails with an ObjectDisposedException that names the step, not inside ML.NET.</summary>
[TestClass]
public sealed class DisposedModelTests
{
    [TestMethod]
    public void Use_DisposedFittedPipeline_ThrowsObjectDisposedNamingTheTrainer()
    {
        // Found by an audit: after Dispose (of the model, or of a PredictionEngine that owned it) the ONNX steps' sessions are
        // closed, and a PredictionEngine failed with a NullReferenceException, Transform with ML.NET's
        // "Splitter/consolidator worker encountered exception while consuming source data".
        var ml = TestMLContext.Create(seed: 1);
        var train = CatalogFixture.Load(ml, CatalogFixture.TrainPath);
        var model = ml.TwoTower().Trainers.MatrixFactorization(CatalogFixture.Mf())
            .Append(ml.TwoTower().Transforms.Recommend(k: 5)).Fit(train);
        ml.Model.CreatePredictionEngine<UserRequest, Recommendations>(model).Dispose();

        foreach (var use in new Action[]
        {
            () => ml.Model.CreatePredictionEngine<UserRequest, Recommendations>(model),
            () => model.Transform(train),
            () => ml.Model.Save(model, train.Schema, Path.Combine(TestPaths.TempDir(), "disposed.zip")),
        })
        {
            var ex = Assert.ThrowsExactly<ObjectDisposedException>(use);
            StringAssert.Contains(ex.Message, "The ials trainer's transformer was disposed, with its ONNX sessions");
            StringAssert.Contains(ex.Message, "load a saved copy with ml.Model.Load");
        }
    }

    [TestMethod]
    public void Predict_EngineOfADisposedModel_ThrowsObjectDisposedNamingTheStep()
    {
        // An engine made before the model (or itself) was disposed keeps the steps' row mappers, which bypassed the check:
        // Predict failed with a NullReferenceException inside ONNX Runtime.
        var ml = TestMLContext.Create(seed: 1);
        var train = CatalogFixture.Load(ml, CatalogFixture.TrainPath);
        var model = ml.TwoTower().Trainers.MatrixFactorization(CatalogFixture.Mf())
            .Append(ml.TwoTower().Transforms.Recommend(k: 5)).Fit(train);
        var engine = ml.Model.CreatePredictionEngine<UserRequest, Recommendations>(model);
        var other = ml.Model.CreatePredictionEngine<UserRequest, Recommendations>(model);
        Assert.HasCount(5, engine.Predict(new UserRequest { UserId = "1" }).ItemIds);

        engine.Dispose();

        foreach (var disposed in new[] { engine, other })
        {
            // The engine reads the Recommend step's columns first: that step is named.
            var ex = Assert.ThrowsExactly<ObjectDisposedException>(() => disposed.Predict(new UserRequest { UserId = "1" }));
            StringAssert.Contains(ex.Message, "The Recommend step's transformer was disposed, with its ONNX session");
        }
    }

    [TestMethod]
    public void Use_DisposedRecommendStep_ThrowsObjectDisposedNamingIt()
    {
        var ml = TestMLContext.Create(seed: 1);
        var train = CatalogFixture.Load(ml, CatalogFixture.TrainPath);
        var trained = ml.TwoTower().Trainers.MatrixFactorization(CatalogFixture.Mf()).Fit(train);
        var data = trained.Transform(train);
        var recommend = ml.TwoTower().Transforms.Recommend(k: 5).Fit(data);
        Assert.HasCount(5, recommend.Transform(data).GetColumn<string[]>("ItemIds").First());

        ((IDisposable)recommend).Dispose();

        var ex = Assert.ThrowsExactly<ObjectDisposedException>(() => recommend.Transform(data));
        StringAssert.Contains(ex.Message, "The Recommend step's transformer was disposed");
        // The trainer's own transformer is another step: still usable.
        Assert.HasCount(2, trained.Transform(train).Preview(maxRows: 2).RowView);
        ((IDisposable)trained).Dispose();
    }
}
