using TwoTower.MLNet.Data;

namespace TwoTower.MLNet.Tests.Data;

[TestClass]
public sealed class MovieLensLoaderTests
{
    [TestMethod]
    public void Load100K_SharedFolder_ReadsRatingsItemsAndUsers()
    {
        var ds = DatasetLoader.Load(TestPaths.MovieLens100K);
        Assert.AreEqual("movielens-100k", ds.Layout);
        Assert.AreEqual(100_000, ds.Interactions.Count);
        Assert.AreEqual("196", ds.Interactions.Users[0]);
        Assert.AreEqual("242", ds.Interactions.Items[0]);
        Assert.AreEqual(3f, ds.Interactions.Ratings[0]);
        Assert.AreEqual(881250949L, ds.Interactions.Timestamps[0]);
        Assert.AreEqual(1682, ds.Items!.Count);
        Assert.IsTrue(ds.Items.TryGet("1", out var toy));
        Assert.AreEqual("Toy Story (1995)", toy.Title);
        CollectionAssert.AreEqual(new[] { "Animation", "Children's", "Comedy" }, toy.Genres.ToArray());
        Assert.AreEqual(new DateOnly(1995, 1, 1), toy.ReleaseDate);
        // One release date has a one-digit day ("4-Feb-1971"); only item 267 has none in the file.
        Assert.IsTrue(ds.Items.TryGet("1373", out var oneDigitDay));
        Assert.AreEqual(new DateOnly(1971, 2, 4), oneDigitDay.ReleaseDate);
        Assert.AreEqual(1, ds.Items.Records.Count(r => r.ReleaseDate is null));
        Assert.HasCount(19, ds.Items.GenreVocabulary);
        Assert.AreEqual(943, ds.Users!.Count);
        Assert.IsTrue(ds.Users.TryGet("1", out var u1));
        Assert.AreEqual(24, u1.Age);
        Assert.AreEqual("technician", u1.Occupation);
    }

    [TestMethod]
    public void Load_HeaderlessMovieLensRatingsFile_ReadsItsFolder()
    {
        // u.data has no header, so as a CSV it would fail on "which column is the user"; named directly it means its folder.
        var ds = DatasetLoader.Load(Path.Combine(TestPaths.MovieLens100K, "u.data"));
        Assert.AreEqual("movielens-100k", ds.Layout);
        Assert.AreEqual(100_000, ds.Interactions.Count);
    }

    [TestMethod]
    public void LoadUsers_UUserFile_SameAsItsFolder_OtherFileRefused()
    {
        var fromFile = DatasetLoader.LoadUsers(Path.Combine(TestPaths.MovieLens100K, "u.user"))!;
        var fromFolder = DatasetLoader.LoadUsers(TestPaths.MovieLens100K)!;
        CollectionAssert.AreEqual(fromFolder.Records.ToArray(), fromFile.Records.ToArray());
        var ex = Assert.ThrowsExactly<FileNotFoundException>(() => DatasetLoader.LoadUsers(Path.Combine(TestPaths.MovieLens100K, "u.item")));
        StringAssert.Contains(ex.Message, "is a file other than u.user or users.dat");
    }

    [TestMethod]
    public void LoadItems_MovieLensItemFiles_ReadLikeTheirFolders()
    {
        // u.item was read as a CSV and failed on its header ('no item id column'); movies.dat as UTF-8 text.
        var fromFile = DatasetLoader.LoadItems(Path.Combine(TestPaths.MovieLens100K, "u.item"));
        var fromFolder = DatasetLoader.LoadItems(TestPaths.MovieLens100K);
        Assert.AreEqual(fromFolder.Count, fromFile.Count);
        Assert.AreEqual(fromFolder.Records[^1].Title, fromFile.Records[^1].Title);
        CollectionAssert.AreEqual(fromFolder.Records[^1].Genres.ToArray(), fromFile.Records[^1].Genres.ToArray());
        var dir = TestPaths.TempDir();
        File.WriteAllBytes(Path.Combine(dir, "movies.dat"), System.Text.Encoding.Latin1.GetBytes("1::Amélie (2001)::Comedy|Romance\n2::Heat (1995)::Action\n"));
        var movies = DatasetLoader.LoadItems(Path.Combine(dir, "movies.dat"));
        Assert.AreEqual("Amélie (2001)", movies.Records[0].Title);
        CollectionAssert.AreEqual(new[] { "Comedy", "Romance" }, movies.Records[0].Genres.ToArray());
    }

    [TestMethod]
    public void LoadRatings_MalformedRow_ErrorNamesFileLineAndReason()
    {
        var dir = TestPaths.TempDir();
        var file = Path.Combine(dir, "u.data");
        File.WriteAllText(file, "1\t2\t5\t100\n1\t3\tfive\t101\n");
        var ex = Assert.ThrowsExactly<DataFormatException>(() => MovieLens100K.LoadRatings(file));
        Assert.AreEqual(2, ex.Line);
        StringAssert.Contains(ex.Message, "u.data:2");
        StringAssert.Contains(ex.Message, "rating 'five' is not a number");
    }

    [TestMethod]
    public void LoadRatings_SkipBadRows_CountsSkippedRows()
    {
        var dir = TestPaths.TempDir();
        var file = Path.Combine(dir, "u.data");
        File.WriteAllText(file, "1\t2\t5\t100\nbroken line\n1\t3\t4\tnot-a-time\n2\t2\t1\t7\n");
        var log = MovieLens100K.LoadRatings(file, new DataLoadOptions { SkipBadRows = true });
        Assert.AreEqual(2, log.Count);
        Assert.AreEqual(2, log.SkippedRows);
    }

    [TestMethod]
    public void LoadItems_BadGenreFlag_ErrorNamesTheGenre()
    {
        var dir = TestPaths.TempDir();
        File.WriteAllText(Path.Combine(dir, "u.item"), "1|Film (1990)|01-Jan-1990||url|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|2\n");
        var ex = Assert.ThrowsExactly<DataFormatException>(() => MovieLens100K.LoadItems(dir));
        StringAssert.Contains(ex.Message, "genre flag 19 ('Western') is '2', expected 0 or 1");
    }

    [TestMethod]
    [DataRow("")]
    [DataRow("  ")]
    public void LoadItems_BlankGenreNameInUGenre_ErrorNamesFileAndLine(string name)
    {
        // The blank name entered the catalogue's genre vocabulary; the next snapshot wrote it, and a restart refused to
        // read it back ("does not fit this model"): the server no longer started.
        var dir = TestPaths.TempDir();
        File.WriteAllText(Path.Combine(dir, "u.genre"), $"Action|0\n{name}|1\nDrama|2\n");
        File.WriteAllText(Path.Combine(dir, "u.item"), "1|Film (1990)|01-Jan-1990||url|1|0|1\n");
        var ex = Assert.ThrowsExactly<DataFormatException>(() => MovieLens100K.LoadItems(dir));
        StringAssert.Contains(ex.Message, $"{Path.Combine(dir, "u.genre")}:2: genre 1 has a blank name");
    }

    [TestMethod]
    public void LoadItems_GenreNameWithSurroundingSpacesInUGenre_IsTrimmedAsTheCsvLoadersTrim()
    {
        // " Padded " stayed as written while the CSV loaders trim their genre names: a filter on "Padded" matched nothing.
        var dir = TestPaths.TempDir();
        File.WriteAllText(Path.Combine(dir, "u.genre"), "Action|0\n Padded |1\nDrama|2\n");
        File.WriteAllText(Path.Combine(dir, "u.item"), "1|Film (1990)|01-Jan-1990||url|1|1|0\n");
        var items = MovieLens100K.LoadItems(dir);
        CollectionAssert.AreEqual(new[] { "Action", "Padded" }, items.Records[0].Genres.ToArray(), string.Join("/", items.Records[0].Genres));
    }

    [TestMethod]
    public void ItemMetadata_BlankGenreName_RefusedNamingTheSourceAndItem()
    {
        // Records built in code (or by another loader) reach the catalogue's genre vocabulary the same way.
        var ex = Assert.ThrowsExactly<ArgumentException>(() => new ItemMetadata([new ItemRecord("7", "A", ["Action", " "], null)], source: "shop.json"));
        StringAssert.Contains(ex.Message, "Item '7' in item metadata (shop.json) has a blank genre name");
        ex = Assert.ThrowsExactly<ArgumentException>(() => new ItemMetadata([], ["Action", ""], "shop.json"));
        StringAssert.Contains(ex.Message, "The genre vocabulary of item metadata (shop.json) has a blank name at position 1");
    }

    [TestMethod]
    [DataRow("u.data", "1\t2\t5\t100\t7", "u.data:2: expected 4 tab-separated fields (user, item, rating, timestamp), found 5")]
    [DataRow("u.user", "2|24|M|technician|85711|x", "u.user:2: expected 5 '|'-separated fields (id, age, gender, occupation, zip), found 6")]
    [DataRow("u.item", "2|B|C (1990)|01-Jan-1990||url|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|1", "u.item:2: expected 24 '|'-separated fields (id, title, release date, video release date, url, 19 genre flags), found 25")]
    public void Load100K_RowWithExtraFields_ErrorNamesLineAndCount(string name, string row, string message)
    {
        // Rows with more fields than the layout were read from their first fields without a word (ratings.dat refuses them):
        // a fifth u.data column, a '|' inside a title that shifted every genre flag.
        var dir = TestPaths.TempDir();
        var flags = string.Join('|', Enumerable.Repeat("0", 19));
        var good = name switch { "u.data" => "1\t1\t5\t100", "u.user" => "1|24|M|technician|85711", _ => $"1|A (1990)|01-Jan-1990||url|{flags}" };
        File.WriteAllLines(Path.Combine(dir, name), [good, row]);
        Action load = name switch
        {
            "u.data" => () => MovieLens100K.LoadRatings(Path.Combine(dir, name)),
            "u.user" => () => MovieLens100K.LoadUsers(dir),
            _ => () => MovieLens100K.LoadItems(dir),
        };
        StringAssert.Contains(Assert.ThrowsExactly<DataFormatException>(load).Message, message);
    }

    [TestMethod]
    public void LoadCsvItems_UnterminatedQuoteInTheHeader_ErrorNamesTheHeaderLine()
    {
        // The header was split up to the quote and its width taken from there: every row then failed as "expected 1 fields like the header, found 3".
        var file = Path.Combine(TestPaths.TempDir(), "movies.csv");
        File.WriteAllText(file, "movieId,\"title,genres\n1,Toy Story (1995),Animation\n");
        var ex = Assert.ThrowsExactly<DataFormatException>(() => MovieLensCsv.LoadItems(file, new DataLoadOptions { SkipBadRows = true }));
        Assert.AreEqual(1, ex.Line);
        StringAssert.Contains(ex.Message, "unterminated quote in the header");
    }

    [TestMethod]
    public void Load1M_DoubleColonFiles_ReadsAllThree()
    {
        var dir = TestPaths.TempDir();
        File.WriteAllText(Path.Combine(dir, "ratings.dat"), "1::1193::5::978300760\n1::661::3::978302109\n");
        File.WriteAllText(Path.Combine(dir, "movies.dat"), "1193::One Flew Over the Cuckoo's Nest (1975)::Drama\n661::James and the Giant Peach (1996)::Animation|Children's|Musical\n");
        File.WriteAllText(Path.Combine(dir, "users.dat"), "1::F::1::10::48067\n");
        var ds = DatasetLoader.Load(dir);
        Assert.AreEqual("movielens-1m", ds.Layout);
        Assert.AreEqual(2, ds.Interactions.Count);
        Assert.IsTrue(ds.Items!.TryGet("661", out var m));
        CollectionAssert.AreEqual(new[] { "Animation", "Children's", "Musical" }, m.Genres.ToArray());
        Assert.AreEqual("F", ds.Users!.Records[0].Gender);
    }

    [TestMethod]
    public void Load1M_WrongFieldCount_ErrorNamesLine()
    {
        var dir = TestPaths.TempDir();
        File.WriteAllText(Path.Combine(dir, "ratings.dat"), "1::1193::5::978300760\n1::661::3\n");
        var ex = Assert.ThrowsExactly<DataFormatException>(() => DatasetLoader.Load(dir));
        StringAssert.Contains(ex.Message, "ratings.dat:2");
    }

    [TestMethod]
    public void LoadCsvLayout_QuotedTitlesWithCommas_ParsesGenres()
    {
        var dir = TestPaths.TempDir();
        File.WriteAllText(Path.Combine(dir, "ratings.csv"), "userId,movieId,rating,timestamp\n1,1,4.0,964982703\n1,3,4.5,964981247\n");
        File.WriteAllText(Path.Combine(dir, "movies.csv"), "movieId,title,genres\n1,Toy Story (1995),Adventure|Animation\n3,\"American President, The (1995)\",Comedy|Drama|Romance\n4,\"Say \"\"Hi\"\" (2001)\",(no genres listed)\n");
        var ds = DatasetLoader.Load(dir);
        Assert.AreEqual("movielens-csv", ds.Layout);
        Assert.AreEqual(4.5f, ds.Interactions.Ratings[1]);
        Assert.AreEqual("American President, The (1995)", ds.Items!.TitleOf("3"));
        Assert.AreEqual("Say \"Hi\" (2001)", ds.Items.TitleOf("4"));
        Assert.IsTrue(ds.Items.TryGet("4", out var four));
        Assert.IsEmpty(four.Genres);

        // Spaces around genre names (hand-written or exported lists) do not make other genres.
        File.WriteAllText(Path.Combine(dir, "spaced.csv"), "movieId,title,genres\n1,A,Action | Comedy\n2,B,Comedy|\n3,C, (no genres listed) \n");
        var spaced = MovieLensCsv.LoadItems(Path.Combine(dir, "spaced.csv"));
        CollectionAssert.AreEqual(new[] { "Action", "Comedy" }, spaced.GenreVocabulary.ToArray());
        Assert.IsTrue(spaced.TryGet("3", out var none));
        Assert.IsEmpty(none.Genres);

        // A bad id names its column as the header does.
        var movies = Path.Combine(dir, "movies.csv");
        File.WriteAllText(movies, "title,movieId,genres\nA,1,Drama\nB,1,Comedy\nC, ,Comedy\n");
        StringAssert.Contains(Assert.ThrowsExactly<DataFormatException>(() => MovieLensCsv.LoadItems(movies)).Message, ":3: duplicate item id '1' (column 2, 'movieId')");
        File.WriteAllText(movies, "title,movieId,genres\nA,1,Drama\nC, ,Comedy\n");
        StringAssert.Contains(Assert.ThrowsExactly<DataFormatException>(() => MovieLensCsv.LoadItems(movies)).Message, ":3: empty item id '' (column 2, 'movieId')");
    }

    [TestMethod]
    public void Load1M_NonIntegerAge_RefusedLikeUUser()
    {
        // u.user refuses a bad age; users.dat loaded it as "age unknown" without a word.
        var dir = TestPaths.TempDir();
        var file = Path.Combine(dir, "users.dat");
        File.WriteAllText(file, "1::F::1::10::48067\n2::M::abc::16::70072\n3::M::::15::55117\n");
        var ex = Assert.ThrowsExactly<DataFormatException>(() => MovieLens1M.LoadUsers(file));
        StringAssert.Contains(ex.Message, "users.dat:2: age 'abc' is not an integer");
        var skipped = MovieLens1M.LoadUsers(file, new DataLoadOptions { SkipBadRows = true });
        CollectionAssert.AreEqual(new[] { "1", "3" }, skipped.Records.Select(u => u.Id).ToArray());
        Assert.IsNull(skipped.Records[1].Age);
        Assert.AreEqual(1, skipped.SkippedRows);
    }

    [TestMethod]
    public void LoadUsers_NegativeAge_RefusedNamingTheLine()
    {
        // A negative age loaded as is, then popularity by age bucket failed on it with "age must be ≥ 0", naming neither file nor user.
        var dir = TestPaths.TempDir();
        File.WriteAllLines(Path.Combine(dir, "u.user"), ["1|24|M|technician|85711", "2|-5|F|other|94043"]);
        StringAssert.Contains(Assert.ThrowsExactly<DataFormatException>(() => MovieLens100K.LoadUsers(dir)).Message, "u.user:2: age '-5' is negative");
        var users = MovieLens100K.LoadUsers(dir, new DataLoadOptions { SkipBadRows = true });
        Assert.AreEqual((1, 1), (users.Count, users.SkippedRows));
        var file = Path.Combine(dir, "users.dat");
        File.WriteAllLines(file, ["1::F::1::10::48067", "2::M::-1::16::70072"]);
        StringAssert.Contains(Assert.ThrowsExactly<DataFormatException>(() => MovieLens1M.LoadUsers(file)).Message, "users.dat:2: age '-1' is negative");
    }

    [TestMethod]
    public void LoadMetadata_SkipBadRows_CountsSkippedRowsInEveryLayout()
    {
        // Metadata rows were dropped under skip-bad-rows with no count, though the option promises one.
        var skip = new DataLoadOptions { SkipBadRows = true };
        var flags = string.Join('|', Enumerable.Repeat("0", 19));
        var dir = TestPaths.TempDir();
        File.WriteAllLines(Path.Combine(dir, "u.item"), [$"1|A (1990)|01-Jan-1990||url|{flags}", "2|B (1991)|too few fields", $"1|again|||url|{flags}", $"3|C (1992)|||url|{flags}"]);
        File.WriteAllLines(Path.Combine(dir, "u.user"), ["1|24|M|technician|85711", "2|old|F|other|94043", "3|30|F"]);
        var items = MovieLens100K.LoadItems(dir, skip);
        Assert.AreEqual((2, 2), (items.Count, items.SkippedRows));
        var users = MovieLens100K.LoadUsers(dir, skip);
        Assert.AreEqual((1, 2), (users.Count, users.SkippedRows));

        File.WriteAllLines(Path.Combine(dir, "movies.dat"), ["1::A (1990)::Drama", "2::no genres field", "3::C (1992)::"]);
        var movies = MovieLens1M.LoadItems(Path.Combine(dir, "movies.dat"), skip);
        Assert.AreEqual((2, 1), (movies.Count, movies.SkippedRows));

        File.WriteAllLines(Path.Combine(dir, "movies.csv"), ["movieId,title,genres", "1,A (1990),Drama", "2,\"unterminated,Drama", ",no id,Drama", "4,D,Comedy"]);
        var csv = MovieLensCsv.LoadItems(Path.Combine(dir, "movies.csv"), skip);
        Assert.AreEqual((2, 2), (csv.Count, csv.SkippedRows));
        Assert.AreEqual(0, MovieLens100K.LoadItems(TestPaths.MovieLens100K, skip).SkippedRows);
    }
}
