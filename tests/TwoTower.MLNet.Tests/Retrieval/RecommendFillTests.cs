using TwoTower.MLNet.Data;
using TwoTower.MLNet.Retrieval.Candidates;
using TwoTower.MLNet.Retrieval.Engine;
using TwoTower.MLNet.Rules;

namespace TwoTower.MLNet.Tests.Retrieval;

/// <summary>An answer holds k items whenever k items pass the rules, whatever the sources' quotas and however large k is.</summary>
[TestClass]
public sealed class RecommendFillTests
{
    // Quotas of 1: each source gives exactly max(1, k) candidates per round, so a cap that skips any must fetch more.
    private static RetrievalEngine Engine() =>
        RetrievalEngine.Create(RetrievalFixture.Model(), RetrievalFixture.Items(), RetrievalFixture.Users(), new RetrievalEngineOptions
        {
            IndexSpec = "Flat", ProjectionMinInteractions = 0,
            Generator = new CandidateGeneratorOptions { Sources = [new SourceQuota("mf", 1), new SourceQuota("popularity", 1, 0.3f)] },
        });

    [TestMethod]
    public void Recommend_MaxPerGenre_FillsKWhenEnoughItemsPass()
    {
        using var e = Engine();
        var filled = 0;
        foreach (var user in Enumerable.Range(1, 20).Select(u => u.ToString()).Append("nobody"))
        {
            var capped = e.Recommend(new RecommendRequest { UserId = user, K = 3, Filters = new RuleSpec { MaxPerGenre = 1 } });
            // What the cap lets through when every allowed item is a candidate: the answer must be as long.
            var all = e.Recommend(new RecommendRequest { UserId = user, K = 30 }).Items;
            var possible = Greedy(all.Select(i => i.Item.Record.Genres.ToArray()), cap: 1, k: 3);
            Assert.HasCount(possible, capped.Items, $"user {user}");
            var genres = capped.Items.SelectMany(i => i.Item.Record.Genres).ToList();
            Assert.AreEqual(genres.Count, genres.Distinct().Count(), $"user {user}: {string.Join(",", genres)}");
            if (possible == 3) filled++;
        }
        Assert.IsGreaterThan(4, filled, "several users can be given three items of different genres");
    }

    // How many items a cap of `cap` per genre admits, taken in order, up to k.
    private static int Greedy(IEnumerable<string[]> itemGenres, int cap, int k)
    {
        var counts = new Dictionary<string, int>();
        var taken = 0;
        foreach (var genres in itemGenres)
        {
            if (taken == k) break;
            if (genres.Any(g => counts.GetValueOrDefault(g) >= cap)) continue;
            foreach (var g in genres) counts[g] = counts.GetValueOrDefault(g) + 1;
            taken++;
        }
        return taken;
    }

    [TestMethod]
    public void Recommend_KPastTheCatalogue_AnswersEveryAllowedItemWithoutAllocatingForK()
    {
        using var e = Engine();
        var seen = e.Histories.History("3").Length;
        var before = GC.GetAllocatedBytesForCurrentThread();
        var r = e.Recommend(new RecommendRequest { UserId = "3", K = int.MaxValue });
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.HasCount(30 - seen, r.Items);
        Assert.IsLessThan(10_000_000L, allocated, "the sources must not be asked for int.MaxValue candidates");
        Assert.HasCount(30 - seen, e.Recommend(new RecommendRequest { UserId = "3", K = int.MaxValue, Filters = new RuleSpec { MaxPerGenre = 100 } }).Items);
    }

    [TestMethod]
    [DataRow("mf")]
    [DataRow("itemknn")]
    [DataRow("popularity")]
    public void Recommend_QuotaPastTheCatalogue_AnswersWithoutAllocatingForTheQuota(string source)
    {
        // A quota is a maximum: "as many as you have" must not size a search or a heap by the quota itself.
        using var e = RetrievalEngine.Create(RetrievalFixture.Model(), RetrievalFixture.Items(), RetrievalFixture.Users(), new RetrievalEngineOptions
        {
            IndexSpec = "Flat", ProjectionMinInteractions = 0,
            Generator = new CandidateGeneratorOptions { Sources = [new SourceQuota(source, int.MaxValue)] },
        });
        var before = GC.GetAllocatedBytesForCurrentThread();
        var r = e.Recommend(new RecommendRequest { UserId = "3", K = 10 });
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.HasCount(10, r.Items);
        Assert.IsLessThan(10_000_000L, allocated, $"source {source} must not be sized by a quota of int.MaxValue");
    }

    [TestMethod]
    public void Recommend_NoHistoryAndOnlyNewItemsPass_PopularityOffersTheNewItems()
    {
        using var e = Engine();
        for (var i = 0; i < 3; i++) e.PutItem(new ItemRecord($"new{i}", $"New {i}", ["Brandnew"], null));
        // A user without history is served by popularity alone, whose counts predate the new items.
        var r = e.Recommend(new RecommendRequest { UserId = null, K = 10, Filters = new RuleSpec { IncludeGenres = ["Brandnew"] } });
        CollectionAssert.AreEqual(new[] { "new0", "new1", "new2" }, r.Items.Select(i => i.ItemId).ToArray());
        e.RemoveItem("new1");
        r = e.Recommend(new RecommendRequest { UserId = null, K = 10, Filters = new RuleSpec { IncludeGenres = ["Brandnew"] } });
        CollectionAssert.AreEqual(new[] { "new0", "new2" }, r.Items.Select(i => i.ItemId).ToArray());
    }

    [TestMethod]
    public void Recommend_NullEntriesAndNegativeAge_NameTheField()
    {
        using var e = Engine();
        StringAssert.Contains(Assert.ThrowsExactly<InvalidRetrievalRequestException>(() => e.Recommend(new RecommendRequest { UserId = "1", Filters = new RuleSpec { Blocklist = ["2", null!] } })).Message,
            "filters.blocklist[1] is null; expected item ids");
        StringAssert.Contains(Assert.ThrowsExactly<InvalidRetrievalRequestException>(() => e.Recommend(new RecommendRequest { UserId = "1", Filters = new RuleSpec { ExcludeGenres = [null!] } })).Message,
            "filters.excludeGenres[0] is null; expected genre names");
        StringAssert.Contains(Assert.ThrowsExactly<InvalidRetrievalRequestException>(() => e.Recommend(new RecommendRequest { UserId = "x", Features = new UserRecord("x", -5, null, null, null) })).Message,
            "features.age = -5 must be ≥ 0");
    }
}
