using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using TwoTower.MLNet.Data;
using TwoTower.MLNet.Models;
using TwoTower.MLNet.Persistence;

namespace TwoTower.MLNet.Batch;

/// <summary>
/// One shard of a batch scoring job: scores the shard's users and writes <c>part-IIIII-of-NNNNN.parquet</c> (or <c>.csv</c>)
/// into the output folder atomically. Shards are independent and deterministic: any runner (a loop, GNU parallel, a Kubernetes
/// Indexed Job) can run them in any order, and re-running a failed or finished shard replaces its file, so the folder
/// never holds a user twice. Users are scored chunk by chunk while the file is written, so memory holds about one
/// Parquet row group of rows, whatever the shard's size.
/// </summary>
public static partial class BatchScoringJob
{
    /// <summary>
    /// The job's identity in the output folder (model, k, exclude-seen, unknown-user policy, users, shard count, format),
    /// written by the first shard: a later shard of another job (another model, another k…) is refused instead of mixed in.
    /// </summary>
    public const string JobFile = "_twotower_job.json";

    /// <summary>File name of shard <paramref name="shard"/> of <paramref name="shardCount"/> in <paramref name="format"/>.</summary>
    public static string ShardFileName(int shard, int shardCount, BatchOutputFormat format = BatchOutputFormat.Parquet)
    {
        ShardAssignment.Check(shard, shardCount);
        return string.Create(CultureInfo.InvariantCulture, $"part-{shard:D5}-of-{shardCount:D5}.{Extension(format)}");
    }

    // The file extension of a format, as in shard file names (and in the ShardFile pattern).
    private static string Extension(BatchOutputFormat format) => format == BatchOutputFormat.Csv ? "csv" : "parquet";

    /// <summary>
    /// Scores shard <see cref="BatchScoringOptions.Shard"/> of <paramref name="users"/> (null: every user the model knows)
    /// and writes it into <paramref name="outputDirectory"/>. <paramref name="metadata"/> is added to the file's metadata
    /// (e.g. the model file's name and hash).
    /// </summary>
    /// <exception cref="InvalidOperationException">The folder holds shards of a different shard count (mixing them would duplicate users), or exclude-seen without training history.</exception>
    /// <exception cref="ArgumentException">Bad options or unknown users under <see cref="UnknownUserPolicy.Fail"/>.</exception>
    /// <exception cref="IOException"><paramref name="outputDirectory"/> is a file.</exception>
    public static async Task<BatchScoringSummary> RunShardAsync(LoadedModel model, IReadOnlyList<string>? users, string outputDirectory, BatchScoringOptions options,
        IReadOnlyDictionary<string, string>? metadata = null, IProgress<BatchScoringProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentException.ThrowIfNullOrWhiteSpace(outputDirectory);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        // Creating the folder would fail with "the file '…' already exists", which reads like a clash with a shard file.
        if (File.Exists(outputDirectory)) throw new IOException($"Output folder '{outputDirectory}' is a file: give a folder for the shard files.");
        CheckFolder(outputDirectory, options.ShardCount, options.Format);
        var userIds = users ?? model.Model.Users.RawIds;
        var identity = JobIdentity(model, userIds, options, metadata);
        CheckJob(outputDirectory, identity);
        var clock = Stopwatch.StartNew();
        var run = BatchScorer.Prepare(model.Model, model.Seen, userIds, options, progress, cancellationToken);
        // Recorded once the shard can run: a refused one (unknown users under Fail) leaves no job behind.
        RecordJob(outputDirectory, identity);
        var meta = new Dictionary<string, string>(metadata ?? new Dictionary<string, string>())
        {
            ["twotower.model_type"] = model.Model.ModelType,
            ["twotower.k"] = ItemsPerUser(model, options).ToString(CultureInfo.InvariantCulture),
            ["twotower.exclude_seen"] = options.ExcludeSeen ? "true" : "false",
            ["twotower.shard"] = options.Shard.ToString(CultureInfo.InvariantCulture),
            ["twotower.shard_count"] = options.ShardCount.ToString(CultureInfo.InvariantCulture),
            ["twotower.users"] = run.Users.ToString(CultureInfo.InvariantCulture),
            ["twotower.unknown_users"] = options.UnknownUsers.ToString(),
        };
        var path = Path.Combine(Path.GetFullPath(outputDirectory), ShardFileName(options.Shard, options.ShardCount, options.Format));
        // Chunks are scored while the file is written: memory holds one chunk of rows, whatever the shard's size.
        var (rows, listed) = (0L, 0);
        var chunks = run.Chunks().Select(c =>
        {
            rows += c.Count;
            for (var r = 0; r < c.Count; r++) if (c.Ranks[r] == 1) listed++; // every listed user has a rank-1 row
            return c;
        });
        if (options.Format == BatchOutputFormat.Csv) await RecommendationCsv.WriteAsync(path, chunks, cancellationToken);
        else await RecommendationParquet.WriteAsync(path, chunks, meta, cancellationToken);
        return new BatchScoringSummary(path, options.Shard, options.ShardCount, run.Users, rows,
            run.ColdStartUsers, run.SkippedUsers, run.DuplicateUsers, clock.Elapsed.TotalSeconds) { UsersWithoutItems = run.Users - listed };
    }

    /// <summary>
    /// Checks that <paramref name="dir"/> holds no shard files of another split (a shard count other than
    /// <paramref name="shardCount"/>, or another format): they would overlap this split's users; and no folder named like
    /// a shard file of this split, which no shard could be written over.
    /// </summary>
    /// <exception cref="InvalidOperationException">It does; the message names one such file or folder.</exception>
    public static void CheckFolder(string dir, int shardCount, BatchOutputFormat format = BatchOutputFormat.Parquet)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(dir);
        if (!Directory.Exists(dir)) return;
        var extension = Extension(format);
        // Found here rather than at the rename that ends a shard, after all of its scoring.
        foreach (var folder in Directory.EnumerateDirectories(dir, "part-*-of-*.*"))
        {
            var m = ShardFile().Match(Path.GetFileName(folder));
            if (m.Success && int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) == shardCount && m.Groups[2].Value == extension)
                throw new InvalidOperationException(
                    $"'{dir}' holds a folder named {Path.GetFileName(folder)} where a shard file of this split goes; remove or rename it, or use another folder.");
        }
        foreach (var file in Directory.EnumerateFiles(dir, "part-*-of-*.*"))
        {
            var m = ShardFile().Match(Path.GetFileName(file));
            if (!m.Success) continue;
            var count = int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
            if (count != shardCount)
                throw new InvalidOperationException(
                    $"'{dir}' already holds shards of a {count}-way split ({Path.GetFileName(file)}); " +
                    $"mixing them with a {shardCount}-way split would score users twice. Use another folder or delete those files.");
            if (m.Groups[2].Value != extension)
                throw new InvalidOperationException(
                    $"'{dir}' already holds {m.Groups[2].Value} shards ({Path.GetFileName(file)}); writing {extension} shards beside them " +
                    "would score users twice. Use another folder or delete those files.");
        }
    }

    // Items listed per user at most: any k past the catalogue lists it all and writes the same bytes, so it is the same job.
    private static int ItemsPerUser(LoadedModel model, BatchScoringOptions options) => Math.Min(options.K, model.Model.Items.Count);

    // How the job's hashes are computed. Job files without it were written before: users_sha256 joined the ids by line
    // breaks, and model_content_sha256 serialised the model again.
    private const string IdentityVersion = "identity_version";

    // A job's identity as this version records it, and as a job file without an identity_version holds it.
    private sealed record Identity(SortedDictionary<string, string> Fields, Func<SortedDictionary<string, string>> Unversioned);

    // What makes two shards parts of one job. The model file's name may differ between runners; its hash may not.
    private static Identity JobIdentity(LoadedModel model, IReadOnlyList<string> users, BatchScoringOptions options, IReadOnlyDictionary<string, string>? metadata)
    {
        using var hash = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
        using var lineJoined = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
        Span<byte> length = stackalloc byte[4];
        foreach (var u in users)
        {
            var bytes = System.Text.Encoding.UTF8.GetBytes(u);
            // Each id's byte length first: joined by line breaks, ["a\nb"] and ["a", "b"] hashed alike.
            System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(length, bytes.Length);
            hash.AppendData(length);
            hash.AppendData(bytes);
            lineJoined.AppendData(bytes);
            lineJoined.AppendData("\n"u8);
        }
        var identity = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["model_type"] = model.Model.ModelType,
            ["model_users"] = model.Model.Users.Count.ToString(CultureInfo.InvariantCulture),
            ["model_items"] = model.Model.Items.Count.ToString(CultureInfo.InvariantCulture),
            ["k"] = ItemsPerUser(model, options).ToString(CultureInfo.InvariantCulture),
            ["exclude_seen"] = options.ExcludeSeen ? "true" : "false",
            ["unknown_users"] = options.UnknownUsers.ToString(),
            ["users_sha256"] = Convert.ToHexStringLower(hash.GetHashAndReset()),
            [IdentityVersion] = "2",
            ["shard_count"] = options.ShardCount.ToString(CultureInfo.InvariantCulture),
            ["format"] = Extension(options.Format),
        };
        if (metadata is not null && metadata.TryGetValue("twotower.model_sha256", out var sha)) identity["model_sha256"] = sha;
        // The file's hash comes only from callers that have a file; the model's content tells two models of one shape apart without it.
        var seen = options.ExcludeSeen ? model.Seen : null;
        // A model read by ModelFile.Load is known by the entries of its file (checksums the reader verified), not serialised again.
        if ((LoadedContent.ContentSha256(model.Model, seen) ?? SerialisedContentSha256(model.Model, seen)) is { } content) identity["model_content_sha256"] = content;
        var lineJoinedUsers = Convert.ToHexStringLower(lineJoined.GetHashAndReset());
        return new Identity(identity, () =>
        {
            var unversioned = new SortedDictionary<string, string>(identity, StringComparer.Ordinal) { ["users_sha256"] = lineJoinedUsers };
            unversioned.Remove(IdentityVersion);
            if (identity.ContainsKey("model_content_sha256")) unversioned["model_content_sha256"] = SerialisedContentSha256(model.Model, seen)!;
            return unversioned;
        });
    }

    // The model as it would be saved (plus the seen items that exclude-seen uses); null for a model that cannot be saved (a test double).
    private static string? SerialisedContentSha256(IRecommender model, SparseMatrix? seen)
    {
        var writer = new ModelContainerWriter(model.ModelType);
        try
        {
            model.Save(writer);
        }
        catch (NotSupportedException)
        {
            return null;
        }
        if (seen is not null)
        {
            writer.AddInts("_seen.ptr", seen.RowPointers, seen.RowPointers.Length);
            writer.AddInts("_seen.idx", seen.ColumnIndices, seen.ColumnIndices.Length);
        }
        return writer.ContentSha256();
    }

    // Records the job unless the folder has one, checking it again under the lock: of two jobs starting together into one folder,
    // one records itself and the other is refused (a check before scoring and a write if missing let both pass and mix shards).
    private static void RecordJob(string dir, Identity identity)
    {
        Directory.CreateDirectory(dir);
        using var file = OpenJobFile(Path.Combine(dir, JobFile), FileMode.OpenOrCreate);
        if (CheckJob(dir, identity, file)) return;
        // Written in place under the lock; a write cut short leaves a description CheckJob reads as never recorded.
        file.SetLength(0);
        System.Text.Json.JsonSerializer.Serialize(file, identity.Fields, new System.Text.Json.JsonSerializerOptions { WriteIndented = true });
        file.Flush(flushToDisk: true);
    }

    private static void CheckJob(string dir, Identity identity)
    {
        if (!File.Exists(Path.Combine(dir, JobFile))) return;
        FileStream file;
        try
        {
            file = OpenJobFile(Path.Combine(dir, JobFile), FileMode.Open);
        }
        catch (FileNotFoundException)
        {
            return;
        }
        using (file) CheckJob(dir, identity, file);
    }

    // The job file opened for this run alone (FileShare.None locks it on Unix too), waiting while another run checks or
    // records its job, which takes milliseconds.
    private static FileStream OpenJobFile(string path, FileMode mode)
    {
        var waited = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                return new FileStream(path, mode, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException ex) when (ex is not FileNotFoundException and not DirectoryNotFoundException && waited.Elapsed < TimeSpan.FromSeconds(30))
            {
                Thread.Sleep(10);
            }
        }
    }

    // Returns whether the folder has a job recorded (and it is this one).
    private static bool CheckJob(string dir, Identity identity, FileStream file)
    {
        // Empty: a run was stopped between creating the file and writing it, so no job is recorded.
        if (file.Length == 0) return false;
        var path = Path.Combine(dir, JobFile);
        Dictionary<string, string> existing;
        try
        {
            // A description that is JSON null would otherwise read as empty and turn the check off.
            existing = System.Text.Json.JsonSerializer.Deserialize<Dictionary<string, string>>(file)
                ?? throw new System.Text.Json.JsonException("it is null");
        }
        catch (System.Text.Json.JsonException ex)
        {
            // A run killed (or a disk filled) while it wrote the description, before any shard: nothing rests on it, and
            // refusing it stopped every later run until someone deleted it by hand.
            if (ShardCount(dir) == 0) return false;
            throw new InvalidOperationException($"'{path}' is not a job description ({ex.Message}); delete it if the folder holds no shards you want to keep.", ex);
        }
        // A job recorded before its hashes were versioned: compared in their earlier form, so that it still resumes.
        var expected = existing.ContainsKey(IdentityVersion) ? identity.Fields : identity.Unversioned();
        // A job recorded before k was capped at the catalogue holds k as given; capped at its own catalogue, it is compared alike.
        if (existing.TryGetValue("k", out var k) && existing.TryGetValue("model_items", out var items)
            && int.TryParse(k, CultureInfo.InvariantCulture, out var kValue) && int.TryParse(items, CultureInfo.InvariantCulture, out var itemsValue))
            existing["k"] = Math.Min(kValue, itemsValue).ToString(CultureInfo.InvariantCulture);
        foreach (var (key, value) in expected)
            if (existing.TryGetValue(key, out var stored) && stored != value)
            {
                // A run that failed before its first shard leaves only the description: say so rather than speak of shards.
                var shards = ShardCount(dir);
                throw new InvalidOperationException(shards > 0
                    ? $"'{dir}' holds shards of another job: {key} is {stored} there and {value} here. Mixing them would give users of two " +
                      "different answers in one output; use another folder, or delete this one to start the job over."
                    : $"'{dir}' holds the description of another job ({JobFile}, no shards yet): {key} is {stored} there and {value} here. " +
                      $"Delete {JobFile} (a run of that job failed before its first shard) or use another folder.");
            }
        return true;
    }

    private static int ShardCount(string dir) => Directory.EnumerateFiles(dir).Count(f => ShardFile().IsMatch(Path.GetFileName(f)));

    [GeneratedRegex(@"^part-\d+-of-(\d+)\.(parquet|csv)$")]
    private static partial Regex ShardFile();
}
