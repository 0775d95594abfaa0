using System.Text;
using TwoTower.MLNet.Data;
using TwoTower.MLNet.Retrieval.Engine;

namespace TwoTower.MLNet.Tests.Retrieval;

/// <summary>Every genre name an item file loader accepts survives a snapshot: the state folder opens again with the same genres.</summary>
[TestClass]
public sealed class GenreNameRestartTests
{
    // Names the snapshot's JSON must carry back as they were read: separators, quotes, escapes, non-ASCII, inner spaces.
    private static readonly string[] Latin1Names = ["Action", "Sci, Fi", "Say \"Hi\"", "AC\\DC", "<b>&'", "Comédie", " Padded ", "Film-Noir"];
    private static readonly string[] Utf8Names = ["Action", "Sci, Fi", "Say \"Hi\"", "AC\\DC", "<b>&'", "日本映画", "🎬 Shorts", "Film-Noir"];

    [TestMethod]
    [DataRow("u.item")]
    [DataRow("movies.csv")]
    public void Snapshot_GenreNamesTheLoaderAccepts_StateFolderOpensAgainWithTheSameGenres(string layout)
    {
        var dir = TestPaths.TempDir();
        var itemsPath = layout == "u.item" ? Write100K(dir) : WriteCsv(dir);
        var state = Path.Combine(dir, "state");
        string[] genres;
        string[] newItemGenres;
        using (var e = Engine(itemsPath, state))
        {
            genres = e.Catalog.Genres.ToArray();
            Assert.HasCount(8, genres, "the loader read every name");
            newItemGenres = [genres[1], genres[^2]];
            e.PutItem(new ItemRecord("new", "New", newItemGenres, null), e.Catalog.Get(0)!.Vector);
            e.Snapshot();
        }
        for (var restart = 0; restart < 2; restart++)
        {
            // The second restart reads a snapshot written by a restarted engine.
            using var e = Engine(itemsPath, state);
            CollectionAssert.AreEqual(genres, e.Catalog.Genres.ToArray(), $"restart {restart + 1}: same genres, same bits");
            CollectionAssert.AreEqual(newItemGenres, e.Catalog.GetLive("new")!.Record.Genres.ToArray(), $"restart {restart + 1}: the new item's genres");
            e.Snapshot();
        }
        Directory.Delete(dir, true);
    }

    private static RetrievalEngine Engine(string itemsPath, string state) =>
        RetrievalEngine.Create(RetrievalFixture.Model(), DatasetLoader.LoadItems(itemsPath), null, new RetrievalEngineOptions
        {
            IndexSpec = "Flat",
            ProjectionMinInteractions = 0,
            StateDirectory = state,
        });

    // MovieLens 100K: u.genre names the flags of u.item (Latin-1 text, '|'-separated, so names hold no '|').
    private static string Write100K(string dir)
    {
        var latin1 = Encoding.Latin1;
        File.WriteAllLines(Path.Combine(dir, "u.genre"), Latin1Names.Select((n, i) => $"{n}|{i}"), latin1);
        File.WriteAllLines(Path.Combine(dir, "u.item"), Enumerable.Range(1, 30).Select(i =>
            $"{i}|Movie {i}|01-Jan-1995||url|{string.Join('|', Latin1Names.Select((_, g) => g == i % 8 || g == (i + 3) % 8 ? "1" : "0"))}"), latin1);
        return Path.Combine(dir, "u.item");
    }

    // A CSV item file: quoted genre lists, '|' between names, spaces around names trimmed.
    private static string WriteCsv(string dir)
    {
        var rows = Enumerable.Range(1, 30).Select(i =>
            $"{i},Movie {i},\"{Quote(Utf8Names[i % 8])} | {Quote(Utf8Names[(i + 3) % 8])}\"");
        File.WriteAllLines(Path.Combine(dir, "movies.csv"), ["movieId,title,genres", .. rows], new UTF8Encoding(false));
        return Path.Combine(dir, "movies.csv");
    }

    private static string Quote(string name) => name.Replace("\"", "\"\"");
}
