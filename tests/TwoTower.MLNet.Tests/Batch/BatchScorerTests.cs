using TwoTower.MLNet.Batch;
using TwoTower.MLNet.Data;
using TwoTower.MLNet.Tests.Evaluation;

namespace TwoTower.MLNet.Tests.Batch;

[TestClass]
public sealed class BatchScorerTests
{
    // Users u0..u2, items i0..i3; u0 has seen i1 and i2.
    private static readonly FixedScoresModel Model = new(new IdMap("user", ["u0", "u1", "u2"]), new IdMap("item", ["i0", "i1", "i2", "i3"]), new float[,]
    {
        { 0.1f, 0.9f, 0.8f, 0.3f },
        { 0.5f, 0.4f, 0.6f, 0.7f },
        { 0.2f, 0.2f, 0.9f, 0.1f },
    });

    private static readonly SparseMatrix Seen = new(3, 4, [0, 2, 2, 2], [1, 2], [1f, 1f]);

    private static string[] Rows(BatchRecommendations r) =>
        Enumerable.Range(0, r.Count).Select(i => $"{r.UserIds[i]} {r.Ranks[i]} {r.ItemIds[i]} {r.Scores[i]:0.0}").ToArray();

    [TestMethod]
    public void Score_WritesEachUsersTopKBestFirstWithRanks()
    {
        var result = BatchScorer.Score(Model, null, ["u1", "u0"], new BatchScoringOptions { K = 2, BlockSize = 1 });
        CollectionAssert.AreEqual(new[] { "u1 1 i3 0.7", "u1 2 i2 0.6", "u0 1 i1 0.9", "u0 2 i2 0.8" }, Rows(result.Recommendations));
        Assert.AreEqual(2, result.Users);
    }

    [TestMethod]
    public void Score_ExcludeSeen_LeavesOutTrainingItems()
    {
        var result = BatchScorer.Score(Model, Seen, ["u0"], new BatchScoringOptions { K = 3, ExcludeSeen = true });
        CollectionAssert.AreEqual(new[] { "u0 1 i3 0.3", "u0 2 i0 0.1" }, Rows(result.Recommendations), "only two unseen items are left, so the list is shorter than k");
        var ex = Assert.ThrowsExactly<InvalidOperationException>(() => BatchScorer.Score(Model, null, ["u0"], new BatchScoringOptions { ExcludeSeen = true }));
        // No file is involved here: the message names both ways the seen items go missing.
        StringAssert.Contains(ex.Message, "no seen matrix was passed");
    }

    [TestMethod]
    public void Score_KLargerThanCatalogue_ListsEveryItem()
    {
        var result = BatchScorer.Score(Model, null, ["u2"], new BatchScoringOptions { K = 100 });
        // Ties go to the lower item index.
        CollectionAssert.AreEqual(new[] { "u2 1 i2 0.9", "u2 2 i0 0.2", "u2 3 i1 0.2", "u2 4 i3 0.1" }, Rows(result.Recommendations));
    }

    [TestMethod]
    public void Score_UnknownUsers_FollowThePolicy()
    {
        var cold = BatchScorer.Score(Model, null, ["u0", "new"], new BatchScoringOptions { K = 1 });
        CollectionAssert.AreEqual(new[] { "u0 1 i1 0.9", "new 1 i0 0.0" }, Rows(cold.Recommendations));
        Assert.AreEqual(1, cold.ColdStartUsers);

        var skip = BatchScorer.Score(Model, null, ["new", "u0"], new BatchScoringOptions { K = 1, UnknownUsers = UnknownUserPolicy.Skip });
        CollectionAssert.AreEqual(new[] { "u0 1 i1 0.9" }, Rows(skip.Recommendations));
        Assert.AreEqual((1, 1), (skip.Users, skip.SkippedUsers));

        var ex = Assert.ThrowsExactly<ArgumentException>(() => BatchScorer.Score(Model, null, ["u0", "x", "y"], new BatchScoringOptions { UnknownUsers = UnknownUserPolicy.Fail }));
        StringAssert.Contains(ex.Message, "2 user id(s) are not known to the model, e.g. 'x', 'y'");
    }

    [TestMethod]
    public void Score_VeryLongUnknownIdUnderFail_MessageShowsItsStartOnly()
    {
        // The message quoted each example whole: a 5 MB id made a 5 MB error line in the job's log.
        var id = "long" + new string('x', 100_000);
        var ex = Assert.ThrowsExactly<ArgumentException>(() => BatchScorer.Score(Model, null, ["u0", id], new BatchScoringOptions { UnknownUsers = UnknownUserPolicy.Fail }));
        StringAssert.Contains(ex.Message, $"1 user id(s) are not known to the model, e.g. '{id[..64]}…' (100004 characters)");
        Assert.IsLessThan(400, ex.Message.Length, ex.Message[..Math.Min(400, ex.Message.Length)]);
    }

    [TestMethod]
    public void Score_RepeatedIds_ScoredOnce()
    {
        var result = BatchScorer.Score(Model, null, ["u1", "u0", "u1", "u1"], new BatchScoringOptions { K = 1 });
        CollectionAssert.AreEqual(new[] { "u1 1 i3 0.7", "u0 1 i1 0.9" }, Rows(result.Recommendations));
        Assert.AreEqual(2, result.DuplicateUsers);
    }

    [TestMethod]
    public void Score_ShardsTogether_EqualOneRun()
    {
        var users = Enumerable.Range(0, 40).Select(i => $"u{i % 3}{(i < 3 ? "" : "-" + i)}").ToArray();
        var whole = BatchScorer.Score(Model, null, users, new BatchScoringOptions { K = 2, BlockSize = 7 });
        var byUser = Rows(whole.Recommendations).GroupBy(r => r.Split(' ')[0]).ToDictionary(g => g.Key, g => g.ToArray());
        var seenUsers = new HashSet<string>();
        for (var s = 0; s < 3; s++)
        {
            var part = BatchScorer.Score(Model, null, users, new BatchScoringOptions { K = 2, Shard = s, ShardCount = 3 });
            foreach (var g in Rows(part.Recommendations).GroupBy(r => r.Split(' ')[0]))
            {
                Assert.IsTrue(seenUsers.Add(g.Key), $"{g.Key} is in two shards");
                CollectionAssert.AreEqual(byUser[g.Key], g.ToArray());
            }
        }
        Assert.HasCount(whole.Users, seenUsers);
    }

    [TestMethod]
    public void Score_AnyThreadCountOrBlockSize_SameRows()
    {
        var users = Enumerable.Range(0, 50).Select(i => i % 4 == 3 ? $"new{i}" : $"u{i % 3}-{i}").Append("u0").Append("u2").ToArray();
        var one = Rows(BatchScorer.Score(Model, null, users, new BatchScoringOptions { K = 3, Threads = 1 }).Recommendations);
        foreach (var (threads, block) in new[] { (2, 1), (2, 7), (3, 5), (0, 256) })
            CollectionAssert.AreEqual(one, Rows(BatchScorer.Score(Model, null, users, new BatchScoringOptions { K = 3, Threads = threads, BlockSize = block }).Recommendations), $"threads {threads}, block {block}");
    }

    [TestMethod]
    public void Prepare_SmallChunks_ScoreLazilyAndEqualOneChunk()
    {
        var users = Enumerable.Range(0, 23).Select(i => $"u{i % 3}-{i}").ToArray();
        var whole = Rows(BatchScorer.Score(Model, null, users, new BatchScoringOptions { K = 2 }).Recommendations);
        var progress = new List<int>();
        var run = BatchScorer.Prepare(Model, null, users, new BatchScoringOptions { K = 2, BlockSize = 2, RowsPerChunk = 10, Threads = 2 },
            new TwoTower.MLNet.Training.SynchronousProgress<BatchScoringProgress>(p => progress.Add(p.UsersScored)));
        Assert.AreEqual((2, 4), (run.Block, run.ChunkUsers), "10 rows at k 2 = 5 users, rounded down to whole blocks of 2");
        Assert.IsEmpty(progress, "nothing is scored before the chunks are asked for");
        var chunks = run.Chunks().ToList();
        Assert.HasCount(6, chunks);
        CollectionAssert.AreEqual(whole, chunks.SelectMany(Rows).ToArray());
        Assert.AreEqual(23, progress.Max());
        CollectionAssert.AreEqual(progress.Order().ToList(), progress, "progress counts users scored, so it only grows");
    }

    [TestMethod]
    public void Prepare_KTimesBlockPastRowsPerChunk_ChunksStayWithinRowsPerChunk()
    {
        // A chunk was at least one whole block: 23 users × k 2 = 46 rows against RowsPerChunk 4 (at a real k of the whole
        // catalogue, 256 users × 20,000 items: 5 million rows instead of the one million the memory figure counts on).
        var users = Enumerable.Range(0, 23).Select(i => $"u{i % 3}-{i}").ToArray();
        var whole = Rows(BatchScorer.Score(Model, null, users, new BatchScoringOptions { K = 2 }).Recommendations);
        var run = BatchScorer.Prepare(Model, null, users, new BatchScoringOptions { K = 2, RowsPerChunk = 4, Threads = 2 });
        Assert.AreEqual((2, 2), (run.Block, run.ChunkUsers), "4 rows at k 2 = 2 users a block and a chunk");
        var chunks = run.Chunks().ToList();
        Assert.IsTrue(chunks.All(c => c.Count <= 4), string.Join(", ", chunks.Select(c => c.Count)));
        CollectionAssert.AreEqual(whole, chunks.SelectMany(Rows).ToArray());
    }

    [TestMethod]
    public void Score_ModelError_ReachesTheCallerUnwrapped()
    {
        var ex = Assert.ThrowsExactly<InvalidOperationException>(() => BatchScorer.Score(new FailingModel(), null, ["u0", "u1", "u2"], new BatchScoringOptions { Threads = 2, BlockSize = 1 }));
        Assert.AreEqual("scoring failed", ex.Message);
    }

    private sealed class FailingModel : TwoTower.MLNet.Models.IRecommender
    {
        public string ModelType => "failing";
        public IdMap Users => Model.Users;
        public IdMap Items => Model.Items;
        public void Score(ReadOnlySpan<int> userKeys, Span<float> scores) => throw new InvalidOperationException("scoring failed");
        public void Save(TwoTower.MLNet.Persistence.ModelContainerWriter writer) => throw new NotSupportedException();
        public IReadOnlyDictionary<string, object?> Describe() => new Dictionary<string, object?>();
    }

    [TestMethod]
    public void Score_BadOptions_Throw()
    {
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => BatchScorer.Score(Model, null, ["u0"], new BatchScoringOptions { K = 0 })).Message, "K must be ≥ 1");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => BatchScorer.Score(Model, null, ["u0"], new BatchScoringOptions { Threads = -1 })).Message, "Threads must be ≥ 0");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => BatchScorer.Score(Model, null, ["u0"], new BatchScoringOptions { RowsPerChunk = 0 })).Message, "RowsPerChunk must be ≥ 1");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => BatchScorer.Score(Model, null, ["u0"], new BatchScoringOptions { Shard = 2, ShardCount = 2 })).Message, "Shard 2 does not exist");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => BatchScorer.Score(Model, new SparseMatrix(2, 4, [0, 0, 0], [], []), ["u0"])).Message, "seen is 2×4; the model has 3 users × 4 items");
    }

    [TestMethod]
    public void Score_CancelledToken_Stops()
    {
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        Assert.ThrowsExactly<OperationCanceledException>(() => BatchScorer.Score(Model, null, ["u0"], null, null, cts.Token));
    }
}
