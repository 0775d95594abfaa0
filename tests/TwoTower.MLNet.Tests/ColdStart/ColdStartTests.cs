using TwoTower.MLNet.ColdStart;
using TwoTower.MLNet.Data;
using TwoTower.MLNet.Retrieval.Candidates;

namespace TwoTower.MLNet.Tests.ColdStart;

[TestClass]
public sealed class ColdStartTests
{
    [TestMethod]
    public void AgeBucket_Boundaries_MovieLensBuckets()
    {
        var got = new[] { 17, 18, 24, 25, 34, 35, 44, 45, 49, 50, 55, 56 }.Select(UserGroups.AgeBucket).ToArray();
        CollectionAssert.AreEqual(new[] { "<18", "18-24", "18-24", "25-34", "25-34", "35-44", "35-44", "45-49", "45-49", "50-55", "50-55", "56+" }, got);
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => UserGroups.AgeBucket(-1));
    }

    [TestMethod]
    public void PopularityTable_GroupedUsers_GroupRankingDiffersFromOverall()
    {
        var users = new IdMap("user", new[] { "y1", "y2", "o1" });
        var meta = new UserMetadata(new[] { new UserRecord("y1", 20, null, null, null), new UserRecord("y2", 22, null, null, null), new UserRecord("o1", 60, null, null, null) });
        // young users like item 0; the old user likes items 1 and 2 a lot.
        int[] u = { 0, 1, 2, 2, 2, 2 };
        int[] i = { 0, 0, 1, 1, 2, 1 };
        var t = PopularityTable.Build(3, u, i, users, meta, UserGrouping.AgeBucket, minGroupInteractions: 2);
        CollectionAssert.AreEqual(new[] { 1, 0, 2 }, t.Overall.Order);
        CollectionAssert.AreEqual(new[] { 0, 1, 2 }, t.RankingFor(new UserRecord("new", 19, null, null, null)).Order);
        CollectionAssert.AreEqual(new[] { 1, 2, 0 }, t.RankingFor(new UserRecord("new", 70, null, null, null)).Order);
        Assert.AreSame(t.Overall, t.RankingFor(new UserRecord("new", 40, null, null, null))); // no such group
        Assert.AreSame(t.Overall, t.RankingFor(null));
    }

    [TestMethod]
    public void PopularityTable_GroupTies_OrderedByOverallPopularity_NotItemKey()
    {
        // Found by an audit: items a group never touched (all count 0) were ranked by item key, so a filter reaching into a
        // small group's tail got the catalogue's first ids instead of its popular items.
        var users = new IdMap("user", new[] { "y", "o1", "o2" });
        var meta = new UserMetadata(new[] { new UserRecord("y", 20, null, null, null), new UserRecord("o1", 60, null, null, null), new UserRecord("o2", 61, null, null, null) });
        // The young user saw item 0 twice; the old users made items 3 and 2 popular (3 more than 2); item 1 nobody saw.
        int[] u = { 0, 0, 1, 2, 1, 2, 1 };
        int[] i = { 0, 0, 3, 3, 2, 2, 3 };
        var t = PopularityTable.Build(4, u, i, users, meta, UserGrouping.AgeBucket, minGroupInteractions: 2);
        var young = t.RankingFor(new UserRecord("new", 19, null, null, null));
        CollectionAssert.AreEqual(new[] { 0, 3, 2, 1 }, young.Order);
        Assert.AreEqual(2f, MathF.Floor(young.Counts[0])); // whole counts stay whole
        Assert.IsLessThan(1f, young.Counts[3]);
    }

    [TestMethod]
    public void PopularityTable_SmallGroup_FallsBackToOverall()
    {
        var users = new IdMap("user", new[] { "a" });
        var meta = new UserMetadata(new[] { new UserRecord("a", null, null, "artist", null) });
        var t = PopularityTable.Build(2, new[] { 0 }, new[] { 1 }, users, meta, UserGrouping.Occupation, minGroupInteractions: 2);
        Assert.IsEmpty(t.GroupNames);
    }

    [TestMethod]
    public void PopularityTable_ItemKeyOutOfRange_Throws()
    {
        var ex = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => PopularityTable.Build(2, new[] { 0 }, new[] { 5 }, new IdMap("user", new[] { "a" }), null));
        StringAssert.Contains(ex.Message, "itemKeys[0] must be in [0, 2)");
    }

    [TestMethod]
    public void ContentProjector_VectorsLinearInFeatures_Recovered()
    {
        var genres = new[] { "A", "B" };
        var items = new List<ItemRecord>();
        var rng = new Random(3);
        for (var n = 0; n < 200; n++)
            items.Add(new ItemRecord(n.ToString(), null, rng.Next(3) switch { 0 => new[] { "A" }, 1 => new[] { "B" }, _ => new[] { "A", "B" } },
                rng.Next(4) == 0 ? null : new DateOnly(1925 + rng.Next(75), 1, 1)));
        // Ground truth: v = (genre A share, genre B share, 1 if year known).
        var vectors = items.SelectMany(r => new[] { r.Genres.Contains("A") ? 1f / r.Genres.Count : 0f, r.Genres.Contains("B") ? 1f / r.Genres.Count : 0f, r.ReleaseDate is null ? 0f : 1f }).ToArray();
        var p = ContentItemProjector.Fit(items, vectors, 3, genres, ridge: 1e-4f);
        Assert.AreEqual(200, p.FittedItems);
        var v = p.Project(new ItemRecord("x", null, new[] { "B" }, new DateOnly(1950, 1, 1)));
        Assert.AreEqual(0f, v[0], 1e-3f);
        Assert.AreEqual(1f, v[1], 1e-3f);
        Assert.AreEqual(1f, v[2], 1e-3f);
        // A genre listed twice is the same item: B alone, not half of B.
        CollectionAssert.AreEqual(v, p.Project(new ItemRecord("x", null, new[] { "B", "B" }, new DateOnly(1950, 1, 1))));
        CollectionAssert.AreEqual(p.Project(new ItemRecord("y", null, new[] { "A", "B" }, null)), p.Project(new ItemRecord("y", null, new[] { "A", "B", "A" }, null)));
    }

    [TestMethod]
    public void ContentProjector_NoItemSelected_Throws()
    {
        var ex = Assert.ThrowsExactly<ArgumentException>(() => ContentItemProjector.Fit(new[] { new ItemRecord("1", null, Array.Empty<string>(), null) }, new float[2], 2, Array.Empty<string>(), _ => false));
        StringAssert.Contains(ex.Message, "No item was selected");
    }

    [TestMethod]
    public void BlendFor_FewInteractions_ShrinkageWeights()
    {
        var o = new ColdStartOptions { FewInteractions = 5, Shrinkage = 2f };
        var sources = new[] { new SourceQuota("mf", 10, 2f), new SourceQuota("popularity", 10, 0.25f) };
        var none = o.BlendFor(0, sources)!;
        Assert.AreEqual(4f, none["popularity"]); // effective weight 0.25 × 4 = 1
        Assert.AreEqual(0f, none["mf"]);
        var two = o.BlendFor(2, sources)!;
        Assert.AreEqual(2f, two["popularity"]); // 0.25 × 2 = 0.5
        Assert.AreEqual(0.25f, two["mf"]); // 2 × 0.25 = 0.5
        Assert.IsNull(o.BlendFor(5, sources));
    }

    [TestMethod]
    public void Validate_NonPositiveShrinkage_Throws()
    {
        var ex = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new ColdStartOptions { Shrinkage = 0 }.Validate());
        StringAssert.Contains(ex.Message, "Shrinkage must be a finite number > 0");
    }
}
