using Microsoft.ML;

namespace TwoTower.MLNet.Tests.Catalog;

/// <summary>
/// ML.NET keeps each ONNX step's graph in a temporary file while the model lives: disposing the model (or a
/// PredictionEngine, which owns its model) must remove them, as the catalog's docs say, or every fit leaks a file.
/// </summary>
[TestClass]
public sealed class TemporaryFileTests
{
    [TestMethod]
    public void Dispose_FittedLoadedAndEngineOwnedModels_RemoveTheirTemporaryFiles()
    {
        var ml = TestMLContext.Create();
        var temp = ml.TempFilePath;
        var train = CatalogFixture.Load(ml, CatalogFixture.TrainPath);
        var model = ml.TwoTower().Trainers.MatrixFactorization(CatalogFixture.Mf())
            .Append(ml.TwoTower().Transforms.Recommend(k: 5, excludeSeen: true))
            .Fit(train);
        // The user lookup and the recommend graph.
        Assert.HasCount(2, Directory.GetFiles(temp));
        var path = Path.Combine(TestPaths.TempDir(), "model.zip");
        ml.Model.Save(model, train.Schema, path);

        ((IDisposable)model).Dispose();
        Assert.IsEmpty(Directory.GetFiles(temp), "disposing the fitted pipeline left its ONNX copies behind");

        var loaded = ml.Model.Load(path, out _);
        Assert.HasCount(2, Directory.GetFiles(temp));
        using (var engine = ml.Model.CreatePredictionEngine<UserRequest, Recommendations>(loaded))
            Assert.HasCount(5, engine.Predict(new UserRequest { UserId = "1" }).ItemIds);
        Assert.IsEmpty(Directory.GetFiles(temp), "disposing the PredictionEngine left the loaded model's ONNX copies behind");
    }
}
