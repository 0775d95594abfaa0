using Microsoft.ML;
using Microsoft.ML.Data;

namespace TwoTower.MLNet.Tests.Catalog;

/// <summary>Missing or mistyped columns fail with a message naming the column, its type and what was expected.</summary>
[TestClass]
public sealed class SchemaErrorTests
{
    private sealed class VectorUserRow
    {
        [VectorType(2)] public float[] UserId { get; set; } = [0, 0];
        public string ItemId { get; set; } = "";
    }

    private sealed class ItemOnlyRow
    {
        public string ItemId { get; set; } = "";
    }

    private sealed class BoolRequest
    {
        public bool UserId { get; set; }
    }

    [TestMethod]
    public void Fit_MissingUserColumn_NamesColumnAndAvailableOnes()
    {
        var ml = TestMLContext.Create(seed: 1);
        var data = CatalogFixture.Load(ml, CatalogFixture.TrainPath);
        var ex = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() =>
            ml.TwoTower().Trainers.MatrixFactorization(CatalogFixture.Mf(user: "Customer")).Fit(data));
        StringAssert.Contains(ex.Message, "The user id column 'Customer' (UserIdColumn) is not in the input schema");
        StringAssert.Contains(ex.Message, "'UserId', 'ItemId', 'Rating', 'Timestamp'");
        Assert.AreEqual("UserIdColumn", ex.ParamName);
    }

    [TestMethod]
    public void Fit_VectorUserColumn_NamesTypeAndExpectation()
    {
        var ml = TestMLContext.Create(seed: 1);
        var data = ml.Data.LoadFromEnumerable([new VectorUserRow { ItemId = "a" }]);
        var ex = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() =>
            ml.TwoTower().Trainers.MatrixFactorization(CatalogFixture.Mf()).Fit(data));
        StringAssert.Contains(ex.Message, "The user id column 'UserId' (UserIdColumn) has type Vector<Single, 2>");
        StringAssert.Contains(ex.Message, "expected text (string), a key with key values, or a scalar number");
    }

    [TestMethod]
    public void FitAndGetOutputSchema_KeyUserColumnWithoutValues_NamesTheOption()
    {
        var ml = TestMLContext.Create(seed: 1);
        var data = ml.Data.LoadFromEnumerable([new BareKeyRow { UserId = 1, ItemId = "a" }, new BareKeyRow { UserId = 2, ItemId = "b" }]);
        var trainer = ml.TwoTower().Trainers.MatrixFactorization(CatalogFixture.Mf());
        const string expected = "The user id column 'UserId' (UserIdColumn) is a key without key values, so raw ids cannot be recovered";
        var atFit = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => trainer.Fit(data));
        StringAssert.Contains(atFit.Message, expected);
        Assert.AreEqual("UserIdColumn", atFit.ParamName);
        // The shape check must refuse it before any fit, as it refuses other unusable id types.
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => trainer.GetOutputSchema(Shape<BareKeyRow>(ml))).Message, expected);
    }

    private sealed class BareKeyRow
    {
        [Microsoft.ML.Data.KeyType(10)] public uint UserId { get; set; }
        public string ItemId { get; set; } = "";
    }

    [TestMethod]
    public void Fit_MissingItemColumn_NamesItemColumn()
    {
        var ml = TestMLContext.Create(seed: 1);
        var data = CatalogFixture.Load(ml, CatalogFixture.TrainPath);
        var ex = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() =>
            ml.TwoTower().Trainers.TwoTower(new TwoTowerOptions { ItemIdColumn = "Movie" }).Fit(data));
        StringAssert.Contains(ex.Message, "The item id column 'Movie' (ItemIdColumn) is not in the input schema");
    }

    [TestMethod]
    public void Fit_RecommendWithMistypedUserColumn_NamesIt()
    {
        var ml = TestMLContext.Create(seed: 1);
        var train = CatalogFixture.Load(ml, CatalogFixture.TrainPath);
        var mf = ml.TwoTower().Trainers.MatrixFactorization(CatalogFixture.Mf()).Fit(train);
        var requests = ml.Data.LoadFromEnumerable([new BoolRequest()]);
        var ex = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.TwoTower().Transforms.Recommend(ml.TwoTower().FindModel(mf)!, new RecommendOptions { K = 3 }).Fit(requests));
        StringAssert.Contains(ex.Message, "The user id column 'UserId' (UserIdColumn) has type Boolean; expected text (string), a key with key values, or a scalar number.");
    }

    [TestMethod]
    public void GetOutputSchema_MissingUserColumn_NamesIt()
    {
        var ml = TestMLContext.Create(seed: 1);
        var shape = Shape<ItemOnlyRow>(ml);
        var ex = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.TwoTower().Trainers.MatrixFactorization(CatalogFixture.Mf()).GetOutputSchema(shape));
        StringAssert.Contains(ex.Message, "The user id column 'UserId' (UserIdColumn) is not in the input schema. Available columns: 'ItemId'.");
    }

    [TestMethod]
    public void GetOutputSchema_Pipeline_MatchesFittedTransformerSchema()
    {
        var ml = TestMLContext.Create(seed: 1);
        var train = CatalogFixture.Load(ml, CatalogFixture.TrainPath);
        var pipeline = ml.TwoTower().Trainers.MatrixFactorization(CatalogFixture.Mf())
            .Append(ml.TwoTower().Transforms.Recommend(k: 4, excludeSeen: true));
        var model = pipeline.Fit(train);
        var predicted = pipeline.GetOutputSchema(Shape<InteractionRow>(ml));
        var actual = model.GetOutputSchema(train.Schema);
        foreach (var name in new[] { "UserVector", "ItemIds", "Scores" })
        {
            var p = predicted.Single(c => c.Name == name);
            var a = actual[name];
            Assert.AreEqual(((VectorDataViewType)a.Type).ItemType, p.ItemType, name);
            Assert.AreEqual(SchemaShape.Column.VectorKind.Vector, p.Kind, name);
            Assert.IsTrue(((VectorDataViewType)a.Type).IsKnownSize, name);
        }
        Assert.AreEqual(4, ((VectorDataViewType)actual["ItemIds"].Type).Size);
    }

    [TestMethod]
    public void GetOutputSchema_NumericAndKeyIds_DeclaresEveryColumnTheFittedChainAdds()
    {
        // The id columns' text forms (UserIdText, UserKeyValue, ...) were missing from the predicted shape.
        var ml = TestMLContext.Create(seed: 1);
        var numeric = ml.Data.LoadFromTextFile<NumericInteractionRow>(CatalogFixture.TrainPath, separatorChar: ',', hasHeader: true);
        var keyed = ml.Transforms.Conversion.MapValueToKey("UserKey", "UserId").Append(ml.Transforms.Conversion.MapValueToKey("ItemKey", "ItemId"));
        var keyedTrain = keyed.Fit(CatalogFixture.Load(ml, CatalogFixture.TrainPath));
        foreach (var (data, user, item, inputShape) in new[]
        {
            (numeric, "UserId", "ItemId", Shape<NumericInteractionRow>(ml)),
            (keyedTrain.Transform(CatalogFixture.Load(ml, CatalogFixture.TrainPath)), "UserKey", "ItemKey", keyed.GetOutputSchema(Shape<InteractionRow>(ml))),
        })
        {
            var pipeline = ml.TwoTower().Trainers.MatrixFactorization(CatalogFixture.Mf(user, item)).WithItemVector()
                .Append(ml.TwoTower().Transforms.Recommend(k: 4, excludeSeen: true));
            var actual = pipeline.Fit(data).GetOutputSchema(data.Schema);
            var predicted = pipeline.GetOutputSchema(inputShape);
            var added = actual.Where(c => !c.IsHidden && data.Schema.GetColumnOrNull(c.Name) is null).Select(c => c.Name).ToArray();
            Assert.IsGreaterThan(4, added.Length, string.Join(", ", added));
            foreach (var name in added)
            {
                var p = predicted.SingleOrDefault(c => c.Name == name);
                Assert.AreEqual(name, p.Name, $"{user}: '{name}' is not in the predicted schema ({string.Join(", ", predicted.Select(c => c.Name))})");
                var itemType = actual[name].Type is VectorDataViewType v ? v.ItemType : actual[name].Type;
                Assert.AreEqual(itemType, p.ItemType, name);
            }
        }
    }

    [TestMethod]
    public void FitAndGetOutputSchema_MisnamedFeatureOrRatingColumn_ListTheAvailableColumns()
    {
        var ml = TestMLContext.Create(seed: 1);
        var train = CatalogFixture.Load(ml, CatalogFixture.TrainPath);
        var shape = Shape<InteractionRow>(ml);
        // A typo ('Ratings'): the list shows the column meant, as the id and timestamp column errors do; before, these two said only "is not in the input schema".
        var twoTower = ml.TwoTower().Trainers.TwoTower(new TwoTowerOptions { UserFeatureColumns = ["Ratings"], Epochs = 1 });
        var explicitMf = ml.TwoTower().Trainers.MatrixFactorization(new MatrixFactorizationOptions { Feedback = MatrixFactorizationFeedback.Explicit, RatingColumn = "Ratings" });
        foreach (var (what, act) in new (string, Action)[]
        {
            ("TwoTower Fit", () => twoTower.Fit(train)), ("TwoTower GetOutputSchema", () => twoTower.GetOutputSchema(shape)),
            ("MatrixFactorization Fit", () => explicitMf.Fit(train)), ("MatrixFactorization GetOutputSchema", () => explicitMf.GetOutputSchema(shape)),
        })
        {
            var ex = Assert.ThrowsExactly<ArgumentOutOfRangeException>(act, what);
            StringAssert.Contains(ex.Message, "'Ratings'", what);
            StringAssert.Contains(ex.Message, "is not in the input schema. Available columns: 'UserId', 'ItemId', 'Rating', 'Timestamp'.", what);
        }
    }

    // An input shape through public API only: a never-fitted CustomMapping whose output is TRow's columns.
    private static SchemaShape Shape<TRow>(MLContext ml) where TRow : class, new() =>
        ml.Transforms.CustomMapping<Empty, TRow>((_, _) => { }, contractName: null).GetOutputSchema(new SchemaShape([]));

    private sealed class Empty;
}
