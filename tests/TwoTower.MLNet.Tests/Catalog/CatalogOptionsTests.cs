using Microsoft.ML;
using TwoTower.MLNet.MatrixFactorization;
using TwoTower.MLNet.Onnx.Execution;

namespace TwoTower.MLNet.Tests.Catalog;

/// <summary>Catalog options: mapping onto the engine, copies, and every bad value's message.</summary>
[TestClass]
public sealed class CatalogOptionsTests
{
    [TestMethod]
    public void TwoTowerOptions_CommonProperties_WriteTheEngineOptions()
    {
        var o = new TwoTowerOptions { Epochs = 3, EmbeddingDimension = 24, LearningRate = 0.01f, BatchSize = 256, Temperature = 0.1f, LogQCorrection = false, Seed = 9, Threads = 1 };
        Assert.AreEqual(3, o.Engine.Epochs);
        Assert.AreEqual(24, o.Engine.EmbeddingDimension);
        Assert.AreEqual(0.01f, o.Engine.LearningRate);
        Assert.AreEqual(256, o.Engine.BatchSize);
        Assert.AreEqual(0.1f, o.Engine.Temperature);
        Assert.IsFalse(o.Engine.LogQCorrection);
        Assert.AreEqual(9, o.Engine.Seed);
        Assert.AreEqual(1, o.Engine.Threads);
    }

    [TestMethod]
    public void TwoTowerOptions_Clone_CopiesTheEngineOptions()
    {
        var o = new TwoTowerOptions { Epochs = 3 };
        var c = o.Clone();
        c.Epochs = 4;
        Assert.AreEqual(3, o.Epochs);
        Assert.AreNotSame(o.Engine, c.Engine);
    }

    [TestMethod]
    public void TwoTower_EstimatorCopiesOptions_LaterChangesIgnored()
    {
        var ml = TestMLContext.Create(seed: 1);
        var o = new TwoTowerOptions { UserIdColumn = "U", ItemIdColumn = "I" };
        var estimator = ml.TwoTower().Trainers.TwoTower(o);
        o.UserIdColumn = "Other";
        Assert.AreEqual("U", estimator.UserIdColumn);
        Assert.AreEqual("I", estimator.ItemIdColumn);
    }

    [TestMethod]
    public void MatrixFactorization_EstimatorCopiesTheEngineOptions_LaterChangesIgnored()
    {
        // The Als/Explicit objects were read at fit time: a change after making the estimator changed the fit, unvalidated.
        var ml = TestMLContext.Create(seed: 1);
        var train = CatalogFixture.Load(ml, CatalogFixture.TrainPath);
        var o = new MatrixFactorizationOptions { Als = new TwoTower.MLNet.MatrixFactorization.ImplicitAlsOptions { Factors = 8, Iterations = 2 } };
        var estimator = ml.TwoTower().Trainers.MatrixFactorization(o);
        o.Als.Factors = 0;
        Assert.AreEqual(8, ml.TwoTower().FindModel(estimator.Fit(train))!.Model.Dimension);
        var e = new MatrixFactorizationOptions { Feedback = MatrixFactorizationFeedback.Explicit, RatingColumn = "Rating", Explicit = new TwoTower.MLNet.MatrixFactorization.ExplicitMatrixFactorizationOptions { Factors = 4, Iterations = 2 } };
        var explicitEstimator = ml.TwoTower().Trainers.MatrixFactorization(e);
        e.Explicit.Factors = 0;
        Assert.AreEqual(4 + 2, ml.TwoTower().FindModel(explicitEstimator.Fit(train))!.Model.Dimension, "4 factors and the two bias columns");
    }

    [TestMethod]
    public void MatrixFactorization_CommonParametersOverload_DefaultsToTheOptionsClassFactors()
    {
        // Found by an audit: the overload's factors stayed 64 when ImplicitAlsOptions.Factors was tuned to 128, so
        // MatrixFactorization() trained a different model from MatrixFactorization(new MatrixFactorizationOptions()).
        var ml = TestMLContext.Create(seed: 1);
        var train = CatalogFixture.Load(ml, CatalogFixture.TrainPath);
        var fitted = ml.TwoTower().FindModel(ml.TwoTower().Trainers.MatrixFactorization(iterations: 1).Fit(train))!;
        Assert.AreEqual(new TwoTower.MLNet.MatrixFactorization.ImplicitAlsOptions().Factors, fitted.Model.Dimension);
    }

    [TestMethod]
    public void TwoTowerOptions_Clone_CopiesTheEngineArrays()
    {
        // The estimator keeps a clone, documented as unaffected by later changes: arrays included.
        var o = new TwoTowerOptions();
        o.Engine.HiddenLayers = [16];
        var c = o.Clone();
        o.Engine.HiddenLayers[0] = -1;
        Assert.AreEqual(16, c.Engine.HiddenLayers[0]);
    }

    [TestMethod]
    [DataRow("UserId", null, "UserVectorColumn 'UserId' is also an input column (UserIdColumn)")]
    [DataRow("UserVector", "ItemId", "ItemVectorColumn 'ItemId' is also an input column (ItemIdColumn)")]
    public void TwoTower_OutputNamedLikeAnInput_ThrowsAtConstruction(string userVector, string? itemVector, string message)
    {
        var ml = TestMLContext.Create(seed: 1);
        var ex = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.TwoTower().Trainers.TwoTower(new TwoTowerOptions { UserVectorColumn = userVector, ItemVectorColumn = itemVector }));
        StringAssert.Contains(ex.Message, message);
        var mf = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.TwoTower().Trainers.MatrixFactorization().WithItemVector("ItemId"));
        StringAssert.Contains(mf.Message, "The item vector column 'ItemId' is already a column of this step (ItemIdColumn)");
        var rec = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.TwoTower().Transforms.Recommend(new RecommendOptions { UserIdColumn = "UserId", ItemIdsColumn = "UserId" }));
        StringAssert.Contains(rec.Message, "ItemIdsColumn 'UserId' is the user id column it reads");
    }

    [TestMethod]
    public void EngineOptions_UndefinedEnumsMomentumAndMetric_RefusedNamingTheOption()
    {
        foreach (var (options, name) in new (MLNet.TwoTowerModel.TwoTowerTrainerOptions, string)[]
        {
            (new() { Loss = (MLNet.TwoTowerModel.TwoTowerLoss)42 }, "Loss"),
            (new() { Optimizer = (MLNet.TwoTowerModel.TwoTowerOptimizer)9 }, "Optimizer"),
            (new() { Momentum = float.NaN }, "Momentum"),
            (new() { WeightDecay = float.PositiveInfinity }, "WeightDecay"),
        })
        {
            var ex = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new MLNet.TwoTowerModel.TwoTowerTrainer(options), name);
            Assert.AreEqual(name, ex.ParamName);
        }
        var metric = Assert.ThrowsExactly<ArgumentException>(() => new MLNet.TwoTowerModel.TwoTowerTrainer(new() { ValidationMetric = "bogus" }));
        Assert.AreEqual("ValidationMetric", metric.ParamName);
        StringAssert.Contains(metric.Message, "Validation metric 'bogus' is unknown");
    }

    [TestMethod]
    public void TwoTowerOptions_NullEngine_Throws()
    {
        var ex = Assert.ThrowsExactly<ArgumentNullException>(() => new TwoTowerOptions { Engine = null! });
        Assert.AreEqual("Engine", ex.ParamName);
    }

    [TestMethod]
    [DataRow("", "I", "UserIdColumn must name a column.")]
    [DataRow("U", " ", "ItemIdColumn must name a column.")]
    [DataRow("U", "U", "ItemIdColumn must differ from UserIdColumn ('U').")]
    public void TwoTower_BadColumns_ThrowNamingTheOption(string user, string item, string message)
    {
        var ml = TestMLContext.Create(seed: 1);
        var ex = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.TwoTower().Trainers.TwoTower(new TwoTowerOptions { UserIdColumn = user, ItemIdColumn = item }));
        StringAssert.Contains(ex.Message, message);
    }

    [TestMethod]
    public void TwoTower_ZeroEpochs_EngineValidationNamesEpochs()
    {
        var ml = TestMLContext.Create(seed: 1);
        var ex = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.TwoTower().Trainers.TwoTower(new TwoTowerOptions { Epochs = 0 }));
        Assert.AreEqual("Epochs", ex.ParamName);
    }

    [TestMethod]
    public void TwoTower_UndefinedExecution_Throws()
    {
        var ml = TestMLContext.Create(seed: 1);
        var ex = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.TwoTower().Trainers.TwoTower(new TwoTowerOptions { Execution = (OnnxExecution)7 }));
        StringAssert.Contains(ex.Message, "Expected Cpu, Gpu or Auto.");
    }

    [TestMethod]
    public void MatrixFactorization_ExplicitWithoutRating_Throws()
    {
        var ml = TestMLContext.Create(seed: 1);
        var ex = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() =>
            ml.TwoTower().Trainers.MatrixFactorization(new MatrixFactorizationOptions { Feedback = MatrixFactorizationFeedback.Explicit }));
        StringAssert.Contains(ex.Message, "Explicit feedback fits ratings: set RatingColumn.");
    }

    [TestMethod]
    public void MatrixFactorization_ImplicitWithRatingColumn_ThrowsInsteadOfIgnoringIt()
    {
        // Found by an audit: RatingColumn was documented as the implicit interaction strength (confidence 1 + α·r) and was read
        // and checked, but iALS never used it: every row counted once whatever its value, so a strength column changed nothing.
        var ml = TestMLContext.Create(seed: 1);
        var ex = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() =>
            ml.TwoTower().Trainers.MatrixFactorization(new MatrixFactorizationOptions { RatingColumn = "Rating" }));
        Assert.AreEqual("RatingColumn", ex.ParamName);
        StringAssert.Contains(ex.Message, "Implicit feedback does not read a rating column");
    }

    [TestMethod]
    public void MatrixFactorization_Explicit_FitsRatingsAndServesAugmentedVectors()
    {
        var ml = TestMLContext.Create(seed: 1);
        var train = CatalogFixture.Load(ml, CatalogFixture.TrainPath);
        var options = new MatrixFactorizationOptions { Feedback = MatrixFactorizationFeedback.Explicit, RatingColumn = "Rating" };
        options.Explicit.Factors = 8;
        options.Explicit.Iterations = 3;
        options.Explicit.Threads = 1;
        var model = ml.TwoTower().Trainers.MatrixFactorization(options).Append(ml.TwoTower().Transforms.Recommend(k: 5, excludeSeen: true)).Fit(train);
        var fitted = ml.TwoTower().FindModel(model)!;
        Assert.AreEqual("mf", fitted.Model.ModelType);
        Assert.AreEqual(10, fitted.Model.Dimension); // 8 factors + bias + 1
        using var engine = ml.Model.CreatePredictionEngine<UserRequest, Recommendations>(model);
        var (ids, _) = CatalogFixture.BruteForce(fitted.Model, "7", 5, CatalogFixture.SeenByUser(CatalogFixture.TrainPath)["7"]);
        CollectionAssert.AreEqual(ids, engine.Predict(new UserRequest { UserId = "7" }).ItemIds);
    }

    [TestMethod]
    [DataRow(0, "K must be ≥ 1.")]
    public void Recommend_BadK_Throws(int k, string message)
    {
        var ml = TestMLContext.Create(seed: 1);
        var ex = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.TwoTower().Transforms.Recommend(k: k));
        StringAssert.Contains(ex.Message, message);
    }

    [TestMethod]
    public void Recommend_KAboveCatalogue_ThrowsAtFit()
    {
        var ml = TestMLContext.Create(seed: 1);
        var train = CatalogFixture.Load(ml, CatalogFixture.TrainPath);
        var pipeline = ml.TwoTower().Trainers.MatrixFactorization(CatalogFixture.Mf()).Append(ml.TwoTower().Transforms.Recommend(k: 5000));
        var ex = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => pipeline.Fit(train));
        var items = File.ReadLines(CatalogFixture.TrainPath).Skip(1).Select(l => l.Split(',')[1]).Distinct().Count();
        StringAssert.Contains(ex.Message, $"K is 5000 but the model has only {items} items.");
    }

    [TestMethod]
    public void Recommend_WithoutTrainer_Throws()
    {
        var ml = TestMLContext.Create(seed: 1);
        var users = ml.Data.LoadFromEnumerable([new UserRequest { UserId = "1" }]);
        var ex = Assert.ThrowsExactly<InvalidOperationException>(() => ml.TwoTower().Transforms.Recommend().Fit(users));
        StringAssert.Contains(ex.Message, "Recommend() has no model");
    }

    [TestMethod]
    public void Recommend_ScoresColumnEqualsItemIdsColumn_Throws()
    {
        var ml = TestMLContext.Create(seed: 1);
        var ex = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.TwoTower().Transforms.Recommend(new RecommendOptions { ScoresColumn = "ItemIds" }));
        StringAssert.Contains(ex.Message, "ScoresColumn must name a column other than ItemIdsColumn ('ItemIds').");
    }

    [TestMethod]
    [DataRow("mf-rating", "RatingColumn", "ItemId", "ItemIdColumn")]
    [DataRow("mf-timestamp", "TimestampColumn", "UserId", "UserIdColumn")]
    [DataRow("twotower-timestamp", "TimestampColumn", "ItemId", "ItemIdColumn")]
    [DataRow("custom-rating", "ratingColumn", "UserId", "userIdColumn")]
    [DataRow("custom-timestamp", "timestampColumn", "ItemId", "itemIdColumn")]
    public void Trainers_OneColumnInTwoRoles_RefusedAtConstructionNamingBothOptions(string trainer, string option, string column, string other)
    {
        // Before: accepted, and numeric ids were then read as ratings or as times without a word.
        var ml = TestMLContext.Create(seed: 1);
        Func<RecommenderEstimator> make = trainer switch
        {
            "mf-rating" => () => ml.TwoTower().Trainers.MatrixFactorization(new MatrixFactorizationOptions { Feedback = MatrixFactorizationFeedback.Explicit, RatingColumn = column }),
            "mf-timestamp" => () => ml.TwoTower().Trainers.MatrixFactorization(new MatrixFactorizationOptions { TimestampColumn = column }),
            "twotower-timestamp" => () => ml.TwoTower().Trainers.TwoTower(new TwoTowerOptions { TimestampColumn = column }),
            "custom-rating" => () => ml.TwoTower().Trainers.Custom(new ImplicitAlsTrainer(new ImplicitAlsOptions()), ratingColumn: column),
            _ => () => ml.TwoTower().Trainers.Custom(new ImplicitAlsTrainer(new ImplicitAlsOptions()), timestampColumn: column),
        };
        var ex = Assert.ThrowsExactly<ArgumentOutOfRangeException>(make);
        Assert.AreEqual(option, ex.ParamName);
        StringAssert.Contains(ex.Message, $"{option} '{column}' is also the {other}");
    }

    [TestMethod]
    public void Recommend_BlankUserIdColumn_RefusedAtConstruction()
    {
        // Before: accepted here, and refused only at Fit, after the trainer before it had trained.
        var ml = TestMLContext.Create(seed: 1);
        var ex = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.TwoTower().Transforms.Recommend(new RecommendOptions { UserIdColumn = " " }));
        Assert.AreEqual("UserIdColumn", ex.ParamName);
        StringAssert.Contains(ex.Message, "UserIdColumn must name a column or be null");
    }

    [TestMethod]
    public void WithItemVectorAndWithExecution_KeepEveryOtherSetting()
    {
        var ml = new Microsoft.ML.MLContext(seed: 1);
        var e = ml.TwoTower().Trainers.TwoTower(new TwoTowerOptions { UserVectorColumn = "U", UserFeatureColumns = ["OccupationKey"], ItemFeatureColumns = ["GenresBag"] });
        var copy = e.WithItemVector("I").WithExecution(global::TwoTower.MLNet.Onnx.Execution.OnnxExecution.Auto);
        Assert.AreEqual("I", copy.ItemVectorColumn);
        Assert.AreEqual(global::TwoTower.MLNet.Onnx.Execution.OnnxExecution.Auto, copy.Execution);
        Assert.AreEqual("U", copy.UserVectorColumn);
        CollectionAssert.AreEqual(new[] { "OccupationKey" }, copy.UserFeatureColumns.ToArray());
        CollectionAssert.AreEqual(new[] { "GenresBag" }, copy.ItemFeatureColumns.ToArray());
        Assert.IsNull(e.ItemVectorColumn, "the original is unchanged");
        Assert.AreEqual(global::TwoTower.MLNet.Onnx.Execution.OnnxExecution.Cpu, e.Execution);
    }
}
