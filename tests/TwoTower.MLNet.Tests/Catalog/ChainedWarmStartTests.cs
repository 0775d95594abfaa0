using Microsoft.ML;
using TwoTower.MLNet.Data;
using TwoTower.MLNet.MatrixFactorization;
using TwoTower.MLNet.Training;
using TwoTower.MLNet.TwoTowerModel;

namespace TwoTower.MLNet.Tests.Catalog;

/// <summary>DESIGN §4's chain MatrixFactorization → TwoTower: the factors of the step before warm-start the two-tower trainer.</summary>
[TestClass]
public sealed class ChainedWarmStartTests
{
    private static TwoTowerOptions Small() => new() { Epochs = 1, EmbeddingDimension = 8, Seed = 5 };

    private static float[] UserVectors(ITransformer model, MLContext ml) => ml.TwoTower().FindModel(model)!.Model is TwoTowerRecommender tt ? tt.UserVectors.ToArray() : throw new AssertFailedException("not a two-tower model");

    [TestMethod]
    public void Chain_MatrixFactorizationThenTwoTower_EqualsAnExplicitWarmStart()
    {
        var ml = TestMLContext.Create(seed: 1);
        var train = CatalogFixture.Load(ml, CatalogFixture.TrainPath);
        var options = Small();
        options.Engine.Threads = 1;
        var chained = ml.TwoTower().Trainers.MatrixFactorization(CatalogFixture.Mf())
            .Append(ml.TwoTower().Trainers.TwoTower(options))
            .Fit(train);
        var fitted = ml.TwoTower().FindModel(chained)!;
        Assert.AreEqual(MatrixFactorizationModel.ImplicitModelType, fitted.WarmStartedFrom);

        // The same warm start by hand: the factors of an identical iALS fit, re-keyed onto the maps the estimator builds
        // (raw ids in file order), given to a plain two-tower estimator.
        var ml2 = TestMLContext.Create(seed: 1);
        var mf = (MatrixFactorizationModel)ml2.TwoTower().FindModel(ml2.TwoTower().Trainers.MatrixFactorization(CatalogFixture.Mf()).Fit(train))!.Model;
        var manual = Small();
        manual.Engine.Threads = 1;
        manual.WarmStartFromChain = false;
        var data = TrainingData.Create(CsvInteractions.Load(CatalogFixture.TrainPath));
        WarmStart.UseFactors(manual.Engine, mf, data, items: false);
        var byHand = ml2.TwoTower().Trainers.TwoTower(manual).Fit(train);
        CollectionAssert.AreEqual(UserVectors(byHand, ml2), UserVectors(chained, ml));

        var cold = ml.TwoTower().Trainers.TwoTower(new TwoTowerOptions { Epochs = 1, EmbeddingDimension = 8, Seed = 5, Engine = { Threads = 1 } }).Fit(train);
        Assert.IsNull(ml.TwoTower().FindModel(cold)!.WarmStartedFrom);
        CollectionAssert.AreNotEqual(UserVectors(cold, ml), UserVectors(chained, ml), "the warm start must change the model for this test to mean anything");
    }

    [TestMethod]
    public void Chain_WarmStartFromChainOff_TrainsFromRandomInit()
    {
        var ml = TestMLContext.Create(seed: 1);
        var train = CatalogFixture.Load(ml, CatalogFixture.TrainPath);
        var options = Small();
        options.WarmStartFromChain = false;
        var model = ml.TwoTower().Trainers.MatrixFactorization(CatalogFixture.Mf()).Append(ml.TwoTower().Trainers.TwoTower(options)).Fit(train);
        Assert.IsNull(ml.TwoTower().FindModel(model)!.WarmStartedFrom);
    }

    [TestMethod]
    public void SeparateFits_AnEarlierMatrixFactorizationOfTheCatalog_DoesNotWarmStart()
    {
        // Fitted on the raw rows, not on the factorization's output: nothing links the two fits.
        var ml = TestMLContext.Create(seed: 1);
        var train = CatalogFixture.Load(ml, CatalogFixture.TrainPath);
        ml.TwoTower().Trainers.MatrixFactorization(CatalogFixture.Mf()).Fit(train);
        var model = ml.TwoTower().Trainers.TwoTower(Small()).Fit(train);
        Assert.IsNull(ml.TwoTower().FindModel(model)!.WarmStartedFrom);
    }

    [TestMethod]
    public void Chain_WarmStartDoesNotLeakIntoTheNextFit()
    {
        var ml = TestMLContext.Create(seed: 1);
        var train = CatalogFixture.Load(ml, CatalogFixture.TrainPath);
        var estimator = ml.TwoTower().Trainers.TwoTower(Small());
        ml.TwoTower().Trainers.MatrixFactorization(CatalogFixture.Mf()).Append(estimator).Fit(train);
        var again = estimator.Fit(train);
        Assert.IsNull(ml.TwoTower().FindModel(again)!.WarmStartedFrom);
        var cold = ml.TwoTower().Trainers.TwoTower(Small()).Fit(train);
        CollectionAssert.AreEqual(UserVectors(cold, ml), UserVectors(again, ml), "the estimator's options kept no warm-start matrices");
    }
}
