using Microsoft.ML;
using TwoTower.MLNet.Index.Hnsw;

namespace TwoTower.MLNet.Tests.Catalog;

/// <summary>
/// A .NET application serving a fitted pipeline through <c>CreatePredictionEngine&lt;UserRequest, Recommendations&gt;</c>: the
/// request carries a user id only, so a Featurize step that reads other columns must say which column and what to do.
/// </summary>
[TestClass]
public sealed class PredictionEngineServingTests
{
    [TestMethod]
    public void CreatePredictionEngine_RequestWithoutAColumnFeaturizeReads_NamesTheColumnTheOptionAndWhatToSupply()
    {
        // Found by an audit: the engine failed with ML.NET's "Could not find input column 'ItemId' (Parameter 'inputSchema')",
        // which says neither that the Featurize step reads it at serving time nor what to supply.
        var ml = TestMLContext.Create(seed: 1);
        var train = CatalogFixture.Load(ml, CatalogFixture.TrainPath);
        foreach (var (options, column, option) in new[]
        {
            (new FeaturizerOptions(), "ItemId", "FeaturizerOptions.ItemIdColumn"),
            (new FeaturizerOptions { ItemIdColumn = null, NumericColumns = ["Rating"] }, "Rating", "FeaturizerOptions.NumericColumns"),
        })
        {
            var model = ml.TwoTower().Transforms.Featurize(options)
                .Append(ml.TwoTower().Trainers.MatrixFactorization(CatalogFixture.Mf()))
                .Append(ml.TwoTower().Transforms.Recommend(k: 5)).Fit(train);
            var ex = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.Model.CreatePredictionEngine<UserRequest, Recommendations>(model));
            StringAssert.Contains(ex.Message, $"The Featurize step reads the column '{column}' ({option}) whenever the model runs, serving included, and the input has no such column (its columns: 'UserId')");
            StringAssert.Contains(ex.Message, $"a property named {column} on the PredictionEngine's input class");
            if (column == "ItemId") StringAssert.Contains(ex.Message, "fit with FeaturizerOptions.ItemIdColumn = null, the trainer reading the raw 'ItemId' column itself (its ItemIdColumn), so that requests need no item");
            Assert.AreEqual("inputSchema", ex.ParamName);
            // The same check on Transform of rows that lack the column.
            var requests = ml.Data.LoadFromEnumerable(new[] { new UserRequest { UserId = "1" } });
            StringAssert.Contains(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => model.Transform(requests)).Message, $"The Featurize step reads the column '{column}'");
            ((IDisposable)model).Dispose();
        }
    }

    [TestMethod]
    public void FitAndGetOutputSchema_DataWithoutAColumnFeaturizeReads_NameTheColumnAndTheOption()
    {
        var ml = TestMLContext.Create(seed: 1);
        var train = CatalogFixture.Load(ml, CatalogFixture.TrainPath);
        var featurize = ml.TwoTower().Transforms.Featurize(new FeaturizerOptions { CategoricalColumns = ["Occupation"] });
        const string expected = "The Featurize step reads the column 'Occupation' (FeaturizerOptions.CategoricalColumns), and the input has no such column (its columns: 'UserId', 'ItemId', 'Rating', 'Timestamp').";
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => featurize.Fit(train)).Message, expected);
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => featurize.GetOutputSchema(Shape<InteractionRow>(ml))).Message, expected);
    }

    [TestMethod]
    public void DesignPipeline_FeaturizeWithoutItemId_ServesUserIdRequestsFittedAndLoaded()
    {
        // DESIGN §4's pipeline (Featurize, iALS warm start, two-tower, HNSW index, Recommend), served as DESIGN and the README
        // show it: a PredictionEngine<UserRequest, Recommendations> whose request holds the user id only. Featurize leaves the
        // item id out (FeaturizerOptions.ItemIdColumn = null), as its docs say a pipeline that answers user requests must.
        var ml = TestMLContext.Create(seed: 1);
        var train = CatalogFixture.Load(ml, CatalogFixture.TrainPath);
        var pipeline = ml.TwoTower().Transforms.Featurize(new FeaturizerOptions { ItemIdColumn = null })
            .Append(ml.TwoTower().Trainers.MatrixFactorization(CatalogFixture.Mf(user: "UserId", item: "ItemId")))
            .Append(ml.TwoTower().Trainers.TwoTower(new TwoTowerOptions { EmbeddingDimension = 16, Epochs = 1, Temperature = 0.05f, LogQCorrection = true, Threads = 1 }))
            .Append(ml.TwoTower().Transforms.Index(new HnswOptions { M = 16, EfConstruction = 200 }))
            .Append(ml.TwoTower().Transforms.Recommend(k: 10, excludeSeen: true));
        var model = pipeline.Fit(train);
        var fitted = ml.TwoTower().FindModel(model)!;
        var path = Path.Combine(TestPaths.TempDir(), "design-serving.zip");
        ml.Model.Save(model, train.Schema, path);
        var loaded = ml.Model.Load(path, out _);
        using var fromFitted = ml.Model.CreatePredictionEngine<UserRequest, Recommendations>(model);
        using var fromLoaded = ml.Model.CreatePredictionEngine<UserRequest, Recommendations>(loaded);
        var seen = CatalogFixture.SeenByUser(CatalogFixture.TrainPath);
        foreach (var user in new[] { "1", "42", "never-seen" })
        {
            var (expected, _) = CatalogFixture.BruteForce(fitted.Model, user, 10, seen.GetValueOrDefault(user));
            CollectionAssert.AreEqual(expected, fromFitted.Predict(new UserRequest { UserId = user }).ItemIds, $"fitted, user {user}");
            var answer = fromLoaded.Predict(new UserRequest { UserId = user });
            CollectionAssert.AreEqual(expected, answer.ItemIds, $"loaded, user {user}");
            Assert.HasCount(10, answer.Scores);
        }
    }

    // An input shape through public API only: a never-fitted CustomMapping whose output is TRow's columns.
    private static Microsoft.ML.SchemaShape Shape<TRow>(MLContext ml) where TRow : class, new() =>
        ml.Transforms.CustomMapping<Empty, TRow>((_, _) => { }, contractName: null).GetOutputSchema(new Microsoft.ML.SchemaShape([]));

    private sealed class Empty;
}
