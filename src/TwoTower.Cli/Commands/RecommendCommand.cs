using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using Spectre.Console;
using TwoTower.Cli.Infrastructure;
using TwoTower.MLNet;
using TwoTower.MLNet.Data;
using TwoTower.MLNet.Persistence;
using TwoTower.MLNet.Retrieval;

namespace TwoTower.Cli.Commands;

/// <summary>`twotower recommend`: top-k items for one user, with titles when item metadata is given.</summary>
internal static class RecommendCommand
{
    public static Command Create(CliConsole console)
    {
        var modelPath = new Option<string>("--model") { Description = "Model file written by `twotower train`.", Required = true };
        var user = new Option<string?>("--user") { Description = "Raw user id (an unknown user gets the model's cold-start answer)." };
        var history = new Option<string?>("--history") { Description = "Comma-separated item ids of a user the model never saw: the user is folded in from them (two-tower: its softmax objective; MF: the mean of the items' vectors)." };
        var k = new Option<int>("--k") { Description = "Number of items.", DefaultValueFactory = _ => 10 };
        var excludeSeen = new Option<bool>("--exclude-seen") { Description = "Leave out the items the user interacted with in training (or the --history items)." };
        var items = new Option<string?>("--items") { Description = "Item metadata for titles: a MovieLens folder or a CSV." };
        var json = new Option<bool>("--json") { Description = "Print one JSON object as the last line." };
        var skipBadRows = new Option<bool>("--skip-bad-rows") { Description = "Skip malformed rows of --items instead of failing." };
        var cmd = new Command("recommend", "Recommend items for a user.");
        foreach (var o in new Option[] { modelPath, user, history, k, excludeSeen, items, json, skipBadRows }) cmd.Options.Add(o);
        cmd.SetAction(r =>
        {
            console.Json = r.GetValue(json);
            var kk = r.GetValue(k);
            if (kk < 1) throw new UserInputException($"--k {kk}: must be ≥ 1.");
            // Read only beside --items: without it the flag was taken and ignored without a word.
            if (r.GetValue(skipBadRows) && r.GetValue(items) is null)
                throw new UserInputException("--skip-bad-rows goes with --items: it skips malformed rows of that file, and there is none to read.");
            var loaded = ModelArgument.Load(r.GetValue(modelPath), "--model");
            var meta = r.GetValue(items) is { } p ? DatasetLoader.LoadItems(p, new DataLoadOptions { SkipBadRows = r.GetValue(skipBadRows) }) : null;
            if (meta is not null) DataArguments.ReportSkipped(console, "--items", meta.SkippedRows, meta.Source);
            var historyIds = r.GetValue(history) is { } h ? h.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) : null;
            if (historyIds is { Length: 0 }) throw new UserInputException("--history names no item; give comma-separated item ids.");
            // Trimmed as index search trims its --user ids; a blank id names no user (the data loaders refuse empty ids).
            var userId = r.GetValue(user)?.Trim();
            if (userId is { Length: 0 }) throw new UserInputException("--user is empty; give a raw user id.");
            if (userId is null && historyIds is null) throw new UserInputException("Give --user ID, or --history ITEM[,ITEM...] for a user the model never saw.");
            var known = userId is not null && loaded.Model.Users.TryGetKey(userId, out _);
            if (known && historyIds is not null)
                throw new UserInputException($"--history folds in a user the model does not know, but user '{userId}' is known to it: leave out --history (or --user).");
            var recommender = new ExactRecommender(loaded.Model, loaded.Seen);
            IReadOnlyList<Recommendation> recs;
            if (historyIds is not null)
            {
                try { recs = recommender.RecommendForHistory(historyIds, kk, r.GetValue(excludeSeen)); }
                catch (ArgumentException ex) { throw new UserInputException($"--history: {ex.MessageWithoutParameter()}"); }
                catch (InvalidOperationException ex) { throw new UserInputException($"--history: {ex.Message}"); }
                console.Log($"A new user folded in from {historyIds.Length} item(s).");
            }
            else
            {
                if (!known) console.Log($"User '{userId}' is not known to the model: showing its cold-start answer.");
                recs = recommender.Recommend(userId!, kk, r.GetValue(excludeSeen));
            }
            var title = historyIds is not null ? $"new user · {historyIds.Length} item(s) of history" : $"user {userId}";
            // Titles and genres come from --items; without it the columns would only be empty.
            var table = new Table().Title(Markup.Escape($"{loaded.Model.ModelType} · {title}" + (meta is null ? " (--items DIR|FILE adds titles)" : ""))).AddColumn("#").AddColumn("item");
            if (meta is not null) table.AddColumn("title").AddColumn("genres");
            table.AddColumn(new TableColumn("score").RightAligned());
            var rank = 0;
            var arr = new JsonArray();
            foreach (var rec in recs)
            {
                ItemRecord? rec2 = meta is not null && meta.TryGet(rec.ItemId, out var ir) ? ir : null;
                var cells = new List<string> { (++rank).ToString(CultureInfo.InvariantCulture), Markup.Escape(rec.ItemId) };
                if (meta is not null) cells.AddRange([Markup.Escape(rec2?.Title ?? ""), Markup.Escape(string.Join("|", rec2?.Genres ?? Array.Empty<string>()))]);
                cells.Add(rec.Score.ToString("0.####", CultureInfo.InvariantCulture));
                table.AddRow(cells.ToArray());
                arr.Add(new JsonObject { ["itemId"] = rec.ItemId, ["score"] = Math.Round(rec.Score, 6), ["title"] = rec2?.Title });
            }
            console.Write(table);
            if (console.Json) console.WriteJson(new JsonObject { ["model"] = loaded.Model.ModelType, ["user"] = userId, ["known_user"] = known, ["history"] = historyIds is null ? null : new JsonArray(historyIds.Select(i => (JsonNode?)i).ToArray()), ["items"] = arr });
            return 0;
        });
        return cmd;
    }
}
