using TwoTower.MLNet.Data;
using TwoTower.MLNet.Retrieval.Candidates;
using TwoTower.MLNet.Retrieval.Catalog;
using TwoTower.MLNet.Retrieval.Engine;
using TwoTower.MLNet.Rules;

namespace TwoTower.MLNet.Tests.Rules;

[TestClass]
public sealed class RuleTests
{
    private static ItemCatalog Catalog()
    {
        var c = new ItemCatalog(0, new[] { "Action", "Comedy", "Drama" });
        c.Put(new ItemRecord("a", "A", new[] { "Action" }, new DateOnly(1990, 1, 1)), null);
        c.Put(new ItemRecord("b", "B", new[] { "Comedy", "Drama" }, new DateOnly(1995, 6, 1)), null);
        c.Put(new ItemRecord("c", "C", new[] { "Drama" }, null), null);
        c.Put(new ItemRecord("d", "D", Array.Empty<string>(), new DateOnly(2000, 1, 1)), null);
        c.Put(new ItemRecord("e", "E", new[] { "Action" }, new DateOnly(1998, 1, 1)), null);
        return c;
    }

    private static string[] Allowed(ItemCatalog c, IItemFilterRule rule) =>
        Enumerable.Range(0, c.KeyCount).Select(k => c.Get(k)!).Where(rule.Allows).Select(i => i.Record.Id).ToArray();

    [TestMethod]
    public void GenreInclude_AnyGenreMatches_Allowed()
    {
        var c = Catalog();
        CollectionAssert.AreEqual(new[] { "a", "b", "e" }, Allowed(c, new GenreIncludeRule(c.GenreMask(new[] { "Action", "Comedy" }))));
    }

    [TestMethod]
    public void GenreInclude_EmptyMask_Throws()
    {
        var ex = Assert.ThrowsExactly<ArgumentException>(() => new GenreIncludeRule(0));
        StringAssert.Contains(ex.Message, "at least one genre");
    }

    [TestMethod]
    public void GenreExclude_AnyGenreMatches_Rejected()
    {
        var c = Catalog();
        CollectionAssert.AreEqual(new[] { "a", "d", "e" }, Allowed(c, new GenreExcludeRule(c.GenreMask(new[] { "Drama" }))));
    }

    [TestMethod]
    public void AvailabilityWindow_InclusiveBoundsUnknownDateRejected()
    {
        var c = Catalog();
        CollectionAssert.AreEqual(new[] { "b", "e" }, Allowed(c, new AvailabilityWindowRule(new DateOnly(1995, 6, 1), new DateOnly(1998, 1, 1))));
        CollectionAssert.AreEqual(new[] { "b", "c", "d", "e" }, Allowed(c, new AvailabilityWindowRule(new DateOnly(1991, 1, 1), null, allowUnknownDate: true)));
    }

    [TestMethod]
    public void AvailabilityWindow_StartAfterEnd_Throws()
    {
        var ex = Assert.ThrowsExactly<ArgumentException>(() => new AvailabilityWindowRule(new DateOnly(2000, 1, 2), new DateOnly(2000, 1, 1)));
        StringAssert.Contains(ex.Message, "starts 2000-01-02 after it ends 2000-01-01");
    }

    [TestMethod]
    public void Blocklist_ListedKeys_Rejected()
    {
        var c = Catalog();
        CollectionAssert.AreEqual(new[] { "a", "c", "e" }, Allowed(c, new BlocklistRule(new[] { 1, 3 })));
    }

    [TestMethod]
    public void RuleSet_RemovedItem_NotAllowed()
    {
        var c = Catalog();
        c.Remove("a");
        Assert.IsFalse(RuleSet.Empty.KeyFilter(c)(0));
        Assert.IsTrue(RuleSet.Empty.KeyFilter(c)(1));
        Assert.IsFalse(RuleSet.Empty.KeyFilter(c)(99));
    }

    [TestMethod]
    public void Finish_MaxPerGenre_SkipsItemsOfFullGenres()
    {
        var c = Catalog();
        var merged = new[] { 0, 4, 1, 2, 3 }.Select((k, i) => new MergedCandidate(k, 10 - i, new[] { "x" })).ToList();
        var result = new RuleSet(Array.Empty<IItemFilterRule>(), maxPerGenre: 1).Finish(merged, c, 10);
        // a (Action) kept; e (Action) skipped; b (Comedy, Drama) kept; c (Drama) skipped; d (no genre) kept.
        CollectionAssert.AreEqual(new[] { 0, 1, 3 }, result.Select(r => r.ItemKey).ToArray());
    }

    [TestMethod]
    public void Finish_Boost_ReordersByAddedScore()
    {
        var c = Catalog();
        var merged = new List<MergedCandidate> { new(0, 1f, new[] { "x" }), new(2, 0.9f, new[] { "x" }), new(3, 0.5f, new[] { "x" }) };
        var rules = new RuleSet(Array.Empty<IItemFilterRule>(), new[] { new GenreBoost(c.GenreMask(new[] { "Drama" }), 0.2f) });
        var result = rules.Finish(merged, c, 2);
        Assert.AreEqual(2, result[0].ItemKey);
        Assert.AreEqual(1.1f, result[0].Score, 1e-6f);
        Assert.AreEqual(0, result[1].ItemKey);
    }

    [TestMethod]
    public void GenreBoost_NaN_Throws()
    {
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new GenreBoost(1, float.NaN));
    }

    [TestMethod]
    public void RuleSpec_Build_ComposesEveryFilter()
    {
        var c = Catalog();
        var rules = new RuleSpec
        {
            IncludeGenres = new[] { "Action", "Drama" }, ExcludeGenres = new[] { "Comedy" },
            ReleasedAfter = new DateOnly(1989, 1, 1), Blocklist = new[] { "e", "unknown" },
        }.Build(c);
        Assert.HasCount(4, rules.Filters);
        var allowed = Enumerable.Range(0, c.KeyCount).Where(rules.KeyFilter(c)).ToArray();
        CollectionAssert.AreEqual(new[] { 0 }, allowed); // b is Comedy, c has no date, d no genre, e blocked
        CollectionAssert.AreEqual(new[] { "include genres Action, Drama", "exclude genres Comedy" }, rules.Filters.Take(2).Select(f => f.Describe()).ToArray());
        Assert.AreEqual("exclude genres mask 0x2", new GenreExcludeRule(2).Describe(), "without names the mask is shown");
    }

    [TestMethod]
    public void MinInteractions_ByCounts_KeysBeyondTheCountsHaveNone()
    {
        var c = Catalog();
        var counts = new float[] { 5, 1, 3, 0 }; // e (key 4) has no count: added after training
        CollectionAssert.AreEqual(new[] { "a", "c" }, Allowed(c, new MinInteractionsRule(counts, 3)));
        var spec = new RuleSpec { MinInteractions = 1 };
        Assert.IsFalse(spec.IsEmpty);
        Assert.AreEqual("at least 1 interactions", spec.Build(c, counts).Filters.Single().Describe());
        StringAssert.Contains(Assert.ThrowsExactly<RetrievalConflictException>(() => spec.Build(c)).Message, "needs the items' interaction counts");
        // A value out of range is the request's own error even where the counts are missing.
        StringAssert.Contains(Assert.ThrowsExactly<InvalidRetrievalRequestException>(() => new RuleSpec { MinInteractions = 0 }.Build(c)).Message, "filters.minInteractions = 0 must be ≥ 1");
        StringAssert.Contains(Assert.ThrowsExactly<InvalidRetrievalRequestException>(() => new RuleSpec { MinInteractions = 0 }.Build(c, counts)).Message, "filters.minInteractions = 0 must be ≥ 1");
    }

    [TestMethod]
    public void RuleSpec_UnknownGenre_ThrowsListingKnownGenres()
    {
        var ex = Assert.ThrowsExactly<InvalidRetrievalRequestException>(() => new RuleSpec { ExcludeGenres = new[] { "Horror" } }.Build(Catalog()));
        StringAssert.Contains(ex.Message, "Unknown genre 'Horror'; known genres: Action, Comedy, Drama");
    }

    [TestMethod]
    public void RuleSpec_BadGenreOrBoost_MessageNamesTheKey()
    {
        var c = Catalog();
        StringAssert.Contains(Assert.ThrowsExactly<InvalidRetrievalRequestException>(() => new RuleSpec { IncludeGenres = ["Comedy", "Horor"] }.Build(c)).Message,
            "filters.includeGenres: Unknown genre 'Horor'; known genres: Action, Comedy, Drama.");
        StringAssert.Contains(Assert.ThrowsExactly<InvalidRetrievalRequestException>(() => new RuleSpec { Boosts = new Dictionary<string, float> { ["Horor"] = 0.2f } }.Build(c)).Message,
            "filters.boosts: Unknown genre 'Horor'");
        StringAssert.Contains(Assert.ThrowsExactly<InvalidRetrievalRequestException>(() => new RuleSpec { Boosts = new Dictionary<string, float> { ["Comedy"] = 0.1f, ["Drama"] = float.NaN } }.Build(c)).Message,
            "filters.boosts['Drama'] = NaN must be a finite number.");
    }

    [TestMethod]
    public void RuleSpec_GenreOfACatalogueWithoutGenres_SaysItHasNone()
    {
        // A retrieval engine built without item metadata: no genre is known, and "known genres: ." told nothing.
        var bare = new ItemCatalog(0);
        bare.Put(new ItemRecord("a", null, Array.Empty<string>(), null), null);
        var ex = Assert.ThrowsExactly<InvalidRetrievalRequestException>(() => new RuleSpec { IncludeGenres = ["Comedy"] }.Build(bare));
        StringAssert.Contains(ex.Message, "filters.includeGenres: Unknown genre 'Comedy': the catalogue has no genres (its items were loaded without item metadata");
    }

    [TestMethod]
    public void RuleSpec_ReleasedAfterPastReleasedBefore_NamesBothKeys()
    {
        var ex = Assert.ThrowsExactly<InvalidRetrievalRequestException>(() => new RuleSpec { ReleasedAfter = new DateOnly(2000, 1, 1), ReleasedBefore = new DateOnly(1990, 1, 1) }.Build(Catalog()));
        StringAssert.Contains(ex.Message, "filters.releasedAfter 2000-01-01 is after filters.releasedBefore 1990-01-01");
    }

    [TestMethod]
    public void RuleSpec_EmptyInclude_Throws()
    {
        var ex = Assert.ThrowsExactly<InvalidRetrievalRequestException>(() => new RuleSpec { IncludeGenres = Array.Empty<string>() }.Build(Catalog()));
        StringAssert.Contains(ex.Message, "filters.includeGenres is empty");
    }

    [TestMethod]
    public void RuleSpec_ZeroMaxPerGenre_Throws()
    {
        var ex = Assert.ThrowsExactly<InvalidRetrievalRequestException>(() => new RuleSpec { MaxPerGenre = 0 }.Build(Catalog()));
        StringAssert.Contains(ex.Message, "filters.maxPerGenre = 0 must be ≥ 1");
    }
}
