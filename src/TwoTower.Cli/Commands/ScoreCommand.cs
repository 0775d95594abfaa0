using System.CommandLine;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using TwoTower.Cli.Infrastructure;
using TwoTower.MLNet;
using TwoTower.MLNet.Batch;
using TwoTower.MLNet.Data;
using TwoTower.MLNet.Persistence;
using TwoTower.MLNet.Training;

namespace TwoTower.Cli.Commands;

/// <summary>`twotower score`: batch top-k for many users, one Parquet or CSV file per shard (DESIGN §5 and §9).</summary>
internal static class ScoreCommand
{
    public static Command Create(CliConsole console)
    {
        var modelPath = new Option<string>("--model") { Description = "Model file written by `twotower train`.", Required = true };
        var users = new Option<string?>("--users") { Description = "CSV with a header holding the user ids to score (a user list or any interaction file; repeats are scored once). Default: every user the model knows." };
        var userCol = new Option<string?>("--user-col") { Description = "Header name of the user id column of --users (default: user_id, userId, user... or the only column)." };
        var outDir = new Option<string>("--out") { Description = "Output folder (created when missing): part-IIIII-of-NNNNN.parquet (or .csv) per shard.", Required = true };
        var shard = new Option<int>("--shard") { Description = "The shard this run scores, 0-based.", DefaultValueFactory = _ => 0 };
        var of = new Option<int>("--of") { Description = "Number of shards; users go to shards by a stable hash of their id.", DefaultValueFactory = _ => 1 };
        var k = new Option<int>("--k") { Description = "Items per user.", DefaultValueFactory = _ => 10 };
        var excludeSeen = new Option<bool>("--exclude-seen") { Description = "Leave out each user's training items (stored in the model file)." };
        var unknown = new Option<string>("--unknown-users") { Description = "Users the model does not know: coldstart (its cold-start answer; default), skip, or fail.", DefaultValueFactory = _ => "coldstart" };
        var format = new Option<string>("--format") { Description = "parquet (default) or csv (header user_id,rank,item_id,score).", DefaultValueFactory = _ => "parquet" };
        var threads = new Option<int>("--threads") { Description = "Threads (0 = all cores); the output does not depend on it.", DefaultValueFactory = _ => 0 };
        var json = new Option<bool>("--json") { Description = "Print one JSON object as the last line." };
        var cmd = new Command("score", "Batch scoring: top-k items for every user (or a list), written as Parquet or CSV, one file per shard; re-running a shard replaces its file.");
        foreach (var o in new Option[] { modelPath, users, userCol, outDir, shard, of, k, excludeSeen, unknown, format, threads, json }) cmd.Options.Add(o);
        cmd.SetAction(r =>
        {
            console.Json = r.GetValue(json);
            var options = new BatchScoringOptions
            {
                K = r.GetValue(k), ExcludeSeen = r.GetValue(excludeSeen), Shard = r.GetValue(shard), ShardCount = r.GetValue(of), Threads = r.GetValue(threads),
                Format = r.GetValue(format)!.ToLowerInvariant() switch
                {
                    "parquet" => BatchOutputFormat.Parquet,
                    "csv" => BatchOutputFormat.Csv,
                    var other => throw new UserInputException($"--format '{other}': expected parquet or csv."),
                },
                UnknownUsers = r.GetValue(unknown)!.ToLowerInvariant() switch
                {
                    "coldstart" or "cold-start" => UnknownUserPolicy.ColdStart,
                    "skip" => UnknownUserPolicy.Skip,
                    "fail" => UnknownUserPolicy.Fail,
                    var other => throw new UserInputException($"--unknown-users '{other}': expected coldstart, skip or fail."),
                },
            };
            if (options.Threads < 0) throw new UserInputException($"--threads {options.Threads}: must be ≥ 0 (0 = all cores).");
            if (options.K < 1) throw new UserInputException($"--k {options.K}: must be ≥ 1.");
            if (options.ShardCount < 1) throw new UserInputException($"--of {options.ShardCount}: must be ≥ 1.");
            if (options.Shard < 0 || options.Shard >= options.ShardCount)
                throw new UserInputException($"--shard {options.Shard}: shards of --of {options.ShardCount} are numbered 0 to {options.ShardCount - 1}.");
            // Read only beside --users: without it the flag was taken and ignored without a word.
            if (r.GetValue(userCol) is not null && r.GetValue(users) is null)
                throw new UserInputException("--user-col goes with --users: it names that file's user id column, and without --users every user the model knows is scored.");
            var path = r.GetValue(modelPath)!;
            var loaded = ModelArgument.Load(path, "--model");
            if (options.ExcludeSeen && loaded.Seen is null) throw new UserInputException("--exclude-seen: the model file stores no training interactions; score without it.");
            IReadOnlyList<string>? list = null;
            if (r.GetValue(users) is { } usersPath)
            {
                InputFiles.RefuseFolder(usersPath, "--users", "a CSV file with a header holding the user ids");
                try
                {
                    list = UserList.Load(usersPath, r.GetValue(userCol));
                }
                catch (Exception ex) when (ex is DataFormatException or FileNotFoundException)
                {
                    throw new UserInputException($"--users: {ex.Message}");
                }
            }
            var dir = OutputPaths.Folder(r.GetValue(outDir), "--out", []);
            try
            {
                BatchScoringJob.CheckFolder(dir, options.ShardCount, options.Format);
            }
            catch (InvalidOperationException ex)
            {
                throw new UserInputException($"--out: {ex.Message}");
            }
            var metadata = new Dictionary<string, string> { ["twotower.model_file"] = Path.GetFileName(path), ["twotower.model_sha256"] = Sha256(path) };
            BatchScoringSummary summary;
            try
            {
                // The scorer reports every block of users; passed on once per whole percent (and at the end), as without a
                // terminal each report is a line of the log: 39,000 lines for a shard of 10 million users.
                var percent = 0L;
                // SIGINT or SIGTERM stops the scoring; the shard's temporary file is deleted, an earlier shard file stays.
                summary = SignalCancellation.Run(cancellation => console.WithProgress($"score shard {options.Shard}/{options.ShardCount}", progress =>
                    BatchScoringJob.RunShardAsync(loaded, list, dir, options, metadata,
                        new SynchronousProgress<BatchScoringProgress>(p =>
                        {
                            var now = 100L * p.UsersScored / Math.Max(p.UsersTotal, 1);
                            if (now <= percent && p.UsersScored < p.UsersTotal) return;
                            percent = now;
                            // A rate, not a metric: metrics are printed to four decimals ("users/s 466.0000").
                            progress.Report(new TrainingProgress("users", p.UsersScored, p.UsersTotal, ExamplesPerSecond: p.UsersPerSecond) { RateUnit = "users" });
                        }), cancellation).GetAwaiter().GetResult()),
                    () => "twotower score: cancelled; no shard file was written");
            }
            catch (ArgumentException ex) when (ex.ParamName == "users")
            {
                throw new UserInputException($"--users: {ex.MessageWithoutParameter()} (--unknown-users coldstart|skip)");
            }
            console.Info($"{summary.Path}: {summary.Users} users, {summary.Rows} rows in {summary.Seconds:0.00} s" +
                (summary.ColdStartUsers > 0 ? $"; {summary.ColdStartUsers} unknown users got the cold-start answer" : "") +
                (summary.UsersWithoutItems > 0 ? $"; {summary.UsersWithoutItems} users had seen every item and have no rows" : "") +
                (summary.SkippedUsers > 0 ? $"; {summary.SkippedUsers} unknown users skipped" : "") +
                (summary.DuplicateUsers > 0 ? $"; {summary.DuplicateUsers} repeated ids scored once" : ""));
            if (console.Json)
                console.WriteJson(new JsonObject
                {
                    ["path"] = summary.Path, ["shard"] = summary.Shard, ["of"] = summary.ShardCount, ["users"] = summary.Users, ["rows"] = summary.Rows,
                    ["k"] = options.K, ["exclude_seen"] = options.ExcludeSeen, ["format"] = options.Format.ToString().ToLowerInvariant(), ["cold_start_users"] = summary.ColdStartUsers, ["users_without_items"] = summary.UsersWithoutItems,
                    ["skipped_users"] = summary.SkippedUsers, ["duplicate_users"] = summary.DuplicateUsers, ["seconds"] = Math.Round(summary.Seconds, 3),
                    ["users_per_s"] = summary.Seconds > 0 ? Math.Round(summary.Users / summary.Seconds) : null,
                });
            return 0;
        });
        return cmd;
    }

    private static string Sha256(string path)
    {
        using var fs = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(fs));
    }
}
