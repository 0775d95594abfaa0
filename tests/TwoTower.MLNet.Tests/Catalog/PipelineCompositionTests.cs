using Microsoft.ML;
using Microsoft.ML.Data;

namespace TwoTower.MLNet.Tests.Catalog;

/// <summary>ML.NET's own transforms before ours: keys, numeric ids, Featurize; all still save and load.</summary>
[TestClass]
public sealed class PipelineCompositionTests
{
    [TestMethod]
    public void Fit_AfterMapValueToKey_SameRecommendationsAsTextIdsAndSurvivesSaveLoad()
    {
        var ml = TestMLContext.Create(seed: 1);
        var train = CatalogFixture.Load(ml, CatalogFixture.TrainPath);
        var plain = ml.TwoTower().Trainers.MatrixFactorization(CatalogFixture.Mf())
            .Append(ml.TwoTower().Transforms.Recommend(k: 10, excludeSeen: true)).Fit(train);
        // Only the user side is mapped: a prediction request carries no item id, and every step of a loaded chain runs.
        var keyed = ml.Transforms.Conversion.MapValueToKey("UserKey", "UserId")
            .Append(ml.TwoTower().Trainers.MatrixFactorization(CatalogFixture.Mf(user: "UserKey")))
            .Append(ml.TwoTower().Transforms.Recommend(k: 10, excludeSeen: true)).Fit(train);
        var path = Path.Combine(Path.GetTempPath(), $"catalog-keyed-{Guid.NewGuid():N}.zip");
        try
        {
            ml.Model.Save(keyed, train.Schema, path);
            var loaded = ml.Model.Load(path, out _);
            using var a = ml.Model.CreatePredictionEngine<UserRequest, Recommendations>(plain);
            using var b = ml.Model.CreatePredictionEngine<UserRequest, Recommendations>(loaded);
            foreach (var user in new[] { "1", "77", "500" })
                CollectionAssert.AreEqual(a.Predict(new UserRequest { UserId = user }).ItemIds, b.Predict(new UserRequest { UserId = user }).ItemIds, $"user {user}");
        }
        finally { File.Delete(path); }
    }

    [TestMethod]
    public void Fit_TwoPipelinesOnOneContext_SecondIsNotCheckedAgainstTheFirstModelsColumns()
    {
        var ml = TestMLContext.Create(seed: 1);
        var train = CatalogFixture.Load(ml, CatalogFixture.TrainPath);
        ml.Transforms.Conversion.MapValueToKey("UserKey", "UserId")
            .Append(ml.TwoTower().Trainers.MatrixFactorization(CatalogFixture.Mf(user: "UserKey")))
            .Append(ml.TwoTower().Transforms.Recommend(k: 3)).Fit(train);
        var second = ml.TwoTower().Trainers.MatrixFactorization(CatalogFixture.Mf()).Append(ml.TwoTower().Transforms.Recommend(k: 3)).Fit(train);
        Assert.AreEqual("UserId", ml.TwoTower().FindModel(second)!.UserTextColumn);
    }

    [TestMethod]
    public void Fit_NumericIdColumns_ConvertedToTextIds()
    {
        var ml = TestMLContext.Create(seed: 1);
        var train = ml.Data.LoadFromTextFile<NumericInteractionRow>(CatalogFixture.TrainPath, separatorChar: ',', hasHeader: true);
        var text = CatalogFixture.Load(ml, CatalogFixture.TrainPath);
        var fromText = ml.TwoTower().Trainers.MatrixFactorization(CatalogFixture.Mf()).Append(ml.TwoTower().Transforms.Recommend(k: 5)).Fit(text);
        var fromNumbers = ml.TwoTower().Trainers.MatrixFactorization(CatalogFixture.Mf()).Append(ml.TwoTower().Transforms.Recommend(k: 5)).Fit(train);
        var users = ml.Data.LoadFromEnumerable(new[] { 1, 2, 3 }.Select(u => new NumericUser { UserId = u }));
        var textUsers = ml.Data.LoadFromEnumerable(new[] { "1", "2", "3" }.Select(u => new UserRequest { UserId = u }));
        var a = ml.Data.CreateEnumerable<Recommendations>(fromText.Transform(textUsers), false).ToArray();
        var b = ml.Data.CreateEnumerable<Recommendations>(fromNumbers.Transform(users), false).ToArray();
        for (var r = 0; r < 3; r++) CollectionAssert.AreEqual(a[r].ItemIds, b[r].ItemIds);
    }

    [TestMethod]
    public void Featurize_ThenTrainer_KeyColumnsAddedAndModelTrains()
    {
        var ml = TestMLContext.Create(seed: 1);
        var train = CatalogFixture.Load(ml, CatalogFixture.TrainPath);
        var model = ml.TwoTower().Transforms.Featurize(new FeaturizerOptions { NumericColumns = ["Rating"] })
            .Append(ml.TwoTower().Trainers.MatrixFactorization(CatalogFixture.Mf(user: "UserIdKey", item: "ItemIdKey")))
            .Fit(train);
        var output = model.Transform(train).Schema;
        Assert.IsNotNull(output.GetColumnOrNull("UserIdKey"));
        Assert.IsNotNull(output.GetColumnOrNull("RatingNormalized"));
        Assert.AreEqual(943, ml.TwoTower().FindModel(model)!.Model.Users.Count);
    }

    [TestMethod]
    public void Featurize_NumericColumn_StandardisedToMeanZeroAndUnitVariance()
    {
        var ml = TestMLContext.Create(seed: 1);
        var train = CatalogFixture.Load(ml, CatalogFixture.TrainPath);
        var transformed = ml.TwoTower().Transforms.Featurize(new FeaturizerOptions { NumericColumns = ["Rating"] }).Fit(train).Transform(train);
        var raw = transformed.GetColumn<float>("Rating").Select(v => (double)v).ToArray();
        var z = transformed.GetColumn<float>("RatingNormalized").Select(v => (double)v).ToArray();
        var (mean, std) = (raw.Average(), Math.Sqrt(raw.Select(v => (v - raw.Average()) * (v - raw.Average())).Average()));
        Assert.AreEqual(0, z.Average(), 1e-3, "mean of the standardised column");
        Assert.AreEqual(1, Math.Sqrt(z.Select(v => v * v).Average()), 2e-3, "standard deviation of the standardised column");
        Assert.AreEqual((raw[0] - mean) / std, z[0], 2e-3, "first row, computed by hand");
    }

    [TestMethod]
    public void Featurize_IntegerAndDoubleNumericColumns_BecomeFloatFeaturesTheTowersRead()
    {
        var ml = TestMLContext.Create(seed: 1);
        var rows = Enumerable.Range(0, 60).Select(i => new AgedRow { UserId = $"u{i % 6}", ItemId = $"i{i % 10}", Age = 20 + i % 6, Weight = 50.5 + i % 6 }).ToList();
        var data = ml.Data.LoadFromEnumerable(rows);
        var featurize = ml.TwoTower().Transforms.Featurize(new FeaturizerOptions { NumericColumns = ["Age", "Weight"] });
        var transformed = featurize.Fit(data).Transform(data);
        foreach (var column in new[] { "AgeNormalized", "WeightNormalized" })
        {
            Assert.AreEqual(NumberDataViewType.Single, transformed.Schema[column].Type, column);
            Assert.AreEqual(0, transformed.GetColumn<float>(column).Average(), 1e-5, column);
        }
        var model = featurize.Append(ml.TwoTower().Trainers.TwoTower(new TwoTowerOptions { Epochs = 1, EmbeddingDimension = 8, UserFeatureColumns = ["AgeNormalized", "WeightNormalized"] })).Fit(data);
        Assert.AreEqual(6, ml.TwoTower().FindModel(model)!.Model.Users.Count);
    }

    public sealed class AgedRow
    {
        public string UserId { get; set; } = "";
        public string ItemId { get; set; } = "";
        public int Age { get; set; }
        public double Weight { get; set; }
    }

    [TestMethod]
    public void Featurize_ColumnNamedTwice_Throws()
    {
        var ml = TestMLContext.Create(seed: 1);
        var ex = Assert.ThrowsExactly<ArgumentException>(() => ml.TwoTower().Transforms.Featurize(new FeaturizerOptions { CategoricalColumns = ["UserId"] }));
        StringAssert.Contains(ex.Message, "Column 'UserId' is named twice (CategoricalColumns)");
    }

    [TestMethod]
    public void Featurize_BagSeparatorsChangedAfterwards_IgnoredAndNoneRefused()
    {
        // Found by an audit: the estimator kept the options' separator array, so changing it after Featurize(...)
        // changed how the fit split the bags; and null separators silently split on spaces only.
        var ml = TestMLContext.Create(seed: 1);
        var rows = ml.Data.LoadFromEnumerable(new[] { new TaggedRow { Tags = "Action|Film Noir" } });
        var options = new FeaturizerOptions { UserIdColumn = null, ItemIdColumn = null, BagColumns = ["Tags"] };
        var estimator = ml.TwoTower().Transforms.Featurize(options);
        options.BagSeparators[0] = ' ';
        var column = estimator.Fit(rows).Transform(rows).Schema["TagsBag"];
        VBuffer<ReadOnlyMemory<char>> vocabulary = default;
        column.Annotations.GetValue("KeyValues", ref vocabulary);
        CollectionAssert.AreEqual(new[] { "Action", "Film Noir" }, vocabulary.DenseValues().Select(v => v.ToString()).ToArray());
        foreach (var none in new[] { null, Array.Empty<char>() })
        {
            var ex = Assert.ThrowsExactly<ArgumentException>(() => ml.TwoTower().Transforms.Featurize(new FeaturizerOptions { BagColumns = ["Tags"], BagSeparators = none! }));
            StringAssert.Contains(ex.Message, "BagSeparators is empty");
        }
    }

    public sealed class TaggedRow
    {
        public string Tags { get; set; } = "";
    }

    private sealed class NumericUser
    {
        public int UserId { get; set; }
    }
}
