using TwoTower.MLNet.Batch;
using TwoTower.MLNet.Data;
using TwoTower.MLNet.Persistence;
using TwoTower.MLNet.Tests.Evaluation;

namespace TwoTower.MLNet.Tests.Batch;

[TestClass]
public sealed class BatchScoringJobTests
{
    private static readonly LoadedModel Model = new(new FixedScoresModel(new IdMap("user", ["a", "b", "c", "d", "e"]), new IdMap("item", ["x", "y", "z"]), new float[,]
    {
        { 1, 2, 3 }, { 3, 2, 1 }, { 2, 3, 1 }, { 1, 3, 2 }, { 3, 1, 2 },
    }), null, null);

    [TestMethod]
    public void ShardFileName_IsZeroPadded()
    {
        Assert.AreEqual("part-00002-of-00016.parquet", BatchScoringJob.ShardFileName(2, 16));
        Assert.AreEqual("part-00000-of-00001.csv", BatchScoringJob.ShardFileName(0, 1, BatchOutputFormat.Csv));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => BatchScoringJob.ShardFileName(16, 16));
    }

    [TestMethod]
    public async Task RunShard_AllShards_HoldEveryUserOnceAndReadBack()
    {
        var dir = TestPaths.TempDir();
        var rows = new List<string>();
        for (var s = 0; s < 3; s++)
        {
            var summary = await BatchScoringJob.RunShardAsync(Model, null, dir, new BatchScoringOptions { K = 2, Shard = s, ShardCount = 3 }, new Dictionary<string, string> { ["note"] = "test" });
            var (recs, meta) = await RecommendationParquet.ReadAsync(summary.Path);
            Assert.AreEqual(summary.Rows, recs.Count);
            Assert.AreEqual("test", meta["note"]);
            Assert.AreEqual(s.ToString(), meta["twotower.shard"]);
            Assert.AreEqual("3", meta["twotower.shard_count"]);
            Assert.AreEqual("fixed", meta["twotower.model_type"]);
            rows.AddRange(Enumerable.Range(0, recs.Count).Select(i => $"{recs.UserIds[i]} {recs.Ranks[i]} {recs.ItemIds[i]} {recs.Scores[i]}"));
        }
        CollectionAssert.AreEquivalent(new[] { "a 1 z 3", "a 2 y 2", "b 1 x 3", "b 2 y 2", "c 1 y 3", "c 2 x 2", "d 1 y 3", "d 2 z 2", "e 1 x 3", "e 2 z 2" }, rows);
        Assert.HasCount(4, Directory.GetFiles(dir), "one file per shard, the job's description, no temporaries");
        Assert.IsTrue(File.Exists(Path.Combine(dir, BatchScoringJob.JobFile)));
    }

    [TestMethod]
    public async Task RunShard_OutputFolderIsAFile_SaysSo()
    {
        var file = Path.Combine(TestPaths.TempDir(), "scores.csv");
        await File.WriteAllTextAsync(file, "kept");
        // It failed with "The file '…' already exists", as if a shard file were in the way.
        var ex = await Assert.ThrowsExactlyAsync<IOException>(() => BatchScoringJob.RunShardAsync(Model, null, file, new BatchScoringOptions { K = 2 }));
        StringAssert.Contains(ex.Message, $"Output folder '{file}' is a file");
        Assert.AreEqual("kept", await File.ReadAllTextAsync(file));
    }

    [TestMethod]
    public async Task RunShard_FolderWhereTheShardFileGoes_IsRefusedBeforeScoring()
    {
        // It was found only at the final rename, after scoring the whole shard and recording the job, as a bare IOException.
        var dir = TestPaths.TempDir();
        Directory.CreateDirectory(Path.Combine(dir, "part-00001-of-00002.parquet"));
        var ex = await Assert.ThrowsExactlyAsync<InvalidOperationException>(() => BatchScoringJob.RunShardAsync(Model, null, dir, new BatchScoringOptions { Shard = 1, ShardCount = 2 }));
        StringAssert.Contains(ex.Message, "holds a folder named part-00001-of-00002.parquet where a shard file of this split goes");
        Assert.IsFalse(File.Exists(Path.Combine(dir, BatchScoringJob.JobFile)), "refused before the job is recorded");
        Assert.ThrowsExactly<InvalidOperationException>(() => BatchScoringJob.CheckFolder(dir, 2));
        // A folder of another split's or format's name is no shard of this one.
        BatchScoringJob.CheckFolder(dir, 3);
        BatchScoringJob.CheckFolder(dir, 2, BatchOutputFormat.Csv);
    }

    [TestMethod]
    public async Task RunShard_SmallChunks_StreamRowGroupsWithTheSameRows()
    {
        var one = await BatchScoringJob.RunShardAsync(Model, null, TestPaths.TempDir(), new BatchScoringOptions { K = 2 });
        var many = await BatchScoringJob.RunShardAsync(Model, null, TestPaths.TempDir(), new BatchScoringOptions { K = 2, BlockSize = 1, RowsPerChunk = 4 });
        Assert.AreEqual((5, 10), (many.Users, many.Rows));
        var (a, _) = await RecommendationParquet.ReadAsync(one.Path);
        var (b, _) = await RecommendationParquet.ReadAsync(many.Path);
        CollectionAssert.AreEqual(a.UserIds, b.UserIds);
        CollectionAssert.AreEqual(a.ItemIds, b.ItemIds);
        CollectionAssert.AreEqual(a.Scores, b.Scores);
        await using var stream = File.OpenRead(many.Path);
        await using var reader = await Parquet.ParquetReader.CreateAsync(stream);
        Assert.AreEqual(3, reader.RowGroupCount, "2 users (4 rows) per row group: 5 users make 3 groups");
    }

    [TestMethod]
    public async Task RunShard_Rerun_ReplacesTheFileWithoutDuplicates()
    {
        var dir = TestPaths.TempDir();
        var options = new BatchScoringOptions { K = 1, Shard = 1, ShardCount = 2 };
        var first = await BatchScoringJob.RunShardAsync(Model, null, dir, options);
        var bytes = await File.ReadAllBytesAsync(first.Path);
        var second = await BatchScoringJob.RunShardAsync(Model, null, dir, options);
        Assert.AreEqual(first.Path, second.Path);
        CollectionAssert.AreEqual(bytes, await File.ReadAllBytesAsync(second.Path), "a shard is deterministic: a re-run writes the same bytes");
        Assert.HasCount(1, Directory.GetFiles(dir, "part-*"));
    }

    [TestMethod]
    public async Task RunShard_FolderOfAnotherSplit_IsRefusedBeforeScoring()
    {
        var dir = TestPaths.TempDir();
        await BatchScoringJob.RunShardAsync(Model, null, dir, new BatchScoringOptions { ShardCount = 4 });
        var ex = await Assert.ThrowsExactlyAsync<InvalidOperationException>(() => BatchScoringJob.RunShardAsync(Model, null, dir, new BatchScoringOptions { ShardCount = 2 }));
        StringAssert.Contains(ex.Message, "already holds shards of a 4-way split (part-00000-of-00004.parquet)");
        Assert.HasCount(1, Directory.GetFiles(dir, "part-*"));
    }

    [TestMethod]
    public async Task RunShard_AnotherModelOfTheSameShapeWithoutFileHash_IsRefused()
    {
        // Without the caller's file hash (the README's C# sample passes none) the job was known only by model type and
        // size, so a retrained model's shard joined the first model's shards.
        static LoadedModel Factors(int seed)
        {
            var rng = new Random(seed);
            var model = new TwoTower.MLNet.MatrixFactorization.MatrixFactorizationModel(TwoTower.MLNet.MatrixFactorization.MatrixFactorizationModel.ImplicitModelType,
                new IdMap("user", ["a", "b", "c", "d"]), new IdMap("item", ["x", "y", "z"]),
                Enumerable.Range(0, 8).Select(_ => (float)rng.NextDouble()).ToArray(), Enumerable.Range(0, 6).Select(_ => (float)rng.NextDouble()).ToArray(), 2);
            return new LoadedModel(model, null, null);
        }
        var dir = TestPaths.TempDir();
        await BatchScoringJob.RunShardAsync(Factors(1), null, dir, new BatchScoringOptions { Shard = 0, ShardCount = 2 });
        await BatchScoringJob.RunShardAsync(Factors(1), null, dir, new BatchScoringOptions { Shard = 1, ShardCount = 2 });
        var ex = await Assert.ThrowsExactlyAsync<InvalidOperationException>(() => BatchScoringJob.RunShardAsync(Factors(2), null, dir, new BatchScoringOptions { Shard = 1, ShardCount = 2 }));
        StringAssert.Contains(ex.Message, "holds shards of another job: model_content_sha256 is ");
    }

    [TestMethod]
    public async Task RunShard_UserListsThatJoinToTheSameLines_AreDifferentJobs()
    {
        // The users were hashed as "id\n" each, so ["a\nb"] and ["a", "b"] had one hash and a run with the other list resumed the job.
        var dir = TestPaths.TempDir();
        await BatchScoringJob.RunShardAsync(Model, ["a\nb"], dir, new BatchScoringOptions { Shard = 0, ShardCount = 2 });
        var ex = await Assert.ThrowsExactlyAsync<InvalidOperationException>(() => BatchScoringJob.RunShardAsync(Model, ["a", "b"], dir, new BatchScoringOptions { Shard = 1, ShardCount = 2 }));
        StringAssert.Contains(ex.Message, "users_sha256 is ");
    }

    [TestMethod]
    public async Task RunShard_JobRecordedWithLineJoinedUserHash_ResumesWithTheSameUsersOnly()
    {
        // A job folder written before the users' hash was length-prefixed: its half-finished job still resumes, and another
        // user list is still refused.
        var dir = TestPaths.TempDir();
        string[] users = ["a", "b", "c"];
        await BatchScoringJob.RunShardAsync(Model, users, dir, new BatchScoringOptions { Shard = 0, ShardCount = 2 });
        var jobPath = Path.Combine(dir, BatchScoringJob.JobFile);
        var job = System.Text.Json.JsonSerializer.Deserialize<SortedDictionary<string, string>>(await File.ReadAllTextAsync(jobPath))!;
        job.Remove("identity_version");
        job["users_sha256"] = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(string.Concat(users.Select(u => u + "\n")))));
        await File.WriteAllTextAsync(jobPath, System.Text.Json.JsonSerializer.Serialize(job));

        var ex = await Assert.ThrowsExactlyAsync<InvalidOperationException>(() => BatchScoringJob.RunShardAsync(Model, ["a", "b"], dir, new BatchScoringOptions { Shard = 1, ShardCount = 2 }));
        StringAssert.Contains(ex.Message, "users_sha256 is ");
        await BatchScoringJob.RunShardAsync(Model, users, dir, new BatchScoringOptions { Shard = 1, ShardCount = 2 });
        Assert.HasCount(2, Directory.GetFiles(dir, "part-*"));
    }

    [TestMethod]
    [DataRow(BatchOutputFormat.Parquet)]
    [DataRow(BatchOutputFormat.Csv)]
    public async Task RunShard_KsPastTheCatalogue_WriteTheSameBytesAndAreOneJob(BatchOutputFormat format)
    {
        // Every k past the 3-item catalogue lists every item, but the job kept k as given: a re-run with another such k was
        // refused as another job (and the Parquet metadata said 5 or 7 where both files list 3 items per user).
        var (five, seven) = (TestPaths.TempDir(), TestPaths.TempDir());
        var a = await BatchScoringJob.RunShardAsync(Model, null, five, new BatchScoringOptions { K = 5, Format = format });
        var b = await BatchScoringJob.RunShardAsync(Model, null, seven, new BatchScoringOptions { K = 7, Format = format });
        CollectionAssert.AreEqual(await File.ReadAllBytesAsync(a.Path), await File.ReadAllBytesAsync(b.Path));

        await BatchScoringJob.RunShardAsync(Model, null, five, new BatchScoringOptions { K = 7, Format = format });
        var ex = await Assert.ThrowsExactlyAsync<InvalidOperationException>(() => BatchScoringJob.RunShardAsync(Model, null, five, new BatchScoringOptions { K = 2, Format = format }));
        StringAssert.Contains(ex.Message, "k is 3 there and 2 here");
    }

    [TestMethod]
    public async Task RunShard_JobRecordedWithKPastTheCatalogueAsGiven_ResumesWithAnyKPastIt()
    {
        // A job folder written before k was recorded as the items each user gets: its k as given still matches.
        var dir = TestPaths.TempDir();
        await BatchScoringJob.RunShardAsync(Model, null, dir, new BatchScoringOptions { K = 5, Shard = 0, ShardCount = 2 });
        var jobPath = Path.Combine(dir, BatchScoringJob.JobFile);
        var job = System.Text.Json.JsonSerializer.Deserialize<SortedDictionary<string, string>>(await File.ReadAllTextAsync(jobPath))!;
        job["k"] = "5";
        await File.WriteAllTextAsync(jobPath, System.Text.Json.JsonSerializer.Serialize(job));

        await BatchScoringJob.RunShardAsync(Model, null, dir, new BatchScoringOptions { K = 9, Shard = 1, ShardCount = 2 });
        var ex = await Assert.ThrowsExactlyAsync<InvalidOperationException>(() => BatchScoringJob.RunShardAsync(Model, null, dir, new BatchScoringOptions { K = 2, Shard = 1, ShardCount = 2 }));
        StringAssert.Contains(ex.Message, "k is 3 there and 2 here");
    }

    [TestMethod]
    public async Task RunShard_ModelReadFromAFile_IsKnownByTheFileNotSerialisedAgain()
    {
        // The job serialised the loaded model a second time in memory (every tensor copied, then hashed) to know it by its content.
        var dir = TestPaths.TempDir();
        var first = ModelFile.Load(SaveScoresModel(1, SeenOf([[0], [1], [2], [0], [1]])));
        await BatchScoringJob.RunShardAsync(first, null, dir, new BatchScoringOptions { K = 2, ExcludeSeen = true, Shard = 0, ShardCount = 2 });
        Assert.AreEqual(0, ((SaveCountingModel)first.Model).Saves);

        // The same model and seen items saved again are the same job; other scores or other seen items are not.
        await BatchScoringJob.RunShardAsync(ModelFile.Load(SaveScoresModel(1, SeenOf([[0], [1], [2], [0], [1]]))), null, dir,
            new BatchScoringOptions { K = 2, ExcludeSeen = true, Shard = 1, ShardCount = 2 });
        foreach (var other in new[] { SaveScoresModel(2, SeenOf([[0], [1], [2], [0], [1]])), SaveScoresModel(1, SeenOf([[1], [1], [2], [0], [1]])) })
        {
            var ex = await Assert.ThrowsExactlyAsync<InvalidOperationException>(() => BatchScoringJob.RunShardAsync(ModelFile.Load(other), null, dir,
                new BatchScoringOptions { K = 2, ExcludeSeen = true, Shard = 1, ShardCount = 2 }));
            StringAssert.Contains(ex.Message, "holds shards of another job: model_content_sha256 is ");
        }
        // Another loaded model swapped into the record is known by its own file, not by the record's first one.
        var swapped = first with { Model = ModelFile.Load(SaveScoresModel(2, null)).Model };
        await Assert.ThrowsExactlyAsync<InvalidOperationException>(() => BatchScoringJob.RunShardAsync(swapped, null, dir,
            new BatchScoringOptions { K = 2, ExcludeSeen = true, Shard = 1, ShardCount = 2 }));
    }

    [TestMethod]
    public async Task RunShard_JobRecordedWithTheSerialisedModelsHash_ResumesWithThatModelOnly()
    {
        // A job folder written when the model's hash came from serialising it again, which for this model (as for a loaded
        // two-tower model, whose hyperparameters come back as text) is not the file's own content.
        var dir = TestPaths.TempDir();
        var loaded = ModelFile.Load(SaveScoresModel(1, null));
        await BatchScoringJob.RunShardAsync(loaded, null, dir, new BatchScoringOptions { K = 2, Shard = 0, ShardCount = 2 });
        var jobPath = Path.Combine(dir, BatchScoringJob.JobFile);
        var job = System.Text.Json.JsonSerializer.Deserialize<SortedDictionary<string, string>>(await File.ReadAllTextAsync(jobPath))!;
        job.Remove("identity_version");
        job["users_sha256"] = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(string.Concat(loaded.Model.Users.RawIds.Select(u => u + "\n")))));
        var writer = new ModelContainerWriter(loaded.Model.ModelType);
        loaded.Model.Save(writer);
        Assert.AreNotEqual(writer.ContentSha256(), job["model_content_sha256"], "the test needs a model whose serialisation differs from its file");
        job["model_content_sha256"] = writer.ContentSha256();
        await File.WriteAllTextAsync(jobPath, System.Text.Json.JsonSerializer.Serialize(job));

        var ex = await Assert.ThrowsExactlyAsync<InvalidOperationException>(() => BatchScoringJob.RunShardAsync(ModelFile.Load(SaveScoresModel(2, null)), null, dir,
            new BatchScoringOptions { K = 2, Shard = 1, ShardCount = 2 }));
        StringAssert.Contains(ex.Message, "holds shards of another job: model_content_sha256 is ");
        await BatchScoringJob.RunShardAsync(loaded, null, dir, new BatchScoringOptions { K = 2, Shard = 1, ShardCount = 2 });
        Assert.HasCount(2, Directory.GetFiles(dir, "part-*"));
    }

    // Users a-e × items x, y, z with seeded scores, saved as a model file with the given seen items.
    private static string SaveScoresModel(int seed, SparseMatrix? seen)
    {
        ModelRegistry.Register(SaveCountingModel.TypeName, SaveCountingModel.Load);
        var rng = new Random(seed);
        var model = new SaveCountingModel(new IdMap("user", ["a", "b", "c", "d", "e"]), new IdMap("item", ["x", "y", "z"]),
            Enumerable.Range(0, 15).Select(_ => (float)rng.NextDouble()).ToArray());
        var path = Path.Combine(TestPaths.TempDir(), "model.zip");
        ModelFile.Save(path, model, seen);
        return path;
    }

    // One seen item list per user of the 5 × 3 model.
    private static SparseMatrix SeenOf(int[][] rows)
    {
        var ptr = new int[rows.Length + 1];
        for (var u = 0; u < rows.Length; u++) ptr[u + 1] = ptr[u] + rows[u].Length;
        var idx = rows.SelectMany(r => r).ToArray();
        return new SparseMatrix(rows.Length, 3, ptr, idx, new float[idx.Length]);
    }

    /// <summary>
    /// A savable scores model that counts its Save calls and writes whether it was loaded, so that a loaded one serialises
    /// other bytes than its file holds (as a loaded two-tower model writes its hyperparameters back as text).
    /// </summary>
    private sealed class SaveCountingModel(IdMap users, IdMap items, float[] scores, bool loaded = false) : TwoTower.MLNet.Models.IRecommender
    {
        public const string TypeName = "batch-job-save-counting";

        public int Saves { get; private set; }
        public string ModelType => TypeName;
        public IdMap Users { get; } = users;
        public IdMap Items { get; } = items;

        public void Score(ReadOnlySpan<int> userKeys, Span<float> output)
        {
            for (var b = 0; b < userKeys.Length; b++)
                for (var i = 0; i < Items.Count; i++)
                    output[b * Items.Count + i] = userKeys[b] < 0 ? 0 : scores[userKeys[b] * Items.Count + i];
        }

        public void Save(ModelContainerWriter writer)
        {
            Saves++;
            writer.AddJson("loaded.json", loaded);
            writer.AddIdMap("users.txt", Users);
            writer.AddIdMap("items.txt", Items);
            writer.AddFloats("scores", scores, Users.Count, Items.Count);
        }

        public static SaveCountingModel Load(ModelContainerReader reader)
        {
            var users = reader.ReadIdMap("users.txt", "user");
            var items = reader.ReadIdMap("items.txt", "item");
            return new SaveCountingModel(users, items, reader.ReadFloats("scores", users.Count, items.Count), loaded: true);
        }

        public IReadOnlyDictionary<string, object?> Describe() => new Dictionary<string, object?>();
    }

    [TestMethod]
    public async Task RunShard_TwoJobsStartingTogether_OnlyOneJoinsTheFolder()
    {
        // Both runs checked the folder before either recorded its job, so shards of two jobs (k 1 and k 2) were both written
        // into one folder, and later shards of either job were accepted beside them.
        var users = Enumerable.Range(0, 50_000).Select(i => $"new{i}").ToArray();
        for (var round = 0; round < 20; round++)
        {
            var dir = TestPaths.TempDir();
            using var start = new Barrier(2);
            Task<BatchScoringSummary> Run(int k, int shard) => Task.Run(() =>
            {
                start.SignalAndWait();
                return BatchScoringJob.RunShardAsync(Model, users, dir, new BatchScoringOptions { K = k, Shard = shard, ShardCount = 2 });
            });
            var runs = new[] { Run(1, 0), Run(2, 1) };
            try
            {
                await Task.WhenAll(runs);
            }
            catch (InvalidOperationException)
            {
                // The run that lost is refused as a shard of another job.
            }
            Assert.AreEqual(1, runs.Count(t => t.IsCompletedSuccessfully), $"round {round}: {string.Join(", ", Directory.GetFiles(dir).Select(Path.GetFileName))}");
            Assert.HasCount(1, Directory.GetFiles(dir, "part-*"), $"round {round}");
        }
    }

    [TestMethod]
    public async Task RunShard_JobDescriptionWithoutShards_OrNull_SaysSo()
    {
        // A run that failed before its first shard leaves only the description: the refusal spoke of shards that are not there.
        var dir = TestPaths.TempDir();
        await BatchScoringJob.RunShardAsync(Model, null, dir, new BatchScoringOptions { K = 2 });
        foreach (var shard in Directory.GetFiles(dir, "part-*")) File.Delete(shard);
        var ex = await Assert.ThrowsExactlyAsync<InvalidOperationException>(() => BatchScoringJob.RunShardAsync(Model, null, dir, new BatchScoringOptions { K = 3 }));
        StringAssert.Contains(ex.Message, $"holds the description of another job ({BatchScoringJob.JobFile}, no shards yet): k is 2 there and 3 here");
    }

    [TestMethod]
    [DataRow("{\n  \"k\": \"2\",\n  \"mod")]
    [DataRow("\0\0\0\0\0\0\0\0")]
    [DataRow("null")]
    public async Task RunShard_UnreadableJobDescriptionWithoutShards_IsRecordedAgain(string broken)
    {
        // A run killed (or a full disk) while writing the description, before any shard, stopped every later run with
        // "not a job description" until the file was deleted by hand; nothing rests on such a description.
        var dir = TestPaths.TempDir();
        File.WriteAllText(Path.Combine(dir, BatchScoringJob.JobFile), broken);
        var summary = await BatchScoringJob.RunShardAsync(Model, null, dir, new BatchScoringOptions { K = 3 });
        Assert.AreEqual(15, summary.Rows);
        StringAssert.Contains(File.ReadAllText(Path.Combine(dir, BatchScoringJob.JobFile)), "\"k\": \"3\"");
        // The description now recorded is checked as any other.
        var ex = await Assert.ThrowsExactlyAsync<InvalidOperationException>(() => BatchScoringJob.RunShardAsync(Model, null, dir, new BatchScoringOptions { K = 2 }));
        StringAssert.Contains(ex.Message, "holds shards of another job: k is 3 there and 2 here");
    }

    [TestMethod]
    [DataRow("{\n  \"k\": \"2\",\n  \"mod")]
    [DataRow("null")]
    public async Task RunShard_UnreadableJobDescriptionBesideShards_SaysSo(string broken)
    {
        // Shards rest on the description: it is not replaced, and JSON null does not read as an empty one that checks nothing.
        var dir = TestPaths.TempDir();
        await BatchScoringJob.RunShardAsync(Model, null, dir, new BatchScoringOptions { K = 2 });
        File.WriteAllText(Path.Combine(dir, BatchScoringJob.JobFile), broken);
        var ex = await Assert.ThrowsExactlyAsync<InvalidOperationException>(() => BatchScoringJob.RunShardAsync(Model, null, dir, new BatchScoringOptions { K = 3 }));
        StringAssert.Contains(ex.Message, "is not a job description (");
        Assert.AreEqual(broken, File.ReadAllText(Path.Combine(dir, BatchScoringJob.JobFile)));
    }

    [TestMethod]
    public async Task RunShard_Csv_HoldsTheSameRowsAsParquet()
    {
        var parquet = await BatchScoringJob.RunShardAsync(Model, null, TestPaths.TempDir(), new BatchScoringOptions { K = 2 });
        var csv = await BatchScoringJob.RunShardAsync(Model, null, TestPaths.TempDir(), new BatchScoringOptions { K = 2, Format = BatchOutputFormat.Csv, RowsPerChunk = 3 });
        StringAssert.EndsWith(csv.Path, "part-00000-of-00001.csv");
        var (a, _) = await RecommendationParquet.ReadAsync(parquet.Path);
        var b = RecommendationCsv.Read(csv.Path);
        CollectionAssert.AreEqual(a.UserIds, b.UserIds);
        CollectionAssert.AreEqual(a.Ranks, b.Ranks);
        CollectionAssert.AreEqual(a.ItemIds, b.ItemIds);
        CollectionAssert.AreEqual(a.Scores, b.Scores, "scores are written round-trippable");
        Assert.AreEqual("user_id,rank,item_id,score", File.ReadLines(csv.Path).First());
    }

    [TestMethod]
    public async Task Csv_IdsWithCommasAndQuotes_RoundTrip()
    {
        var path = Path.Combine(TestPaths.TempDir(), "r.csv");
        var rows = new BatchRecommendations(["a,b", "say \"hi\""], [1, 1], ["x", "y,\"z\""], [0.1f, -2.5e-8f]);
        await RecommendationCsv.WriteAsync(path, [rows]);
        var back = RecommendationCsv.Read(path);
        CollectionAssert.AreEqual(rows.UserIds, back.UserIds);
        CollectionAssert.AreEqual(rows.ItemIds, back.ItemIds);
        CollectionAssert.AreEqual(rows.Scores, back.Scores);
        File.WriteAllText(path, "user,rank\n");
        StringAssert.Contains(Assert.ThrowsExactly<DataFormatException>(() => RecommendationCsv.Read(path)).Message, "expected the header 'user_id,rank,item_id,score'");
    }

    [TestMethod]
    public async Task Csv_IdsWithLineBreaks_QuotedAndRoundTrip()
    {
        // Line breaks were written unquoted, so an id "a\nb" split its row in two: no CSV reader could read the file back.
        var path = Path.Combine(TestPaths.TempDir(), "r.csv");
        var rows = new BatchRecommendations(["a\nb", "c\r\nd", "e\rf", "g", "h\n\n\"i\",j"], [1, 1, 1, 1, 1], ["x\n", "y", "\nz", "w\r\n\r\n", "v"], [1f, 2f, 3f, 4f, 5f]);
        await RecommendationCsv.WriteAsync(path, [rows]);
        StringAssert.StartsWith(await File.ReadAllTextAsync(path), "user_id,rank,item_id,score\n\"a\nb\",1,\"x\n\",1\n\"c\r\nd\",1,y,2\n");
        var back = RecommendationCsv.Read(path);
        CollectionAssert.AreEqual(rows.UserIds, back.UserIds);
        CollectionAssert.AreEqual(rows.ItemIds, back.ItemIds);
        CollectionAssert.AreEqual(rows.Scores, back.Scores);
        File.WriteAllText(path, "user_id,rank,item_id,score\nu,1,i,0.5\n\"v,1,i,0.5\n");
        StringAssert.Contains(Assert.ThrowsExactly<DataFormatException>(() => RecommendationCsv.Read(path)).Message, ":3: ");
    }

    [TestMethod]
    public async Task RunShard_FolderOfTheOtherFormat_IsRefused()
    {
        var dir = TestPaths.TempDir();
        await BatchScoringJob.RunShardAsync(Model, null, dir, new BatchScoringOptions { ShardCount = 2, Format = BatchOutputFormat.Csv });
        var ex = await Assert.ThrowsExactlyAsync<InvalidOperationException>(() => BatchScoringJob.RunShardAsync(Model, null, dir, new BatchScoringOptions { ShardCount = 2, Shard = 1 }));
        StringAssert.Contains(ex.Message, "already holds csv shards (part-00000-of-00002.csv); writing parquet shards beside them");
    }

    [TestMethod]
    public async Task Parquet_EmptyShard_RoundTripsWithItsMetadata()
    {
        var path = Path.Combine(TestPaths.TempDir(), "empty.parquet");
        await RecommendationParquet.WriteAsync(path, new BatchRecommendations([], [], [], []), new Dictionary<string, string> { ["k"] = "10" });
        var (recs, meta) = await RecommendationParquet.ReadAsync(path);
        Assert.AreEqual(0, recs.Count);
        Assert.AreEqual("10", meta["k"]);
    }

    [TestMethod]
    public async Task Parquet_NotParquet_IsInvalidData()
    {
        var path = Path.Combine(TestPaths.TempDir(), "bad.parquet");
        await File.WriteAllTextAsync(path, "user_id,rank\n1,1\n");
        var ex = await Assert.ThrowsExactlyAsync<InvalidDataException>(() => RecommendationParquet.ReadAsync(path));
        StringAssert.Contains(ex.Message, "is not a Parquet file");
    }

    [TestMethod]
    public async Task Parquet_FailedWrite_KeepsTheOldFileAndLeavesNoTemporary()
    {
        var dir = TestPaths.TempDir();
        var path = Path.Combine(dir, "r.parquet");
        await RecommendationParquet.WriteAsync(path, new BatchRecommendations(["u"], [1], ["i"], [0.5f]));
        var before = await File.ReadAllBytesAsync(path);
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        await Assert.ThrowsAsync<OperationCanceledException>(() => RecommendationParquet.WriteAsync(path, new BatchRecommendations(["v"], [1], ["j"], [0.1f]), null, cts.Token));
        CollectionAssert.AreEqual(before, await File.ReadAllBytesAsync(path));
        CollectionAssert.AreEqual(new[] { path }, Directory.GetFiles(dir));
    }

    [TestMethod]
    public void Recommendations_ColumnsOfDifferentLength_Throw()
    {
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => new BatchRecommendations(["u"], [1, 2], ["i"], [1f])).Message, "user_id 1, rank 2, item_id 1, score 1");
    }
}
