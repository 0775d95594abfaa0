using Microsoft.ML;
using TwoTower.MLNet.Data;

namespace TwoTower.MLNet.Tests.Catalog;

/// <summary>MovieLens.Load100K: the interactions as an IDataView joined with the movies' and users' features.</summary>
[TestClass]
public sealed class MovieLensDataViewTests
{
    private static MovieLensInteraction[] Rows(MLContext ml, IDataView view) => ml.Data.CreateEnumerable<MovieLensInteraction>(view, reuseRowObject: false).ToArray();

    [TestMethod]
    public void Load100K_Folder_EveryRatingJoinedWithItsUserAndMovie()
    {
        var ml = TestMLContext.Create(seed: 1);
        var view = MovieLens.Load100K(ml, TestPaths.MovieLens100K);
        CollectionAssert.AreEqual(
            new[] { "UserId", "ItemId", "Rating", "Timestamp", "Age", "Gender", "Occupation", "ZipCode", "Title", "Genres", "ReleaseYear" },
            view.Schema.Select(c => c.Name).ToArray());
        var rows = Rows(ml, view);
        Assert.HasCount(100_000, rows);
        // u.data's first line, u.user 196 and u.item 242 (released 24-Jan-1997).
        var first = rows[0];
        Assert.AreEqual(("196", "242", 3f, 881250949L), (first.UserId, first.ItemId, first.Rating, first.Timestamp));
        Assert.AreEqual((49f, "M", "writer", "55105"), (first.Age, first.Gender, first.Occupation, first.ZipCode));
        Assert.AreEqual(("Kolya (1996)", "Comedy", 1997f), (first.Title, first.Genres, first.ReleaseYear));
        // Movie 267 has no release date: NaN, for ReplaceMissingValues, not a made-up year.
        var unknown = rows.First(r => r.ItemId == "267");
        Assert.IsTrue(float.IsNaN(unknown.ReleaseYear));
        Assert.AreEqual("unknown", unknown.Genres);
        // Star Wars: genre flags 1, 2, 14, 15 and 17 of u.genre, in that order.
        Assert.AreEqual("Action|Adventure|Romance|Sci-Fi|War", rows.First(r => r.ItemId == "50").Genres);
    }

    [TestMethod]
    public void Load100K_SplitFile_ItsRowsJoinedWithTheFolder_UnknownIdsLeftEmpty()
    {
        var ml = TestMLContext.Create(seed: 1);
        var train = TestPaths.Split("p2", "train");
        var rows = Rows(ml, MovieLens.Load100K(ml, TestPaths.MovieLens100K, train));
        var log = CsvInteractions.Load(train);
        Assert.HasCount(log.Count, rows);
        Assert.AreEqual((log.Users[5], log.Items[5], log.Timestamps[5]), (rows[5].UserId, rows[5].ItemId, rows[5].Timestamp));
        Assert.IsTrue(rows.All(r => r.Title.Length > 0 && !float.IsNaN(r.Age)));

        var dir = TestPaths.TempDir();
        var csv = Path.Combine(dir, "new.csv");
        File.WriteAllLines(csv, ["user_id,item_id", "newcomer,1", "1,new-movie"]);
        var joined = Rows(ml, MovieLens.Load100K(ml, TestPaths.MovieLens100K, csv));
        Assert.IsTrue(float.IsNaN(joined[0].Age));
        Assert.AreEqual(("", "Toy Story (1995)", 1f, 0L), (joined[0].Gender, joined[0].Title, joined[0].Rating, joined[0].Timestamp));
        Assert.AreEqual(("", ""), (joined[1].Title, joined[1].Genres));
        Assert.IsTrue(float.IsNaN(joined[1].ReleaseYear));
    }

    [TestMethod]
    public void Load100K_NotAMovieLens100KFolder_NamesWhatIsMissing()
    {
        var ml = TestMLContext.Create(seed: 1);
        var missing = Path.Combine(TestPaths.TempDir(), "nowhere");
        StringAssert.Contains(Assert.ThrowsExactly<DirectoryNotFoundException>(() => MovieLens.Load100K(ml, missing)).Message, $"'{missing}' does not exist");
        var dir = TestPaths.TempDir();
        File.Copy(Path.Combine(TestPaths.MovieLens100K, "u.data"), Path.Combine(dir, "u.data"));
        File.Copy(Path.Combine(TestPaths.MovieLens100K, "u.user"), Path.Combine(dir, "u.user"));
        var ex = Assert.ThrowsExactly<FileNotFoundException>(() => MovieLens.Load100K(ml, dir));
        StringAssert.Contains(ex.Message, "it has no u.item");
    }
}
