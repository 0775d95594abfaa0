using System.CommandLine;
using System.Diagnostics;
using System.Text.Json.Nodes;
using Spectre.Console;
using TwoTower.Cli.Infrastructure;
using TwoTower.MLNet.Data;
using TwoTower.MLNet.Evaluation;
using TwoTower.MLNet.Models;
using TwoTower.MLNet.Retrieval;
using TwoTower.MLNet.Splits;
using TwoTower.MLNet.Training;

namespace TwoTower.Cli.Commands;

/// <summary>`twotower quickstart`: ML-100K end to end — split, train every available model, evaluate, index the best, recommend.</summary>
internal static class QuickstartCommand
{
    /// <summary>Models tried, in order, when the catalogue has them.</summary>
    private static readonly string[] Preferred = { "random", "popularity", "itemknn", "ease", "ials", "twotower" };

    public static Command Create(CliConsole console)
    {
        var dataDir = new Option<string?>("--data") { Description = "ML-100K folder (default: $TWOTOWER_DATA/ml-100k, ../shared/datasets/ml-100k, the user cache, or a download)." };
        var user = new Option<string>("--user") { Description = "User whose recommendations are shown.", DefaultValueFactory = _ => "1" };
        var json = new Option<bool>("--json") { Description = "Print one JSON object with every model's metrics as the last line." };
        var models = new ModelCatalog { SetsGoWhereSettable = true };
        var cmd = new Command("quickstart", "MovieLens 100K end to end: leave-last-out split, train, evaluate (full ranking), index the best model's items (HNSW), recommend.");
        foreach (var o in new Option[] { dataDir, user, json }) cmd.Options.Add(o);
        models.AddOptionsTo(cmd);
        cmd.SetAction(r =>
        {
            console.Json = r.GetValue(json);
            var fitted = Preferred.Where(n => models.Names.Contains(n, StringComparer.OrdinalIgnoreCase)).ToArray();
            // A flag of a model quickstart does not fit (--user-factors) was taken and ignored without a word.
            models.RefuseUnread(fitted, r, "quickstart");
            // Every model's options are checked before the first fit: a bad two-tower option failed after a minute of the others.
            var trainers = fitted.Select(name => (Name: name, Trainer: models.Create(name, r, ignoreOtherModelsFlags: true))).ToArray();
            var dir = new MovieLensLocator().Locate(r.GetValue(dataDir), allowDownload: true, new SynchronousProgress<string>(console.Log));
            var ds = MovieLens100K.Load(dir);
            var split = LeaveLastOutSplit.Split(ds.Interactions);
            var train = InteractionLog.Concat("train+valid", split.Train, split.Valid);
            console.Info($"MovieLens 100K from {dir}: {ds.Interactions.Count} ratings; leave-last-out split → {train.Count} train, {split.Test.Count} test (one per user).");
            var td = TrainingData.Create(train, null, ds.Items, ds.Users);

            var table = new Table().Title("Full ranking on the last interaction of each user (train items excluded)")
                .AddColumn("model").AddColumn(new TableColumn("HR@10").RightAligned()).AddColumn(new TableColumn("NDCG@10 ± s.e.").RightAligned())
                .AddColumn(new TableColumn("Recall@100").RightAligned()).AddColumn(new TableColumn("MRR").RightAligned())
                .AddColumn(new TableColumn("Coverage@10").RightAligned()).AddColumn(new TableColumn("fit s").RightAligned());
            var results = new JsonArray();
            IRecommender? best = null;
            var bestNdcg = double.NegativeInfinity;
            foreach (var (name, trainer) in trainers)
            {
                var sw = Stopwatch.StartNew();
                var model = console.WithProgress($"train {name}", p => trainer.Fit(td, p));
                var fit = sw.Elapsed.TotalSeconds;
                var set = EvaluationSet.Create(model, train, split.Test);
                var m = RetrievalEvaluator.EvaluateFullRanking(model, set.History, set.Test);
                table.AddRow(name, Formatting.F4(m["HR@10"]), $"{Formatting.F4(m["NDCG@10"])} ± {Formatting.F4(m.StandardErrors["NDCG@10"])}", Formatting.F4(m["Recall@100"]), Formatting.F4(m["MRR"]), Formatting.F4(m["Coverage@10"]), fit.ToString("0.00"));
                var row = new JsonObject { ["model"] = name, ["fit_seconds"] = Math.Round(fit, 4) };
                Formatting.AddMetrics(row, m);
                Formatting.AddStandardErrors(row, m);
                results.Add(row);
                if (m["NDCG@10"] > bestNdcg) { bestNdcg = m["NDCG@10"]; best = model; }
            }
            console.Write(table);

            var userId = r.GetValue(user)!;
            // As recommend does: a mistyped id silently got the cold-start list, as if it were that user's.
            if (!best!.Users.TryGetKey(userId, out _))
                console.Log($"--user '{userId}' is not a user of MovieLens 100K ({best.Users.Count} users, ids 1 to {best.Users.Count}): showing the model's cold-start answer.");
            var seen = td.Train.ToUserItemMatrix();
            // A vector model serves from an approximate index, as the service does; its recall against exact search is shown.
            using var index = best is IEmbeddingRecommender embedding ? QuickstartIndex.Build(embedding, td.Train) : null;
            if (index is not null)
                console.Info($"{QuickstartIndex.Spec} index of {best!.ModelType}'s {index.Count} item vectors: built in {index.BuildSeconds:0.000} s, recall@10 against exact search {Formatting.F4(index.RecallAt10)} over {best.Users.Count} users.");
            var recs = index?.Recommend(userId, 10) ?? new ExactRecommender(best!, seen).Recommend(userId, 10, excludeSeen: true);
            var source = index is null ? "exact ranking" : $"the {QuickstartIndex.Spec} index";
            var recTable = new Table().Title(Markup.Escape($"Top 10 for user {userId} from {best!.ModelType} via {source} (seen items excluded)")).AddColumn("#").AddColumn("item").AddColumn("title").AddColumn("genres");
            var i = 0;
            foreach (var rec in recs)
            {
                ds.Items!.TryGet(rec.ItemId, out var meta);
                recTable.AddRow((++i).ToString(), rec.ItemId, Markup.Escape(meta?.Title ?? ""), Markup.Escape(string.Join("|", meta?.Genres ?? Array.Empty<string>())));
            }
            console.Write(recTable);
            if (console.Json)
                console.WriteJson(new JsonObject
                {
                    ["dataset"] = "ml-100k", ["protocol"] = "full", ["models"] = results, ["best_model"] = best.ModelType,
                    ["index"] = index is null ? null : new JsonObject
                    {
                        ["spec"] = QuickstartIndex.Spec, ["items"] = index.Count, ["build_seconds"] = Math.Round(index.BuildSeconds, 4),
                        ["recall_at_10"] = Formatting.Number(index.RecallAt10),
                    },
                    ["recommendations"] = new JsonArray(recs.Select(x => (JsonNode?)x.ItemId).ToArray()),
                });
            return 0;
        });
        return cmd;
    }
}
