using TwoTower.MLNet.Data;
using TwoTower.MLNet.Features;

namespace TwoTower.MLNet.Tests.Features;

[TestClass]
public sealed class FeatureSchemaTests
{
    private static readonly Lazy<LoadedDataset> Ml100K = new(() => MovieLens100K.Load(TestPaths.MovieLens100K));

    [TestMethod]
    public void Encode_EveryMovieLensItem_EqualsTheTrainingEncoding()
    {
        var data = Ml100K.Value;
        var items = new IdMap("item", data.Items!.Records.Select(r => r.Id).ToArray());
        var table = ItemFeatureBuilder.Build(items, data.Items);
        var schema = FeatureSchema.Of(table);
        CollectionAssert.AreEqual(new[] { "genres", "title" }, schema.Bags.Select(b => b.Name).ToArray());
        for (var k = 0; k < items.Count; k++)
            AssertSame(FeatureSchema.Row(table, k), schema.Encode(ItemFeatureBuilder.Describe(data.Items.Records[k])), $"item {items.GetRawId(k)}");
    }

    [TestMethod]
    public void Encode_EveryMovieLensUser_EqualsTheTrainingEncoding()
    {
        var data = Ml100K.Value;
        var users = new IdMap("user", data.Users!.Records.Select(r => r.Id).ToArray());
        var table = UserFeatureBuilder.Build(users, data.Users);
        var schema = FeatureSchema.Of(table);
        CollectionAssert.AreEqual(new[] { "gender", "occupation", "zip_region", "age_bucket" }, schema.Categoricals.Select(c => c.Name).ToArray());
        for (var k = 0; k < users.Count; k++)
            AssertSame(FeatureSchema.Row(table, k), schema.Encode(UserFeatureBuilder.Describe(data.Users.Records[k])), $"user {users.GetRawId(k)}");
    }

    [TestMethod]
    public void Encode_UnknownValuesAndTokens_CountAsMissing()
    {
        var schema = new FeatureSchema([new CategoricalSchema("occupation", ["artist", "doctor"])], [new BagSchema("genres", ["Action", "Drama"])], [new NumericSchema("age", 30, 10)]);
        var raw = new RawFeatures();
        raw.Categorical["occupation"] = "astronaut";
        raw.Bags["genres"] = ["Western", "Drama", "Drama"];
        var e = schema.Encode(raw);
        CollectionAssert.AreEqual(new[] { 0 }, e.Categorical);
        CollectionAssert.AreEqual(new[] { 1 }, e.Bags[0]);
        CollectionAssert.AreEqual(new[] { 0f }, e.Numeric, "a missing numeric is the mean");
        raw.Categorical["occupation"] = "doctor";
        raw.Numeric["age"] = 45;
        e = schema.Encode(raw);
        CollectionAssert.AreEqual(new[] { 2 }, e.Categorical);
        CollectionAssert.AreEqual(new[] { 1.5f }, e.Numeric);
    }

    [TestMethod]
    public void BagFeatureBuilder_NullToken_DroppedAsEncodeDropsIt()
    {
        // Encode skips a null token; Build failed on it with "Value cannot be null. (Parameter 'key')", naming neither feature nor entity.
        var tokens = new IReadOnlyList<string>?[] { ["Drama", null!, "Action"], [null!], null };
        var bag = BagFeatureBuilder.Build("genres", tokens);
        CollectionAssert.AreEqual(new[] { "Action", "Drama" }, bag.Vocabulary!.ToArray());
        CollectionAssert.AreEqual(new[] { 0, 2, 2, 2 }, bag.Offsets);
        var table = new FeatureTable(3, [], [bag], 0, []);
        var schema = FeatureSchema.Of(table);
        for (var e = 0; e < tokens.Length; e++)
        {
            var raw = new RawFeatures();
            if (tokens[e] is { } t) raw.Bags["genres"] = t;
            CollectionAssert.AreEquivalent(FeatureSchema.Row(table, e).Bags[0], schema.Encode(raw).Bags[0], $"entity {e}");
        }
    }

    [TestMethod]
    public void Encode_UnknownFeatureName_ThrowsListingTheKnownOnes()
    {
        var schema = new FeatureSchema([], [new BagSchema("genres", ["Action"])], []);
        var raw = new RawFeatures();
        raw.Bags["genre"] = ["Action"];
        var ex = Assert.ThrowsExactly<ArgumentException>(() => schema.Encode(raw));
        StringAssert.Contains(ex.Message, "'genre' is not a bag feature");
        StringAssert.Contains(ex.Message, "genres");
    }

    [TestMethod]
    public void Encode_NaNNumeric_ThrowsNamingTheFeature()
    {
        var schema = new FeatureSchema([], [], [new NumericSchema("release_year", 1990, 10)]);
        var raw = new RawFeatures();
        raw.Numeric["release_year"] = double.NaN;
        var ex = Assert.ThrowsExactly<ArgumentException>(() => schema.Encode(raw));
        StringAssert.Contains(ex.Message, "'release_year' is NaN");
    }

    [TestMethod]
    public void Encode_NumericBeyondFloatOnceStandardised_ThrowsNamingTheFeature()
    {
        // 1e300 is a finite double, but (1e300 − 30) / 12 is no float: the tower read +∞ and gave a NaN vector.
        var schema = new FeatureSchema([], [], [new NumericSchema("age", 30, 12)]);
        var raw = new RawFeatures();
        raw.Numeric["age"] = 1e300;
        var ex = Assert.ThrowsExactly<ArgumentException>(() => schema.Encode(raw));
        StringAssert.Contains(ex.Message, "'age' is 1E+300");
    }

    [TestMethod]
    public void Constructor_DuplicateNameOrBadScaling_Throws()
    {
        var dup = Assert.ThrowsExactly<ArgumentException>(() => new FeatureSchema([new CategoricalSchema("x", ["a"])], [new BagSchema("x", ["b"])], []));
        StringAssert.Contains(dup.Message, "'x' is used twice");
        var std = Assert.ThrowsExactly<ArgumentException>(() => new FeatureSchema([], [], [new NumericSchema("age", 0, 0)]));
        StringAssert.Contains(std.Message, "positive finite std");
    }

    [TestMethod]
    public void IsEmpty_TrueOnlyWithoutAnyFeature()
    {
        Assert.IsTrue(FeatureSchema.Empty.IsEmpty);
        Assert.IsFalse(new FeatureSchema([], [], [new NumericSchema("age", 30, 10)]).IsEmpty);
        Assert.IsFalse(new FeatureSchema([new CategoricalSchema("gender", ["F"])], [], []).IsEmpty);
    }

    [TestMethod]
    public void FeatureTable_VocabularyOfTheWrongSize_Throws()
    {
        var ex = Assert.ThrowsExactly<ArgumentException>(() => new FeatureTable(1, [new CategoricalFeature("c", 3, [1], ["a"])], [], 0, []));
        StringAssert.Contains(ex.Message, "expected Cardinality − 1 = 2");
    }

    private static void AssertSame(EncodedFeatures expected, EncodedFeatures actual, string what)
    {
        CollectionAssert.AreEqual(expected.Categorical, actual.Categorical, what);
        Assert.HasCount(expected.Bags.Length, actual.Bags, what);
        for (var b = 0; b < expected.Bags.Length; b++)
            CollectionAssert.AreEquivalent(expected.Bags[b], actual.Bags[b], $"{what}, bag {b}");
        Assert.HasCount(expected.Numeric.Length, actual.Numeric, what);
        for (var j = 0; j < expected.Numeric.Length; j++) Assert.AreEqual(expected.Numeric[j], actual.Numeric[j], 1e-5f, $"{what}, numeric {j}");
    }
}
