using TwoTower.MLNet.Data;
using TwoTower.MLNet.Retrieval.Engine;
using TwoTower.MLNet.Rules;

namespace TwoTower.MLNet.Tests.Retrieval;

[TestClass]
public sealed class RetrievalEngineTests
{
    private static RetrievalEngine Engine(string? state = null, int snapshotEvery = 1000) =>
        RetrievalEngine.Create(RetrievalFixture.Model(), RetrievalFixture.Items(), RetrievalFixture.Users(),
            new RetrievalEngineOptions { IndexSpec = "Flat", StateDirectory = state, SnapshotEvery = snapshotEvery, ProjectionMinInteractions = 0 });

    [TestMethod]
    public void PutItem_TellsWhetherItCreatedTheItem()
    {
        using var e = Engine();
        var vector = (float[])e.Catalog.Get(0)!.Vector!.Clone();
        e.PutItem(new ItemRecord("made-here", "M", [], null), vector, out var created);
        Assert.IsTrue(created);
        e.PutItem(new ItemRecord("made-here", "M2", [], null), vector, out created);
        Assert.IsFalse(created, "a second put replaces");
        Assert.IsTrue(e.RemoveItem("made-here"));
        e.PutItem(new ItemRecord("made-here", "M3", [], null), vector, out created);
        Assert.IsTrue(created, "a put after a remove creates it again");
    }

    [TestMethod]
    public void Recommend_KnownUser_ExcludesSeenAndNamesSources()
    {
        using var e = Engine();
        var r = e.Recommend(new RecommendRequest { UserId = "3", K = 10 });
        Assert.IsTrue(r.KnownUser);
        Assert.IsFalse(r.ColdStart);
        Assert.HasCount(10, r.Items);
        var seen = e.Histories.History("3");
        Assert.IsTrue(r.Items.All(i => Array.BinarySearch(seen, i.Item.Key) < 0));
        Assert.IsTrue(r.Items.All(i => i.Sources.Count > 0 && i.Sources.All(s => s is "mf" or "itemknn" or "popularity")));
        Assert.IsTrue(r.Items.Any(i => i.Sources.Contains("mf")));
    }

    [TestMethod]
    public void DeterministicIndex_TwoEnginesOfOneModel_SameGraphSameAnswers()
    {
        // Parallel HNSW insertion keeps different near-ties from build to build; one thread builds the same graph each time.
        var model = RetrievalFixture.Model(users: 60, items: 3000, dim: 8, seed: 5, perUser: 20);
        RetrievalEngine Build() => RetrievalEngine.Create(model, RetrievalFixture.Items(3000), null,
            new RetrievalEngineOptions { IndexSpec = "HNSW8", DeterministicIndex = true, EfSearch = 10, ProjectionMinInteractions = 0 });
        using var a = Build();
        using var b = Build();
        for (var u = 1; u <= 60; u++)
        {
            var request = new RecommendRequest { UserId = u.ToString(), K = 50 };
            var (ra, rb) = (a.Recommend(request), b.Recommend(request));
            CollectionAssert.AreEqual(ra.Items.Select(i => (i.ItemId, i.Score)).ToArray(), rb.Items.Select(i => (i.ItemId, i.Score)).ToArray(), $"user {u}");
        }
    }

    [TestMethod]
    public void Recommend_UnknownUserNoHistory_PopularityOfItsGroup()
    {
        using var e = Engine();
        var r = e.Recommend(new RecommendRequest { UserId = "nobody", K = 5 });
        Assert.IsFalse(r.KnownUser);
        Assert.IsTrue(r.ColdStart);
        Assert.IsTrue(r.Items.All(i => i.Sources.SequenceEqual(new[] { "popularity" })));
        var order = e.Popularity.Overall.Order.Take(5).ToArray();
        CollectionAssert.AreEqual(order, r.Items.Select(i => i.Item.Key).ToArray());
    }

    [TestMethod]
    public void Recommend_UnknownUserWithOneHistoryItem_BlendsPersonalSources()
    {
        using var e = Engine();
        var r = e.Recommend(new RecommendRequest { UserId = "nobody", K = 10, History = new[] { "4" } });
        Assert.IsTrue(r.ColdStart);
        Assert.AreEqual(1, r.HistoryLength);
        Assert.IsTrue(r.Items.Any(i => !i.Sources.SequenceEqual(new[] { "popularity" })));
        Assert.IsTrue(r.Items.All(i => i.ItemId != "4"));
    }

    [TestMethod]
    public void Create_ColdStartPopularitySourceNotASource_ThrowsListingTheSources()
    {
        var options = new RetrievalEngineOptions { IndexSpec = "Flat", ColdStart = new global::TwoTower.MLNet.ColdStart.ColdStartOptions { PopularitySource = "populr" } };
        var ex = Assert.ThrowsExactly<ArgumentException>(() => RetrievalEngine.Create(RetrievalFixture.Model(), RetrievalFixture.Items(), RetrievalFixture.Users(), options));
        StringAssert.Contains(ex.Message, "ColdStartOptions.PopularitySource 'populr' is not a candidate source of this engine; expected one of: itemknn, mf, popularity.");
        // A plan without the popularity source is a choice, not a mistake: no blend, and the flag says so.
        using var e = RetrievalEngine.Create(RetrievalFixture.Model(), RetrievalFixture.Items(), RetrievalFixture.Users(), new RetrievalEngineOptions
        {
            IndexSpec = "Flat", Generator = new global::TwoTower.MLNet.Retrieval.Candidates.CandidateGeneratorOptions { Sources = [new("mf", 20)] },
        });
        var r = e.Recommend(new RecommendRequest { UserId = "nobody", K = 5 });
        Assert.IsFalse(r.ColdStart);
        Assert.HasCount(5, r.Items);
    }

    [TestMethod]
    public void Recommend_ModelUserWithoutTrainingRows_FoldsInLikeUnknownUser()
    {
        var loaded = RetrievalFixture.Model();
        var seen = loaded.Seen!;
        var ptr = (int[])seen.RowPointers.Clone();
        ptr[1] = 0; // user "1" (key 0) keeps no training rows
        var idx = seen.ColumnIndices[seen.RowPointers[1]..];
        var emptied = new SparseMatrix(seen.Rows, seen.Columns, ptr.Select(p => Math.Max(0, p - seen.RowPointers[1])).ToArray(), idx, new float[idx.Length]);
        using var e = RetrievalEngine.Create(loaded with { Seen = emptied }, RetrievalFixture.Items(), null, new RetrievalEngineOptions { IndexSpec = "Flat" });
        var known = e.Recommend(new RecommendRequest { UserId = "1", K = 10, History = new[] { "4", "9" } });
        var unknown = e.Recommend(new RecommendRequest { UserId = "stranger", K = 10, History = new[] { "4", "9" } });
        Assert.IsTrue(known.KnownUser);
        CollectionAssert.AreEqual(unknown.Items.Select(i => i.ItemId).ToArray(), known.Items.Select(i => i.ItemId).ToArray());
    }

    [TestMethod]
    public void Recommend_IncludeGenreFilter_OnlyThatGenre()
    {
        using var e = Engine();
        var r = e.Recommend(new RecommendRequest { UserId = "2", K = 8, Filters = new RuleSpec { IncludeGenres = new[] { "Comedy" } } });
        Assert.IsNotEmpty(r.Items);
        Assert.IsTrue(r.Items.All(i => i.Item.Record.Genres.Contains("Comedy")));
    }

    [TestMethod]
    public void Recommend_MinInteractions_OnlyItemsWithThatManyTrainingInteractions()
    {
        using var e = Engine();
        var seen = RetrievalFixture.Model().Seen!;
        var counts = new int[seen.Columns];
        for (var u = 0; u < seen.Rows; u++)
            foreach (var i in seen.RowIndices(u)) counts[i]++;
        var minimum = counts.Order().ElementAt(counts.Length / 2); // the median: about half the items pass
        var r = e.Recommend(new RecommendRequest { UserId = "2", K = 10, ExcludeSeen = false, Filters = new RuleSpec { MinInteractions = minimum } });
        Assert.IsNotEmpty(r.Items);
        Assert.IsTrue(r.Items.All(i => counts[i.Item.Key] >= minimum), "every answer has the minimum");
        var unfiltered = e.Recommend(new RecommendRequest { UserId = "2", K = 10, ExcludeSeen = false });
        Assert.IsTrue(unfiltered.Items.Any(i => counts[i.Item.Key] < minimum), "the filter must change the answer for this test to mean anything");
        e.PutItem(new ItemRecord("brand-new", "New", [RetrievalFixture.Genres[0]], new DateOnly(1999, 1, 1)), new float[e.Catalog.Get(0)!.Vector!.Length]);
        Assert.IsFalse(e.Recommend(new RecommendRequest { UserId = "2", K = 50, Filters = new RuleSpec { MinInteractions = 1 } }).Items.Any(i => i.ItemId == "brand-new"), "an item added live has no training interactions");
    }

    [TestMethod]
    public void Recommend_KnownUserOfModelSavedWithoutHistory_ServedByTheModelNotAsColdUser()
    {
        // Without the training history the store knows no items of a trained user: that is no sign the user is cold.
        var loaded = RetrievalFixture.Model() with { Seen = null };
        using var e = RetrievalEngine.Create(loaded, RetrievalFixture.Items(), null, new RetrievalEngineOptions { IndexSpec = "Flat" });
        var r = e.Recommend(new RecommendRequest { UserId = "3", K = 5 });
        Assert.IsTrue(r.KnownUser);
        Assert.IsFalse(r.ColdStart, "a trained user is not cold because the model file kept no history");
        var best = new TwoTower.MLNet.Retrieval.ExactRecommender(loaded.Model).Recommend("3", 1, excludeSeen: false)[0].ItemId;
        Assert.AreEqual(best, r.Items[0].ItemId, "the model's best item for the user leads the answer");
        Assert.IsTrue(r.Items[0].Sources.Contains("mf"));
    }

    [TestMethod]
    public void Recommend_ModelSavedWithoutHistory_DefaultPlanLeavesOutPopularityItCannotCount()
    {
        // Without training interactions every popularity count is 0: its "ranking" is the catalogue's key order.
        var loaded = RetrievalFixture.Model() with { Seen = null };
        using var e = RetrievalEngine.Create(loaded, RetrievalFixture.Items(), null, new RetrievalEngineOptions { IndexSpec = "Flat" });
        var exact = new TwoTower.MLNet.Retrieval.ExactRecommender(loaded.Model);
        foreach (var user in new[] { "stranger", "3" })
        {
            var r = e.Recommend(new RecommendRequest { UserId = user, K = 10 });
            var expected = exact.Recommend(user, 10, excludeSeen: false).Select(x => x.ItemId).ToArray();
            CollectionAssert.AreEqual(expected, r.Items.Select(i => i.ItemId).ToArray(), $"user {user}: the model's own answer");
            Assert.IsTrue(r.Items.All(i => !i.Sources.Contains("popularity")), $"user {user}");
        }
    }

    [TestMethod]
    public void Recommend_MinInteractionsWithoutTrainingHistory_ThrowsSayingWhy()
    {
        using var e = RetrievalEngine.Create(RetrievalFixture.Model() with { Seen = null }, RetrievalFixture.Items(), null, new RetrievalEngineOptions { IndexSpec = "Flat" });
        // A valid request this engine cannot serve (409 over HTTP), not a bad value (400).
        var ex = Assert.ThrowsExactly<RetrievalConflictException>(() => e.Recommend(new RecommendRequest { UserId = "2", Filters = new RuleSpec { MinInteractions = 2 } }));
        StringAssert.Contains(ex.Message, "filters.minInteractions needs the items' interaction counts");
    }

    [TestMethod]
    public void Recommend_UnknownHistoryItem_ThrowsNamingIt()
    {
        using var e = Engine();
        var ex = Assert.ThrowsExactly<InvalidRetrievalRequestException>(() => e.Recommend(new RecommendRequest { UserId = "2", History = new[] { "nope" } }));
        StringAssert.Contains(ex.Message, "history item 'nope' is not in the catalogue");
    }

    [TestMethod]
    public void RecommendAndAppendHistory_NullHistoryEntry_ThrowsNamingThePosition()
    {
        using var e = Engine();
        var ex = Assert.ThrowsExactly<InvalidRetrievalRequestException>(() => e.Recommend(new RecommendRequest { UserId = "2", History = new[] { "1", null! } }));
        StringAssert.Contains(ex.Message, "history[1] is null; expected item ids");
        ex = Assert.ThrowsExactly<InvalidRetrievalRequestException>(() => e.AppendHistory("2", new[] { null!, "1" }));
        StringAssert.Contains(ex.Message, "items[0] is null; expected item ids");
    }

    [TestMethod]
    public void Create_NoItemWithProjectionMinInteractions_StartsWithoutContentProjection()
    {
        // 5 users × 3 items over 30 items: no item reaches the default 5 interactions the content projection asks for.
        using var e = RetrievalEngine.Create(RetrievalFixture.Model(users: 5, items: 30, perUser: 3), RetrievalFixture.Items(), null, new RetrievalEngineOptions { IndexSpec = "Flat" });
        Assert.HasCount(10, e.Recommend(new RecommendRequest { UserId = "1", K = 10 }).Items);
        Assert.IsNull(e.NewItems);
        var ex = Assert.ThrowsExactly<RetrievalConflictException>(() => e.PutItem(new ItemRecord("new", "New", ["Comedy"], null)));
        StringAssert.Contains(ex.Message, "ProjectionMinInteractions");
        e.PutItem(new ItemRecord("new", "New", ["Comedy"], null), new float[4]);
    }

    [TestMethod]
    public void PutItem_WithoutVector_ProjectedFromContentAndSearchable()
    {
        using var e = Engine();
        var item = e.PutItem(new ItemRecord("new-1", "Brand New", new[] { "Drama" }, new DateOnly(1995, 5, 5)));
        Assert.AreEqual(30, item.Key);
        Assert.IsNotNull(item.Vector);
        CollectionAssert.AreEqual(e.NewItems!.Embed(item.Record), item.Vector);
        var similar = e.Similar("new-1", 5);
        Assert.HasCount(5, similar);
        Assert.IsTrue(similar.All(s => s.ItemId != "new-1"));
        Assert.AreEqual(31, e.Index!.Count);
        Assert.IsTrue(e.Similar("3", 30).Any(s => s.ItemId == "new-1"));
    }

    [TestMethod]
    public void PutItem_SameVectorAgain_IndexUntouched()
    {
        // Each PUT of a live item removed its vector from the index and added it back: a catalogue re-sent unchanged grew
        // the index by a tombstone per item every time, and readers between the two steps did not find the item at all.
        using var hnsw = RetrievalEngine.Create(RetrievalFixture.Model(), RetrievalFixture.Items(), null,
            new RetrievalEngineOptions { IndexSpec = "HNSW16", ProjectionMinInteractions = 0 });
        var nodes = ((TwoTower.MLNet.Index.Hnsw.HnswIndex)hnsw.Index!).NodeCount;
        var item = hnsw.Catalog.GetLive("2")!;
        for (var i = 0; i < 50; i++)
            hnsw.PutItem(item.Record with { Title = $"Retitled {i}" }, (float[])item.Vector!.Clone());
        Assert.AreEqual(nodes, ((TwoTower.MLNet.Index.Hnsw.HnswIndex)hnsw.Index!).NodeCount, "same vector: no tombstones");
        Assert.AreEqual("Retitled 49", hnsw.Catalog.GetLive("2")!.Record.Title);
        // Content-projected (no vector sent): a title-only change projects to the same vector.
        var projected = hnsw.PutItem(new ItemRecord("new-1", "A", new[] { "Drama" }, new DateOnly(1995, 5, 5)));
        nodes = ((TwoTower.MLNet.Index.Hnsw.HnswIndex)hnsw.Index!).NodeCount;
        hnsw.PutItem(projected.Record with { Title = "B" });
        Assert.AreEqual(nodes, ((TwoTower.MLNet.Index.Hnsw.HnswIndex)hnsw.Index!).NodeCount);
        // A new vector still replaces the old one.
        var moved = item.Vector!.Select(v => -v).ToArray();
        hnsw.PutItem(item.Record, moved);
        Assert.AreEqual(31, hnsw.Index!.Count);
        var hit = hnsw.Index.Search(moved, 1);
        Assert.AreEqual(hnsw.Catalog.GetLive("2")!.Key, (int)hit.IdsOf(0)[0]);
    }

    [TestMethod]
    [DataRow("HNSW16")]
    [DataRow("Flat")]
    [DataRow("IVF4,Flat")]
    public void PutItem_NewVectorsOverAndOver_IndexCompactsItsTombstones(string spec)
    {
        // Every PUT with a new vector tombstones the old one: without compaction a feed re-sending fresh vectors grew
        // the index without bound (300 PUTs of one item left 300 dead vectors beside 30 live ones).
        using var e = RetrievalEngine.Create(RetrievalFixture.Model(), RetrievalFixture.Items(), null,
            new RetrievalEngineOptions { IndexSpec = spec, ProjectionMinInteractions = 0 });
        var item = e.Catalog.GetLive("2")!;
        var rng = new Random(7);
        float[] last = [];
        for (var i = 0; i < 300; i++)
        {
            last = item.Vector!.Select(v => v + (float)(rng.NextDouble() - 0.5)).ToArray();
            e.PutItem(item.Record, last);
            // The put returns before the compaction it started ends (it runs in the background).
            e.WaitForIndexCompaction();
            Assert.IsLessThanOrEqualTo(0.25 * e.Index!.Count, e.Index.RemovedCount, $"tombstones after put {i}");
        }
        Assert.IsTrue(e.RemoveItem("3"));
        Assert.AreEqual(29, e.Index!.Count);
        var hit = e.Index.Search(last, 1, new TwoTower.MLNet.Index.SearchOptions { EfSearch = 64, NProbe = 4 });
        Assert.AreEqual(e.Catalog.GetLive("2")!.Key, (int)hit.IdsOf(0)[0], "the latest vector is found after compactions");
    }

    [TestMethod]
    public void RemoveItem_ManyItems_IndexCompactsOnceTombstonesPassTheShare()
    {
        using var e = RetrievalEngine.Create(RetrievalFixture.Model(), RetrievalFixture.Items(), null,
            new RetrievalEngineOptions { IndexSpec = "HNSW16", ProjectionMinInteractions = 0, CompactIndexAtRemovedShare = 0.5f });
        var hnsw = (TwoTower.MLNet.Index.Hnsw.HnswIndex)e.Index!;
        for (var i = 1; i <= 10; i++) Assert.IsTrue(e.RemoveItem(i.ToString()));
        // 10 tombstones beside 20 live vectors: at most half, not compacted yet.
        Assert.AreEqual(10, hnsw.RemovedCount);
        Assert.AreEqual(30, hnsw.NodeCount);
        Assert.IsTrue(e.RemoveItem("11"));
        e.WaitForIndexCompaction();
        Assert.AreEqual(0, hnsw.RemovedCount, "11 tombstones beside 19 live vectors pass the share 0.5");
        Assert.AreEqual(19, hnsw.NodeCount);
        var all = hnsw.Search(e.Catalog.GetLive("20")!.Vector!, 30);
        Assert.AreEqual(19, all.IdsOf(0).ToArray().Count(id => id >= 0));
    }

    [TestMethod]
    public void Create_CompactShareNegativeOrNaN_ThrowsNamingTheOption()
    {
        foreach (var share in new[] { -0.1f, float.NaN, float.PositiveInfinity })
        {
            var ex = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => RetrievalEngine.Create(RetrievalFixture.Model(), RetrievalFixture.Items(), null,
                new RetrievalEngineOptions { IndexSpec = "Flat", CompactIndexAtRemovedShare = share }));
            StringAssert.Contains(ex.Message, "CompactIndexAtRemovedShare");
        }
    }

    [TestMethod]
    public void Create_NullColdStartOptions_ThrowsNamingTheOption()
    {
        var ex = Assert.ThrowsExactly<ArgumentNullException>(() => RetrievalEngine.Create(RetrievalFixture.Model(), RetrievalFixture.Items(), null,
            new RetrievalEngineOptions { IndexSpec = "Flat", ColdStart = null! }));
        Assert.AreEqual("ColdStart", ex.ParamName);
    }

    [TestMethod]
    public void PutItem_SameVectorAgainWhileSearching_ItemNeverMissing()
    {
        using var e = Engine();
        var flatItem = e.Catalog.GetLive("2")!;
        var missing = 0;
        using var cts = new CancellationTokenSource();
        var reader = Task.Run(() =>
        {
            while (!cts.IsCancellationRequested)
                if (e.Similar("1", 29).All(s => s.ItemId != "2")) Interlocked.Increment(ref missing);
        });
        for (var i = 0; i < 3000; i++) e.PutItem(flatItem.Record, (float[])flatItem.Vector!.Clone());
        cts.Cancel();
        reader.Wait();
        Assert.AreEqual(0, missing, "searches that missed a live item being re-put unchanged");
    }

    [TestMethod]
    [DataRow("Flat")]
    [DataRow("HNSW16")]
    public void PutItem_NewVectorsWhileSearching_ItemNeverMissing(string spec)
    {
        // The index's Remove then Add of a changed vector hid the item from searches that ran between the two calls.
        using var e = RetrievalEngine.Create(RetrievalFixture.Model(), RetrievalFixture.Items(), RetrievalFixture.Users(),
            new RetrievalEngineOptions { IndexSpec = spec, ProjectionMinInteractions = 0 });
        var item = e.Catalog.GetLive("2")!;
        var vectors = new[] { (float[])item.Vector!.Clone(), e.Catalog.GetLive("9")!.Vector!.Select(v => 0.9f * v).ToArray() };
        var user = Enumerable.Range(1, 20).Select(u => u.ToString())
            .First(u => e.Recommend(new RecommendRequest { UserId = u, K = 30 }).Items.Any(i => i.ItemId == "2"));
        int missing = 0, searches = 0;
        using var cts = new CancellationTokenSource();
        var reader = Task.Run(() =>
        {
            while (!cts.IsCancellationRequested)
            {
                if (e.Similar("1", 29).All(s => s.ItemId != "2")) Interlocked.Increment(ref missing);
                if (e.Recommend(new RecommendRequest { UserId = user, K = 30 }).Items.All(i => i.ItemId != "2")) Interlocked.Increment(ref missing);
                Interlocked.Increment(ref searches);
            }
        });
        var deadline = DateTime.UtcNow.AddSeconds(1.5);
        for (var i = 0; DateTime.UtcNow < deadline; i++) e.PutItem(item.Record, vectors[(i + 1) % 2]);
        cts.Cancel();
        reader.Wait();
        Assert.AreEqual(0, missing, $"{spec}: searches that missed a live item whose vector was being changed");
        Assert.IsGreaterThan(10, searches);
        e.WaitForIndexCompaction();
        Assert.AreEqual(30, e.Index!.Count);
        Assert.IsLessThanOrEqualTo(0.25f * 30, e.Index.RemovedCount, "the engine compacts the replaced vectors' tombstones");
    }

    [TestMethod]
    public void PutItem_NewVectorOfAnItemItsSharedIndexLostOutside_StoredAgain()
    {
        // A shared index (a pgvector table) can lose a row to someone else; Replace then threw KeyNotFoundException after
        // the put was logged and the catalogue changed.
        TwoTower.MLNet.Index.IVectorIndex? shared = null;
        using var e = RetrievalEngine.Create(RetrievalFixture.Model(), RetrievalFixture.Items(), null, new RetrievalEngineOptions
        {
            ProjectionMinInteractions = 0,
            CreateIndex = d => shared = TwoTower.MLNet.Index.IndexFactory.Create("Flat", d, TwoTower.MLNet.Index.VectorMetric.InnerProduct),
        });
        var item = e.Catalog.GetLive("2")!;
        Assert.IsTrue(shared!.Remove(item.Key), "removed behind the engine's back");
        var moved = item.Vector!.Select(v => -v).ToArray();
        e.PutItem(item.Record, moved);
        Assert.AreEqual(30, shared.Count);
        Assert.AreEqual(item.Key, (int)shared.Search(moved, 1).IdsOf(0)[0]);
    }

    [TestMethod]
    public void Similar_RulesWithBoostsOrACap_AppliedAsInRecommend()
    {
        // Similar applied the filters only: a cap or a boost passed in was dropped while the answer looked ruled (then refused).
        using var e = Engine();
        var drama = e.Catalog.GenreMask(new[] { "Drama" });
        var plain = e.Similar("1", 29);
        Assert.IsTrue(e.Similar("1", 10, new RuleSet(new IItemFilterRule[] { new GenreExcludeRule(drama) })).All(s => (s.Item.GenreMask & drama) == 0));

        // Cap 1 per genre: the nearest neighbours, skipping any whose genre is already listed (items without genre count as one group).
        var capped = e.Similar("1", 10, new RuleSet(Array.Empty<IItemFilterRule>(), maxPerGenre: 1));
        var expected = new List<string>();
        var used = 0UL;
        var noGenre = false;
        foreach (var s in plain)
        {
            var mask = s.Item.GenreMask;
            if (mask == 0 ? noGenre : (mask & used) != 0) continue;
            if (mask == 0) noGenre = true; else used |= mask;
            expected.Add(s.ItemId);
            if (expected.Count == 10) break;
        }
        CollectionAssert.AreEqual(expected, capped.Select(s => s.ItemId).ToList());

        // A boost of 100 puts every drama first, in their own order, with the boost in the score.
        var boosted = e.Similar("1", 5, new RuleSet(Array.Empty<IItemFilterRule>(), new[] { new GenreBoost(drama, 100f) }));
        var dramas = plain.Where(s => (s.Item.GenreMask & drama) != 0).Take(5).ToList();
        CollectionAssert.AreEqual(dramas.Select(s => s.ItemId).ToList(), boosted.Select(s => s.ItemId).ToList());
        Assert.AreEqual(dramas[0].Score + 100f, boosted[0].Score, 1e-3f);
    }

    [TestMethod]
    public void Similar_KPastTheCatalogueWithRules_ListsWhatTheCatalogueHas()
    {
        // A k past the catalogue is allowed (fewer come back), but the rules' pool of 4·k wrapped around int for k ≥ 2^29 and
        // the search refused it as 'k must be ≥ 1'; without rules the search allocated k results whatever the catalogue.
        using var e = Engine();
        var all = e.Similar("1", e.Catalog.LiveCount);
        var capped = new RuleSet(Array.Empty<IItemFilterRule>(), maxPerGenre: 1);
        var boosted = new RuleSet(Array.Empty<IItemFilterRule>(), new[] { new GenreBoost(e.Catalog.GenreMask(new[] { "Drama" }), 1f) });
        foreach (var k in new[] { 1 << 29, int.MaxValue / 2, int.MaxValue })
        {
            CollectionAssert.AreEqual(e.Similar("1", e.Catalog.LiveCount, capped).Select(s => s.ItemId).ToList(), e.Similar("1", k, capped).Select(s => s.ItemId).ToList(), $"cap, k {k}");
            Assert.HasCount(all.Count, e.Similar("1", k, boosted), $"boost, k {k}");
            Assert.HasCount(all.Count, e.Similar("1", k), $"no rules, k {k}");
        }
    }

    [TestMethod]
    public void RemoveItem_ThenRecommend_NeverReturned()
    {
        using var e = Engine();
        var top = e.Recommend(new RecommendRequest { UserId = "nobody", K = 1 }).Items[0].ItemId;
        Assert.IsTrue(e.RemoveItem(top));
        Assert.IsFalse(e.RemoveItem(top));
        for (var u = 1; u <= 20; u++)
            Assert.IsTrue(e.Recommend(new RecommendRequest { UserId = u.ToString(), K = 20 }).Items.All(i => i.ItemId != top));
        Assert.ThrowsExactly<UnknownItemException>(() => e.Similar(top, 3));
    }

    [TestMethod]
    [DataRow("")]
    [DataRow(" ")]
    public void PutItem_BlankGenre_RefusedAndTheStateFolderStillOpens(string genre)
    {
        // The catalogue took the blank genre; the next snapshot wrote it into the genre vocabulary, whose replay refuses blank
        // names: the server no longer started ("State folder ... does not fit this model").
        var dir = TestPaths.TempDir();
        var vector = Enumerable.Repeat(0.5f, 4).ToArray();
        using (var e = Engine(dir))
        {
            var ex = Assert.ThrowsExactly<InvalidRetrievalRequestException>(() => e.PutItem(new ItemRecord("n1", "New", new[] { "Action", genre }, null), vector));
            StringAssert.Contains(ex.Message, "genre");
            e.Snapshot();
        }
        using (var e = Engine(dir))
            Assert.IsNull(e.Catalog.GetLive("n1"));
        Directory.Delete(dir, true);
    }

    [TestMethod]
    [DataRow("item id")]
    [DataRow("title")]
    [DataRow("genre")]
    [DataRow("user id")]
    public void Update_TextWithAnUnpairedSurrogate_RefusedAndNothingIsLogged(string field)
    {
        // The log's JSON writes an unpaired UTF-16 surrogate as U+FFFD: the update was acknowledged, and a restart brought it
        // back under another id, title or genre (the item "a\uD800" came back as "a\uFFFD", its history under another user).
        var dir = TestPaths.TempDir();
        var vector = Enumerable.Repeat(0.5f, 4).ToArray();
        const string bad = "a\uD800";
        using (var e = Engine(dir))
        {
            Action write = field switch
            {
                "item id" => () => e.PutItem(new ItemRecord(bad, "New", [], null), vector),
                "title" => () => e.PutItem(new ItemRecord("n1", bad, [], null), vector),
                "genre" => () => e.PutItem(new ItemRecord("n1", "New", ["Action", bad], null), vector),
                _ => () => e.AppendHistory(bad, ["1"]),
            };
            var ex = Assert.ThrowsExactly<InvalidRetrievalRequestException>(write);
            StringAssert.Contains(ex.Message, $"{field} has an unpaired UTF-16 surrogate");
            Assert.IsNull(e.Catalog.GetLive("n1"), "nothing was applied");
            Assert.IsEmpty(e.Histories.History(bad), "no history was kept");
        }
        using (var e = Engine(dir))
            Assert.AreEqual(0, e.RecoveredUpdates, "nothing was logged");
        Directory.Delete(dir, true);
    }

    [TestMethod]
    public void Restart_AfterUpdates_KeepsEveryAcknowledgedUpdate()
    {
        foreach (var snapshotEvery in new[] { 1000, 2 })
        {
            var dir = TestPaths.TempDir();
            float[] vector;
            using (var e = Engine(dir, snapshotEvery))
            {
                vector = e.PutItem(new ItemRecord("n1", "New One", new[] { "Action", "Western" }, null)).Vector!;
                e.PutItem(new ItemRecord("5", "Renamed Five", new[] { "Comedy" }, new DateOnly(2001, 1, 1)), Enumerable.Repeat(0.5f, 4).ToArray());
                e.RemoveItem("6");
                e.AppendHistory("newbie", new[] { "n1", "7" });
                e.AppendHistory("1", new[] { "8" });
            }
            using (var e = Engine(dir, snapshotEvery))
            {
                // With a snapshot every 2 records, the snapshot holds the net state (3 items, 1 user) and the log the last record.
                Assert.AreEqual(5, e.RecoveredUpdates, $"snapshotEvery {snapshotEvery}");
                Assert.AreEqual(snapshotEvery == 2, File.Exists(Path.Combine(dir, TwoTower.MLNet.Retrieval.Updates.UpdateLog.SnapshotFile)));
                var n1 = e.Catalog.GetLive("n1")!;
                CollectionAssert.AreEqual(vector, n1.Vector);
                CollectionAssert.AreEqual(new[] { "Action", "Western" }, n1.Record.Genres.ToArray());
                Assert.AreEqual("Renamed Five", e.Catalog.GetLive("5")!.Record.Title);
                CollectionAssert.AreEqual(Enumerable.Repeat(0.5f, 4).ToArray(), e.Catalog.GetLive("5")!.Vector);
                Assert.IsNull(e.Catalog.GetLive("6"));
                CollectionAssert.AreEqual(new[] { e.Catalog.GetLive("7")!.Key, n1.Key }, e.Histories.History("newbie"));
                Assert.IsTrue(e.Histories.History("1").Contains(e.Catalog.GetLive("8")!.Key));
                Assert.AreEqual(30, e.Index!.Count);
            }
            Directory.Delete(dir, true);
        }
    }

    [TestMethod]
    public void Restart_FromASnapshot_KeepsARemovedNewItemInTheHistoriesThatNameIt()
    {
        var dir = TestPaths.TempDir();
        using (var e = Engine(dir))
        {
            e.PutItem(new ItemRecord("X", "Ex", new[] { "Action" }, null), Enumerable.Repeat(0.25f, 4).ToArray());
            e.AppendHistory("3", new[] { "X" });
            e.RemoveItem("X");
            e.Snapshot();
        }
        using (var e = Engine(dir))
        {
            // The snapshot once held only "remove X", which replay ignored, and the history then lost X.
            Assert.IsTrue(e.Catalog.TryGetKey("X", out var x));
            Assert.IsNull(e.Catalog.GetLive("X"));
            CollectionAssert.Contains(e.Histories.History("3"), x);
            Assert.AreEqual(30, e.Index!.Count);
            e.PutItem(new ItemRecord("X", "Ex", new[] { "Action" }, null), Enumerable.Repeat(0.25f, 4).ToArray());
            Assert.IsTrue(e.Recommend(new RecommendRequest { UserId = "3", K = 30 }).Items.All(i => i.ItemId != "X"), "a seen item came back");
        }
        Directory.Delete(dir, true);
    }

    [TestMethod]
    public void Restart_FromASnapshot_SameGenresKeysAndAnswersAsBefore()
    {
        // The snapshot once listed the changed items by id and dropped genres no item carried any more: new items came
        // back under other keys (ties and index ids changed order) and a filter naming a dropped genre became a 400.
        var dir = TestPaths.TempDir();
        static float[] Vector(Random rng) => Enumerable.Range(0, 4).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
        string Answers(RetrievalEngine e)
        {
            var lines = new List<string> { string.Join(",", e.Catalog.Genres) };
            lines.AddRange(new[] { "b", "a", "c", "w0", "w1" }.Select(id => $"{id} {(e.Catalog.TryGetKey(id, out var k) ? k : -1)}"));
            foreach (var user in new[] { "1", "newbie", "stranger" })
                foreach (var filters in new[] { null, new RuleSpec { IncludeGenres = new[] { "G1", "G2", "G3", "Drama" } } })
                    lines.Add(string.Join(" ", e.Recommend(new RecommendRequest { UserId = user, K = 33, Filters = filters }).Items.Select(i => $"{i.ItemId}:{i.Score:R}")));
            return string.Join("\n", lines);
        }
        string before;
        using (var e = Engine(dir))
        {
            var rng = new Random(3);
            e.PutItem(new ItemRecord("b", "B", new[] { "G1" }, null), Vector(rng));
            e.PutItem(new ItemRecord("a", "A", new[] { "G2" }, null), Vector(rng));
            e.PutItem(new ItemRecord("c", "C", new[] { "G3" }, null), Vector(rng));
            e.PutItem(new ItemRecord("c", "C", new[] { "Comedy" }, null), Vector(rng)); // G3 is left on no item
            for (var i = 0; i < 50; i++)
            {
                var id = "w" + rng.Next(3);
                if (rng.NextDouble() < 0.6) e.PutItem(new ItemRecord(id, id, new[] { "Drama" }, null), Vector(rng));
                else e.RemoveItem(id);
            }
            e.AppendHistory("newbie", new[] { "a", "b", "w1" });
            before = Answers(e);
            e.Snapshot();
        }
        using (var e = Engine(dir))
        {
            Assert.AreEqual(before, Answers(e));
            CollectionAssert.AreEqual(new[] { "G1", "G2", "G3" }, e.Catalog.Genres.TakeLast(3).ToArray(), "genre order");
        }
        Directory.Delete(dir, true);
    }

    [TestMethod]
    public void Write_SnapshotCannotBeWritten_WriteSucceedsAndIsKept()
    {
        // A failed snapshot (a full disk) once failed the write that triggered it, and every later one, though each
        // was logged and applied: the service answered 500 for writes it had done.
        var dir = TestPaths.TempDir();
        var snapshot = Path.Combine(dir, TwoTower.MLNet.Retrieval.Updates.UpdateLog.SnapshotFile);
        Directory.CreateDirectory(snapshot); // the rename over it fails
        using (var e = Engine(dir, snapshotEvery: 2))
        {
            for (var i = 1; i <= 5; i++) e.AppendHistory("newbie", new[] { i.ToString() });
            Assert.ThrowsExactly<IOException>(e.Snapshot, "an explicit snapshot still reports its failure");
        }
        Directory.Delete(snapshot);
        using (var e = Engine(dir, snapshotEvery: 2))
        {
            Assert.AreEqual(5, e.RecoveredUpdates);
            Assert.HasCount(5, e.Histories.History("newbie"));
        }
        Directory.Delete(dir, true);
    }

    [TestMethod]
    public void Create_StateFolderWithAnUnknownRecord_FailsAndLetsTheFolderGo()
    {
        // An error other than a misfit vector used to leave the folder locked (and the index open) until the finalizer ran.
        var dir = TestPaths.TempDir();
        var log = Path.Combine(dir, TwoTower.MLNet.Retrieval.Updates.UpdateLog.LogFile);
        File.WriteAllText(log, "{\"op\":\"rename-item\",\"itemId\":\"1\"}\n");
        var ex = Assert.ThrowsExactly<InvalidDataException>(() => Engine(dir));
        StringAssert.Contains(ex.Message, "op 'rename-item' is incomplete or unknown");
        File.WriteAllText(log, "");
        using (var e = Engine(dir)) Assert.AreEqual(0, e.RecoveredUpdates);
        Directory.Delete(dir, true);
    }

    [TestMethod]
    public void ConcurrentReadsDuringWrites_NoErrorsAndOnlyCatalogueItems()
    {
        using var e = Engine();
        var errors = 0;
        using var cts = new CancellationTokenSource();
        var readers = Enumerable.Range(0, 2).Select(t => Task.Run(() =>
        {
            var u = t;
            while (!cts.IsCancellationRequested)
            {
                try
                {
                    var r = e.Recommend(new RecommendRequest { UserId = (u++ % 25).ToString(), K = 10 });
                    if (r.Items.Any(i => !e.Catalog.TryGetKey(i.ItemId, out _))) Interlocked.Increment(ref errors);
                }
                catch (Exception)
                {
                    Interlocked.Increment(ref errors);
                }
            }
        })).ToArray();
        for (var i = 0; i < 200; i++)
        {
            e.PutItem(new ItemRecord("live-" + i, null, new[] { RetrievalFixture.Genres[i % 3] }, new DateOnly(1999, 1, 1)));
            if (i % 3 == 0) e.RemoveItem("live-" + (i / 2));
        }
        cts.Cancel();
        Task.WaitAll(readers);
        Assert.AreEqual(0, errors);
    }
}
