using TwoTower.MLNet.Data;
using TwoTower.MLNet.Features;

namespace TwoTower.MLNet.Tests.Features;

[TestClass]
public sealed class FeatureTests
{
    [TestMethod]
    public void Tokenize_Title_LowerCaseWordsAndYear()
    {
        CollectionAssert.AreEqual(new[] { "toy", "story", "1995" }, TitleTokenizer.Tokenize("Toy Story (1995)"));
        CollectionAssert.AreEqual(new[] { "l", "âge", "d", "or" }, TitleTokenizer.Tokenize("L'Âge d'or"));
        Assert.IsEmpty(TitleTokenizer.Tokenize(null));
    }

    [TestMethod]
    public void Tokenize_LettersAndNumbersBeyondTheBasicPlane_KeptAsThePythonPeersKeepThem()
    {
        // data.py's [^\W_]+ on str.lower(): letters and numbers of any plane (a surrogate pair is one letter), lower-cased.
        CollectionAssert.AreEqual(new[] { "\U0002000B\U0002000C", "2001" }, TitleTokenizer.Tokenize("\U0002000B\U0002000C (2001)"));
        CollectionAssert.AreEqual(new[] { "\U00010428\U00010429", "x" }, TitleTokenizer.Tokenize("\U00010400\U00010401 X"));
        CollectionAssert.AreEqual(new[] { "alien³", "1992" }, TitleTokenizer.Tokenize("Alien³ (1992)"));
        CollectionAssert.AreEqual(new[] { "foo", "bar" }, TitleTokenizer.Tokenize("foo_bar"));
    }

    [TestMethod]
    public void UserHistoryFeature_RecentWithARepeatedItem_DistinctItemsOfTheLastInteractions()
    {
        // What metadata.json's max_length tells a server outside .NET to feed: the distinct items of the last N
        // interactions (here {k}), not the last N distinct items ({i, j, k}).
        var train = new Interactions(new IdMap("user", ["u"]), new IdMap("item", ["i", "j", "k"]),
            [0, 0, 0, 0, 0], [0, 1, 2, 2, 2], [1f, 1f, 1f, 1f, 1f], [1L, 2L, 3L, 4L, 5L]);
        var bag = UserHistoryFeature.Build(train, recent: 3);
        CollectionAssert.AreEqual(new[] { 0, 1 }, bag.Offsets);
        CollectionAssert.AreEqual(new[] { 2 }, bag.Tokens);
    }

    [TestMethod]
    public void ItemFeatureBuilder_Metadata_GenreAndTitleBags()
    {
        var items = new IdMap("item", new[] { "1", "2", "3" });
        var meta = new ItemMetadata(new[]
        {
            new ItemRecord("1", "Toy Story (1995)", new[] { "Animation", "Comedy" }, new DateOnly(1995, 1, 1)),
            new ItemRecord("2", "Heat (1995)", new[] { "Action" }, null),
        });
        var t = ItemFeatureBuilder.Build(items, meta);
        Assert.AreEqual(3, t.EntityCount);
        var genres = t.Bags.Single(b => b.Name == "genres");
        Assert.AreEqual(3, genres.VocabularySize);
        CollectionAssert.AreEqual(new[] { 0, 2, 3, 3 }, genres.Offsets, "item 3 has no record: empty bag");
        var title = t.Bags.Single(b => b.Name == "title");
        Assert.AreEqual(4, title.VocabularySize, "toy, story, heat, 1995");
        Assert.AreEqual(1, t.NumericDimension);
        Assert.AreEqual(0f, t.Numeric[1], "missing year imputes the mean (0 after standardisation)");
    }

    [TestMethod]
    public void UserFeatureBuilder_Metadata_CategoricalsAndAge()
    {
        var users = new IdMap("user", new[] { "a", "b" });
        var meta = new UserMetadata(new[] { new UserRecord("a", 20, "M", "student", "94110"), new UserRecord("b", 40, "F", "writer", "10001") });
        var t = UserFeatureBuilder.Build(users, meta);
        CollectionAssert.AreEqual(new[] { "gender", "occupation", "zip_region", "age_bucket" }, t.Categoricals.Select(c => c.Name).ToArray());
        Assert.AreEqual(-1f, t.Numeric[0], 1e-6f);
        Assert.AreEqual(1f, t.Numeric[1], 1e-6f);
    }

    [TestMethod]
    public void UserFeatureBuilder_NoUserHasAnAge_NoAgeColumn()
    {
        // Without any age the column was all 0, scaled by (0, 1): the tower never learnt from it, and a new user's age 30
        // then reached it as 30. A column no user fills is left out, as the categoricals no user fills are.
        var users = new IdMap("user", ["a", "b"]);
        var meta = new UserMetadata([new UserRecord("a", null, "M", "student", "94110"), new UserRecord("b", null, "F", "writer", null)]);
        var t = UserFeatureBuilder.Build(users, meta);
        Assert.AreEqual(0, t.NumericDimension);
        var schema = FeatureSchema.Of(t);
        Assert.IsEmpty(schema.Numerics);
        CollectionAssert.AreEqual(new[] { "gender", "occupation", "zip_region" }, schema.Categoricals.Select(c => c.Name).ToArray());
    }

    [TestMethod]
    public void FeatureTable_NaNNumeric_ThrowsNamingEntity()
    {
        var ex = Assert.ThrowsExactly<ArgumentException>(() => new FeatureTable(2, Array.Empty<CategoricalFeature>(), Array.Empty<BagFeature>(), 1, new[] { 0f, float.NaN }, new[] { "age" }));
        StringAssert.Contains(ex.Message, "age of entity 1 is NaN");
    }

    [TestMethod]
    public void FeatureTable_WrongNumericLength_ThrowsWithExpectedSize()
    {
        var ex = Assert.ThrowsExactly<ArgumentException>(() => new FeatureTable(2, Array.Empty<CategoricalFeature>(), Array.Empty<BagFeature>(), 3, new float[5]));
        StringAssert.Contains(ex.Message, "2 × 3 = 6");
    }

    [TestMethod]
    public void FeatureTable_CategoricalOutOfRange_Throws()
    {
        var ex = Assert.ThrowsExactly<ArgumentException>(() => new FeatureTable(1, new[] { new CategoricalFeature("c", 2, new[] { 2 }) }, Array.Empty<BagFeature>(), 0, Array.Empty<float>()));
        StringAssert.Contains(ex.Message, "value 2");
    }

    [TestMethod]
    public void NumericStandardizer_Infinite_Throws()
    {
        Assert.ThrowsExactly<ArgumentException>(() => NumericStandardizer.Standardize(new double?[] { 1, double.PositiveInfinity }, out _, out _));
    }

    [TestMethod]
    public void NumericStandardizer_SmallValues_StandardisedNotTakenAsConstant()
    {
        // A variance below 1e-12 was taken as a constant column whatever the values' scale: rates of 1e-7..3e-7 got std 1
        // and reached the tower as ±1e-7, the feature lost.
        var z = NumericStandardizer.Standardize(new double?[] { 1e-7, 2e-7, null, 3e-7 }, out var mean, out var std);
        Assert.AreEqual(2e-7, mean, 1e-20);
        Assert.AreEqual(Math.Sqrt(2.0 / 3) * 1e-7, std, 1e-20);
        CollectionAssert.AreEqual(new[] { -1.2247f, 0f, 0f, 1.2247f }, z.Select(v => MathF.Round(v, 4)).ToArray());
        // A constant column stays constant, its rounding noise included.
        foreach (var c in new[] { 0.1, 1e-7, 1.6e9, 0 })
        {
            var flat = NumericStandardizer.Standardize(Enumerable.Repeat<double?>(c, 7).ToArray(), out _, out std);
            Assert.AreEqual(1, std, $"constant {c}");
            CollectionAssert.AreEqual(new float[7], flat, $"constant {c}");
        }
    }

    [TestMethod]
    public void NumericStandardizer_LargeOffset_KeepsThePrecisionOfTheSpread()
    {
        // sq/n - mean² cancels at 1.6e9 (timestamps, ids): this column's spread of 0.0316 came out as 0, then std 1.
        var values = Enumerable.Repeat<double?>(1.6e9, 1000).Append(1.6e9 + 1).ToArray();
        var z = NumericStandardizer.Standardize(values, out var mean, out var std);
        Assert.AreEqual(1.6e9 + 1.0 / 1001, mean, 1e-6);
        Assert.AreEqual(Math.Sqrt(1000.0) / 1001, std, 1e-9);
        Assert.AreEqual(Math.Sqrt(1000.0), z[^1], 1e-3);
        Assert.AreEqual(-1 / Math.Sqrt(1000.0), z[0], 1e-6);
    }
}
