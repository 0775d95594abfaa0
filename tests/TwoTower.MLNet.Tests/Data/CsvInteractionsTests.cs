using TwoTower.MLNet.Data;

namespace TwoTower.MLNet.Tests.Data;

[TestClass]
public sealed class CsvInteractionsTests
{
    private static string Write(string text)
    {
        var f = Path.Combine(TestPaths.TempDir(), "x.csv");
        File.WriteAllText(f, text);
        return f;
    }

    [TestMethod]
    public void Load_SplitFile_RecognisesColumnsByName()
    {
        var log = CsvInteractions.Load(TestPaths.Split("p1", "test"));
        Assert.AreEqual(20_000, log.Count);
        Assert.AreEqual("851", log.Users[0]);
        Assert.AreEqual("159", log.Items[0]);
    }

    [TestMethod]
    public void Load_ExplicitMapping_UsesNamedColumnsAndDefaultsRatingToOne()
    {
        var f = Write("when;who;what\n2024-01-02T00:00:00Z;u1;i9\n");
        var log = CsvInteractions.Load(f, new DataLoadOptions { Columns = new CsvColumnMapping("who", "what", null, "when") });
        Assert.AreEqual("u1", log.Users[0]);
        Assert.AreEqual(1f, log.Ratings[0]);
        Assert.AreEqual(new DateTimeOffset(2024, 1, 2, 0, 0, 0, TimeSpan.Zero).ToUnixTimeSeconds(), log.Timestamps[0]);
        Assert.IsFalse(log.HasRatings);
    }

    [TestMethod]
    public void Load_UnrecognisedHeader_TellsWhichFlagToUse()
    {
        var ex = Assert.ThrowsExactly<DataFormatException>(() => CsvInteractions.Load(Write("a,b\n1,2\n")));
        StringAssert.Contains(ex.Message, "--user-col");
    }

    [TestMethod]
    public void Load_MappedColumnMissing_ErrorListsHeader()
    {
        var ex = Assert.ThrowsExactly<DataFormatException>(() => CsvInteractions.Load(Write("user_id,item_id\n1,2\n"), new DataLoadOptions { Columns = new CsvColumnMapping("user_id", "item_id", "stars") }));
        StringAssert.Contains(ex.Message, "the rating column 'stars' is not in the header [user_id, item_id]");
    }

    [TestMethod]
    public void Load_NaNRating_IsRejectedWithLine()
    {
        var ex = Assert.ThrowsExactly<DataFormatException>(() => CsvInteractions.Load(Write("user_id,item_id,rating\n1,2,4\n1,3,NaN\n")));
        StringAssert.Contains(ex.Message, ":3:");
        StringAssert.Contains(ex.Message, "not a finite number");
    }

    [TestMethod]
    public void Load_RaggedRow_IsRejectedOrSkipped()
    {
        var f = Write("user_id,item_id\n1,2\n1,2,3\n4,5\n");
        Assert.ThrowsExactly<DataFormatException>(() => CsvInteractions.Load(f));
        var log = CsvInteractions.Load(f, new DataLoadOptions { SkipBadRows = true });
        Assert.AreEqual(2, log.Count);
        Assert.AreEqual(1, log.SkippedRows);
    }

    [TestMethod]
    public void Load_EmptyFile_SaysHeaderIsRequired()
    {
        var ex = Assert.ThrowsExactly<DataFormatException>(() => CsvInteractions.Load(Write("")));
        StringAssert.Contains(ex.Message, "header row is required");
    }

    [TestMethod]
    public void Load_MissingFile_ThrowsFileNotFoundNamingPath()
    {
        var ex = Assert.ThrowsExactly<FileNotFoundException>(() => CsvInteractions.Load("/nonexistent/ratings.csv"));
        StringAssert.Contains(ex.Message, "/nonexistent/ratings.csv");
    }
}
