using Microsoft.ML;
using TwoTower.MLNet.Data;
using Microsoft.ML.Data;
using TwoTower.MLNet.Features;

namespace TwoTower.MLNet.Tests.Catalog;

/// <summary>Featurize's output columns feed the two-tower trainer: key, key-vector and float columns become tower features with their vocabularies.</summary>
[TestClass]
public sealed class FeaturizedTrainingTests
{
    private static readonly Lazy<(MLContext Ml, ITransformer Model, global::TwoTower.MLNet.TwoTowerModel.TwoTowerRecommender Tt, LoadedDataset Data)> Fitted = new(() =>
    {
        var data = MovieLens100K.Load(TestPaths.MovieLens100K);
        var ml = TestMLContext.Create(seed: 1);
        var tt = ml.TwoTower();
        var pipeline = tt.Transforms.Featurize(new FeaturizerOptions { UserIdColumn = null, ItemIdColumn = null, CategoricalColumns = ["Occupation"], BagColumns = ["Genres"], NumericColumns = ["Age"] })
            .Append(tt.Trainers.TwoTower(new TwoTowerOptions
            {
                Epochs = 1, EmbeddingDimension = 16, Threads = 1,
                UserFeatureColumns = ["OccupationKey", "AgeNormalized"],
                ItemFeatureColumns = ["GenresBag"],
            }));
        var model = pipeline.Fit(MovieLens.Load100K(ml, TestPaths.MovieLens100K, TestPaths.Split("p2", "train")));
        return (ml, model, (global::TwoTower.MLNet.TwoTowerModel.TwoTowerRecommender)tt.FindModel(model)!.Model, data);
    });

    [TestMethod]
    public void Fit_FeatureColumns_BecomeTowerFeaturesWithVocabularies()
    {
        var (_, _, model, _) = Fitted.Value;
        var user = model.UserTower!.Features;
        CollectionAssert.AreEqual(new[] { "OccupationKey" }, user.Categoricals.Select(c => c.Name).ToArray());
        CollectionAssert.Contains(user.Categoricals[0].Vocabulary.ToArray(), "engineer");
        CollectionAssert.AreEqual(new[] { "AgeNormalized" }, user.Numerics.Select(n => n.Name).ToArray());
        var item = model.ItemTower!.Features;
        CollectionAssert.AreEqual(new[] { "GenresBag" }, item.Bags.Select(b => b.Name).ToArray());
        CollectionAssert.Contains(item.Bags[0].Vocabulary.ToArray(), "Comedy");
    }

    [TestMethod]
    public void EmbedNewItem_WithAKnownItemsGenres_GivesThatItemsVector()
    {
        // Items are embedded from features alone by default, so the same genres give the same vector.
        var (_, _, model, data) = Fitted.Value;
        data.Items!.TryGet("1", out var toyStory);
        var raw = new RawFeatures();
        raw.Bags["GenresBag"] = toyStory!.Genres;
        var v = model.EmbedNewItem(raw);
        var known = model.ItemVectors.Span.Slice(model.Items.GetKey("1") * model.Dimension, model.Dimension);
        for (var j = 0; j < v.Length; j++) Assert.AreEqual(known[j], v[j], 1e-5f, $"dim {j}");
    }

    [TestMethod]
    public void Export_FeaturizedModel_NamesTheOnnxInputsAfterTheColumns()
    {
        var (_, _, model, _) = Fitted.Value;
        var manifest = OnnxModelExporter.Export(model, Path.Combine(TestPaths.TempDir(), "featurized"), k: 5);
        CollectionAssert.AreEqual(new[] { "GenresBag" }, manifest.Files[1].Inputs.Select(i => i.Name).ToArray());
        CollectionAssert.AreEqual(new[] { "UserId", "OccupationKey", "AgeNormalized" }, manifest.Files[0].Inputs.Select(i => i.Name).ToArray());
    }

    public sealed class VectorRow
    {
        public float[] UserVector { get; set; } = [];
    }

    [TestMethod]
    public void SaveLoad_FeaturizedPipeline_GivesTheSameUserVectors()
    {
        var (ml, model, tt, _) = Fitted.Value;
        var path = Path.Combine(TestPaths.TempDir(), "featurized.zip");
        var row = new MovieLensInteraction { UserId = "1", ItemId = "1", Occupation = "technician", Genres = "Comedy", Age = 24 };
        var schema = ml.Data.LoadFromEnumerable(new[] { row }).Schema;
        ml.Model.Save(model, schema, path);
        var loaded = ml.Model.Load(path, out _);
        var before = ml.Model.CreatePredictionEngine<MovieLensInteraction, VectorRow>(model).Predict(row).UserVector;
        var after = ml.Model.CreatePredictionEngine<MovieLensInteraction, VectorRow>(loaded).Predict(row).UserVector;
        CollectionAssert.AreEqual(before, after);
        CollectionAssert.AreEqual(tt.UserVectors.Span.Slice(tt.Users.GetKey("1") * tt.Dimension, tt.Dimension).ToArray(), after);
    }

    [TestMethod]
    public void Fit_KeyColumnOfNumbers_VocabularyIsTheNumbers()
    {
        // MapValueToKey of an int column keeps the numbers as key values, but the feature's vocabulary took the codes ("1", "2", ...):
        // a new user's age 27 was encoded as code 27 (no age here), and age "2" would have been the second key's age.
        var ml = TestMLContext.Create(seed: 1);
        var rows = Enumerable.Range(0, 60).Select(i => new PipelineCompositionTests.AgedRow { UserId = $"u{i % 6}", ItemId = $"i{i % 10}", Age = 30 - i % 6, Weight = 1 }).ToList();
        var model = ml.TwoTower().Transforms.Featurize(new FeaturizerOptions { CategoricalColumns = ["Age"] })
            .Append(ml.TwoTower().Trainers.TwoTower(new TwoTowerOptions { Epochs = 1, EmbeddingDimension = 4, Threads = 1, UserFeatureColumns = ["AgeKey"] }))
            .Fit(ml.Data.LoadFromEnumerable(rows));
        var features = ((global::TwoTower.MLNet.TwoTowerModel.TwoTowerRecommender)ml.TwoTower().FindModel(model)!.Model).UserTower!.Features;
        Assert.AreEqual("30,29,28,27,26,25", string.Join(",", features.Categoricals[0].Vocabulary));
        var raw = new RawFeatures();
        raw.Categorical["AgeKey"] = "27";
        Assert.AreEqual(4, features.Encode(raw).Categorical[0]);
    }

    [TestMethod]
    public void Fit_MissingOrTextFeatureColumn_ThrowsNamingIt()
    {
        var ml = TestMLContext.Create(seed: 1);
        var data = ml.Data.LoadFromEnumerable(new[] { new MovieLensInteraction { UserId = "1", ItemId = "2", Occupation = "x", Genres = "A" } });
        var missing = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() =>
            ml.TwoTower().Trainers.TwoTower(new TwoTowerOptions { Epochs = 1, UserFeatureColumns = ["Nope"] }).Fit(data));
        StringAssert.Contains(missing.Message, "The feature column 'Nope' (UserFeatureColumns) is not in the input schema");
        var text = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() =>
            ml.TwoTower().Trainers.TwoTower(new TwoTowerOptions { Epochs = 1, ItemFeatureColumns = ["Genres"] }).Fit(data));
        StringAssert.Contains(text.Message, "'Genres' (ItemFeatureColumns) has type");
    }

    public sealed class UIntKeyRow
    {
        public string UserId { get; set; } = "";
        public string ItemId { get; set; } = "";
        [KeyType(5)] public uint Occupation { get; set; }
        [KeyType(4), VectorType(2)] public uint[] Tags { get; set; } = [];
    }

    public sealed class OtherKeyRow
    {
        public string UserId { get; set; } = "";
        public string ItemId { get; set; } = "";
        [KeyType(5)] public ulong Occupation { get; set; }
        [KeyType(4), VectorType(2)] public byte[] Tags { get; set; } = [];
    }

    [TestMethod]
    public void Fit_KeyFeatureColumnsOfEveryRawType_TrainLikeUInt32Keys()
    {
        // Found by an audit: GetOutputSchema accepted any key column, but Fit read keys as uint only, so a loader's
        // ulong or byte keys failed with ML.NET's "Invalid TValue in GetGetter" instead of training.
        var ml = TestMLContext.Create(seed: 1);
        var rows = Enumerable.Range(0, 240).Select(i => (User: (i % 24).ToString(), Item: (i % 13).ToString(), Occ: i % 24 % 5 + 1, Tags: new[] { i % 13 % 4 + 1, 0 })).ToArray();
        var uints = ml.Data.LoadFromEnumerable(rows.Select(r => new UIntKeyRow { UserId = r.User, ItemId = r.Item, Occupation = (uint)r.Occ, Tags = r.Tags.Select(t => (uint)t).ToArray() }));
        var others = ml.Data.LoadFromEnumerable(rows.Select(r => new OtherKeyRow { UserId = r.User, ItemId = r.Item, Occupation = (ulong)r.Occ, Tags = r.Tags.Select(t => (byte)t).ToArray() }));
        global::TwoTower.MLNet.TwoTowerModel.TwoTowerRecommender Fit(IDataView data)
        {
            var estimator = ml.TwoTower().Trainers.TwoTower(new TwoTowerOptions { Epochs = 2, EmbeddingDimension = 8, Threads = 1, UserFeatureColumns = ["Occupation"], ItemFeatureColumns = ["Tags"] });
            return (global::TwoTower.MLNet.TwoTowerModel.TwoTowerRecommender)ml.TwoTower().FindModel(estimator.Fit(data))!.Model;
        }
        var expected = Fit(uints);
        var actual = Fit(others);
        CollectionAssert.AreEqual(expected.UserVectors.ToArray(), actual.UserVectors.ToArray());
        CollectionAssert.AreEqual(expected.ItemVectors.ToArray(), actual.ItemVectors.ToArray());
    }
}

