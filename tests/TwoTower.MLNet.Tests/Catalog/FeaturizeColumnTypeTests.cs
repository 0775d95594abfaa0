using Microsoft.ML;
using Microsoft.ML.Data;

namespace TwoTower.MLNet.Tests.Catalog;

/// <summary>Featurize on a column whose type does not fit the role its option gives it: refused naming the column, both types and the option.</summary>
[TestClass]
public sealed class FeaturizeColumnTypeTests
{
    [TestMethod]
    [DataRow(nameof(FeaturizerOptions.NumericColumns), "Genre", "String", "a number")]
    [DataRow(nameof(FeaturizerOptions.BagColumns), "Year", "Int32", "text")]
    [DataRow(nameof(FeaturizerOptions.TextColumns), "Age", "Single", "text")]
    public void FitAndGetOutputSchema_ColumnOfAnotherTypeThanItsRole_NamesColumnTypeExpectationAndOption(string option, string column, string found, string expected)
    {
        var ml = TestMLContext.Create(seed: 1);
        var data = ml.Data.LoadFromEnumerable(new[]
        {
            new FeatureRow { UserId = "u1", ItemId = "i1", Genre = "Action|Drama", Year = 1995, Age = 31 },
            new FeatureRow { UserId = "u2", ItemId = "i2", Genre = "Comedy", Year = 2001, Age = 24 },
        });
        var options = new FeaturizerOptions();
        var list = option switch
        {
            nameof(FeaturizerOptions.NumericColumns) => options.NumericColumns,
            nameof(FeaturizerOptions.BagColumns) => options.BagColumns,
            _ => options.TextColumns,
        };
        list.Add(column);
        var estimator = ml.TwoTower().Transforms.Featurize(options);
        // Before: a text column named numeric became NaN without a word (ConvertType parses "Action|Drama" as NaN), and a number
        // named bag or text got ML.NET's "Schema mismatch for input column 'Year'", which names no option.
        var shape = ml.Transforms.CustomMapping<Empty, FeatureRow>((_, _) => { }, contractName: null).GetOutputSchema(new SchemaShape([]));
        foreach (var (what, act) in new (string, Action)[] { ("Fit", () => estimator.Fit(data)), ("GetOutputSchema", () => estimator.GetOutputSchema(shape)) })
        {
            var ex = Assert.ThrowsExactly<ArgumentOutOfRangeException>(act, what);
            StringAssert.Contains(ex.Message, $"The column '{column}' (FeaturizerOptions.{option}) has type {found}; expected {expected}", what);
        }
    }

    /// <summary>Interaction rows with side features of three types.</summary>
    public sealed class FeatureRow
    {
        public string UserId { get; set; } = "";
        public string ItemId { get; set; } = "";
        public string Genre { get; set; } = "";
        public int Year { get; set; }
        public float Age { get; set; }
    }

    private sealed class Empty;
}
