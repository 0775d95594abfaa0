using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
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
    public static async Task<BatchScoringSummary> RunShardAsync(LoadedModel model, IReadOnlyList<string>? users, string outputDirectory, BatchScoringOptions options,
        IReadOnlyDictionary<string, string>? metadata = null, IProgress<BatchScoringProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentException.ThrowIfNullOrWhiteSpace(outputDirectory);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        CheckFolder(outputDirectory, options.ShardCount, options.Format);
        var clock = Stopwatch.StartNew();
        var run = BatchScorer.Prepare(model.Model, model.Seen, users ?? model.Model.Users.RawIds, options, progress, cancellationToken);
        var meta = new Dictionary<string, string>(metadata ?? new Dictionary<string, string>())
        {
            ["twotower.model_type"] = model.Model.ModelType,
            ["twotower.k"] = options.K.ToString(CultureInfo.InvariantCulture),
            ["twotower.exclude_seen"] = options.ExcludeSeen ? "true" : "false",
            ["twotower.shard"] = options.Shard.ToString(CultureInfo.InvariantCulture),
            ["twotower.shard_count"] = options.ShardCount.ToString(CultureInfo.InvariantCulture),
            ["twotower.users"] = run.Users.ToString(CultureInfo.InvariantCulture),
            ["twotower.unknown_users"] = options.UnknownUsers.ToString(),
        };
        var path = Path.Combine(Path.GetFullPath(outputDirectory), ShardFileName(options.Shard, options.ShardCount, options.Format));
        // Chunks are scored while the file is written: memory holds one chunk of rows, whatever the shard's size.
        var rows = 0;
        var chunks = run.Chunks().Select(c => { rows += c.Count; return c; });
        if (options.Format == BatchOutputFormat.Csv) await RecommendationCsv.WriteAsync(path, chunks, cancellationToken);
        else await RecommendationParquet.WriteAsync(path, chunks, meta, cancellationToken);
        return new BatchScoringSummary(path, options.Shard, options.ShardCount, run.Users, rows,
            run.ColdStartUsers, run.SkippedUsers, run.DuplicateUsers, clock.Elapsed.TotalSeconds);
    }

    /// <summary>
    /// Checks that <paramref name="dir"/> holds no shard files of another split (a shard count other than
    /// <paramref name="shardCount"/>, or another format): they would overlap this split's users.
    /// </summary>
    /// <exception cref="InvalidOperationException">It does; the message names one such file.</exception>
    public static void CheckFolder(string dir, int shardCount, BatchOutputFormat format = BatchOutputFormat.Parquet)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(dir);
        if (!Directory.Exists(dir)) return;
        var extension = Extension(format);
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

    [GeneratedRegex(@"^part-\d+-of-(\d+)\.(parquet|csv)$")]
    private static partial Regex ShardFile();
}
