using System.Text;
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
    public void Load_SeveralCandidateColumns_MostSpecificNameWins()
    {
        // "user"/"item" come first, but user_id/item_id are the names a split file uses: they win.
        var log = CsvInteractions.Load(Write("user,item,user_id,item_id\n1,10,7,70\n"));
        Assert.AreEqual("7", log.Users[0]);
        Assert.AreEqual("70", log.Items[0]);
    }

    [TestMethod]
    public void Load_DuplicatedIdColumn_Refused()
    {
        var ex = Assert.ThrowsExactly<DataFormatException>(() => CsvInteractions.Load(Write("user_id,user_id,item_id\n1,2,3\n")));
        StringAssert.Contains(ex.Message, "the user column 'user_id' appears more than once in the header");
    }

    [TestMethod]
    [DataRow("id", "ID", null, null, "the item column 'ID' is also the user column")]
    [DataRow("who", "what", "when", "WHEN", "the timestamp column 'WHEN' is also the rating column")]
    public void Load_OneColumnMappedToTwoRoles_Refused(string user, string item, string? rating, string? time, string message)
    {
        // --user-col id --item-col id loaded every row as the user rating itself, and a timestamp read as a rating trained without a word.
        var f = Write("id,who,what,when\n1,u1,i9,1700000000\n");
        var ex = Assert.ThrowsExactly<DataFormatException>(() => CsvInteractions.Load(f, new DataLoadOptions { Columns = new CsvColumnMapping(user, item, rating, time) }));
        Assert.AreEqual(1, ex.Line);
        StringAssert.Contains(ex.Message, message);
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
    [DataRow("1,2\n", "expected 3 fields like the header, found 2")]
    [DataRow("1,2,3,4\n", "expected 3 fields like the header, found 4")]
    [DataRow("1,2,3,4,5,6\n", "expected 3 fields like the header, found 6")]
    [DataRow(" ,2,3\n", "empty user id (column 1, 'user_id')")]
    [DataRow("1,,3\n", "empty item id (column 2, 'item_id')")]
    [DataRow("1,2,lots\n", "rating 'lots' is not a finite number (column 3, 'rating')")]
    [DataRow("1,2,Infinity\n", "rating 'Infinity' is not a finite number")]
    [DataRow("\"1,2,3\n", "unterminated quote")]
    [DataRow("\"1\",\"\",3\n", "empty item id (column 2, 'item_id')")]
    public void Load_BadRow_NamesLineAndReason(string row, string reason)
    {
        var f = Write("user_id,item_id,rating\n7,8,1\n" + row);
        var ex = Assert.ThrowsExactly<DataFormatException>(() => CsvInteractions.Load(f));
        StringAssert.Contains(ex.Message, ":3: " + reason);
        var log = CsvInteractions.Load(f, new DataLoadOptions { SkipBadRows = true });
        Assert.AreEqual(1, log.Count);
        Assert.AreEqual(1, log.SkippedRows);
    }

    [TestMethod]
    public void Load_BadTimestamp_NamesItAndDatesAreAccepted()
    {
        StringAssert.Contains(Assert.ThrowsExactly<DataFormatException>(() => CsvInteractions.Load(Write("user_id,item_id,timestamp\n1,2,soon\n"))).Message,
            ":2: timestamp 'soon' is neither Unix seconds nor a date (column 3, 'timestamp')");
        // A mapped column is named as the header names it, where it stands.
        var mapped = new DataLoadOptions { Columns = new CsvColumnMapping("who", "what", "stars", "when") };
        StringAssert.Contains(Assert.ThrowsExactly<DataFormatException>(() => CsvInteractions.Load(Write("when,stars,what,who\n5,good,2,1\n"), mapped)).Message,
            ":2: rating 'good' is not a finite number (column 2, 'stars')");
        // A number past the range of seconds was read as long.MaxValue (the conversion saturates).
        StringAssert.Contains(Assert.ThrowsExactly<DataFormatException>(() => CsvInteractions.Load(Write("user_id,item_id,timestamp\n1,2,1e30\n"))).Message,
            ":2: timestamp '1e30' is neither Unix seconds nor a date");
        StringAssert.Contains(Assert.ThrowsExactly<DataFormatException>(() => CsvInteractions.Load(Write("user_id,item_id,timestamp\n1,2,-1e19\n"))).Message,
            ":2: timestamp '-1e19' is neither Unix seconds nor a date");
        var log = CsvInteractions.Load(Write("user_id,item_id,timestamp\n1,2, 2024-01-02 \n1,3,1700000000.0\n"));
        CollectionAssert.AreEqual(new[] { new DateTimeOffset(2024, 1, 2, 0, 0, 0, TimeSpan.Zero).ToUnixTimeSeconds(), 1_700_000_000L }, log.Timestamps.ToArray());
    }

    [TestMethod]
    public void Load_QuotedAndUnquotedRows_ReadTheSame_AndRepeatedIdsShareOneString()
    {
        // Unquoted rows take the span path, quoted rows the field splitter: both trim ids and read the same values.
        var log = CsvInteractions.Load(Write("user_id,item_id,rating,timestamp\n u1 , i1 ,4.5,100\n\"u1\",\" i1\",4.5,100\n\"u,2\",i1,1,7\n"));
        CollectionAssert.AreEqual(new[] { "u1", "u1", "u,2" }, log.Users.ToArray());
        CollectionAssert.AreEqual(new[] { "i1", "i1", "i1" }, log.Items.ToArray());
        CollectionAssert.AreEqual(new[] { 4.5f, 4.5f, 1f }, log.Ratings.ToArray());
        Assert.AreSame(log.Users[0], log.Users[1]);
        Assert.AreSame(log.Items[0], log.Items[2]);
    }

    [TestMethod]
    public void Load_EmptyFile_SaysHeaderIsRequired()
    {
        var ex = Assert.ThrowsExactly<DataFormatException>(() => CsvInteractions.Load(Write("")));
        StringAssert.Contains(ex.Message, "header row is required");
    }

    [TestMethod]
    public void Load_BlankLinesOfSpacesOrTabs_SkippedLikeEmptyOnes_LineNumbersKept()
    {
        // An editor's or an export's trailing "   " or "\t" line failed the whole file as a row of one field.
        var log = CsvInteractions.Load(Write("user_id,item_id\r\n1,2\r\n  \r\n\t\n1,3\n \n"));
        CollectionAssert.AreEqual(new[] { "2", "3" }, log.Items.ToArray());
        StringAssert.Contains(Assert.ThrowsExactly<DataFormatException>(() => CsvInteractions.Load(Write("user_id,item_id\n1,2\n  \n1\n"))).Message, ":4: expected 2 fields");
        // A file of blank lines has no header.
        StringAssert.Contains(Assert.ThrowsExactly<DataFormatException>(() => CsvInteractions.Load(Write(" \n\t\n"))).Message, "header row is required");
    }

    [TestMethod]
    public void Load_MissingFile_ThrowsFileNotFoundNamingPath()
    {
        var ex = Assert.ThrowsExactly<FileNotFoundException>(() => CsvInteractions.Load("/nonexistent/ratings.csv"));
        StringAssert.Contains(ex.Message, "/nonexistent/ratings.csv");
    }

    [TestMethod]
    public void Load_Latin1File_RefusedNamingTheLine()
    {
        // Decoded leniently, é1 and è1 both became "\uFFFD1": two users merged into one without a word.
        var f = Path.Combine(TestPaths.TempDir(), "latin1.csv");
        File.WriteAllBytes(f, [.. "user_id,item_id\n"u8, 0xE9, .. "1,1\n"u8, 0xE8, .. "1,2\n"u8]);
        var ex = Assert.ThrowsExactly<DataFormatException>(() => CsvInteractions.Load(f));
        StringAssert.Contains(ex.Message, "latin1.csv:2: not UTF-8 text");
        StringAssert.Contains(ex.Message, "re-save the file as UTF-8");
        // Not a row problem: skipping rows cannot make the file readable.
        Assert.ThrowsExactly<DataFormatException>(() => CsvInteractions.Load(f, new DataLoadOptions { SkipBadRows = true }));
        // A UTF-8 byte order mark does not make the rest of the file UTF-8.
        File.WriteAllBytes(f, [0xEF, 0xBB, 0xBF, .. "user_id,item_id\n"u8, 0xE9, .. "1,1\n"u8]);
        StringAssert.Contains(Assert.ThrowsExactly<DataFormatException>(() => CsvInteractions.Load(f)).Message, "latin1.csv:2: not UTF-8 text (byte 0xE9)");
    }

    [TestMethod]
    public void Load_InvalidByteFarIntoTheFile_LineIsExact()
    {
        // The reader decodes 64 KiB at a time: the line must be the one holding the byte, not the first of its block.
        var text = new StringBuilder("user_id,item_id\n");
        for (var i = 0; i < 30_000; i++) text.Append(i).Append(",1\n");
        var f = Path.Combine(TestPaths.TempDir(), "long.csv");
        File.WriteAllBytes(f, [.. Encoding.UTF8.GetBytes(text.ToString()), 0x31, 0xFF, .. ",2\n"u8, .. "5,5\n"u8]);
        StringAssert.Contains(Assert.ThrowsExactly<DataFormatException>(() => CsvInteractions.Load(f)).Message, "long.csv:30002: not UTF-8 text");
    }

    [TestMethod]
    public void Load_InvalidByteAfterCarriageReturnLineEnds_LineCountedAsTheRowsAre()
    {
        // Lines end in a lone \r (classic Mac) or \r\n: the error's line must be the row's, as ReadLine numbers them.
        var f = Path.Combine(TestPaths.TempDir(), "cr.csv");
        File.WriteAllBytes(f, [.. "user_id,item_id\r1,1\r\n2,2\r"u8, 0xE9, .. ",3\r"u8]);
        StringAssert.Contains(Assert.ThrowsExactly<DataFormatException>(() => CsvInteractions.Load(f)).Message, "cr.csv:4: not UTF-8 text");
        File.WriteAllBytes(f, [.. "user_id,item_id\r1,1\r2,2\r"u8]);
        Assert.AreEqual(2, CsvInteractions.Load(f).Count);
    }

    [TestMethod]
    public void Load_Utf8AndUtf16WithByteOrderMark_ReadAccentedIds()
    {
        foreach (var encoding in new Encoding[] { new UTF8Encoding(true), Encoding.UTF8, Encoding.Unicode, Encoding.BigEndianUnicode })
        {
            var f = Path.Combine(TestPaths.TempDir(), "bom.csv");
            File.WriteAllText(f, "user_id,item_id\né1,1\nè1,2\n", encoding);
            CollectionAssert.AreEqual(new[] { "é1", "è1" }, CsvInteractions.Load(f).Users.ToArray(), encoding.EncodingName);
        }
    }

    [TestMethod]
    [DataRow("30", 30L)]
    [DataRow("30.9", 30L)]
    [DataRow("30.1", 30L)]
    [DataRow("-0.5", -1L)]
    [DataRow("1970-01-01T00:00:30.900Z", 30L)]
    [DataRow("1969-12-31T23:59:59.500Z", -1L)]
    public void Timestamps_KeepWholeSeconds_TheSameWayForNumbersAndDates(string text, long expected)
    {
        // Numbers were truncated towards zero and dates floored: -0.5 s read as 0, after 1969-12-31T23:59:59.5 read as -1.
        Assert.IsTrue(RowErrors.TryTimestamp(text, out var seconds));
        Assert.AreEqual(expected, seconds);
    }
}
