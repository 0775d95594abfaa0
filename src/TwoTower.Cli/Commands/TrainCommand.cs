using System.CommandLine;
using System.Diagnostics;
using System.Text.Json.Nodes;
using Spectre.Console;
using TwoTower.Cli.Infrastructure;
using TwoTower.MLNet.Persistence;
using TwoTower.MLNet.Training;
using TwoTower.MLNet.TwoTowerModel;

namespace TwoTower.Cli.Commands;

/// <summary>`twotower train`: fit a model and save it (with the training history for exclude-seen).</summary>
internal static class TrainCommand
{
    public static Command Create(CliConsole console)
    {
        var data = new DataArguments();
        var models = new ModelCatalog(console);
        var model = new Option<string>("--model") { Description = $"Model to fit: {models.Describe()}.", Required = true };
        var output = new Option<string>("--out") { Description = "Model file to write (atomically).", Required = true };
        var json = new Option<bool>("--json") { Description = "Print one JSON object (model, fit_seconds, sizes, summary) as the last line." };
        var checkpoint = new Option<string?>("--checkpoint")
        {
            Description = "twotower: save the whole training state in this folder after every epoch; the same command run again resumes after " +
                          "the last saved epoch and ends with the same model (delete the folder to start over).",
        };
        var initFrom = new Option<string?>("--init-from")
        {
            Description = "twotower: continue from this saved two-tower model (e.g. yesterday's, to retrain on newer data): users, items and " +
                          "feature values it knows start from its weights, new ones start fresh; the tower options must be the same.",
        };
        var cmd = new Command("train", "Fit a model on interactions and save it.");
        data.AddTo(cmd, test: false);
        cmd.Options.Add(model);
        cmd.Options.Add(output);
        cmd.Options.Add(json);
        cmd.Options.Add(checkpoint);
        cmd.Options.Add(initFrom);
        models.AddOptionsTo(cmd);
        cmd.SetAction(r =>
        {
            console.Json = r.GetValue(json);
            var path = OutputPaths.File(r.GetValue(output), "--out", "model.zip", ("--train", r.GetValue(data.Train)), ("--valid", r.GetValue(data.Valid)),
                ("--data", r.GetValue(data.Data)), ("--items", r.GetValue(data.Items)), ("--init-from", r.GetValue(initFrom)), ("--warm-start", r.GetValue(models.WarmStartModel)),
                ("--user-factors", r.GetValue(models.UserFactors)), ("--item-factors", r.GetValue(models.ItemFactors)), ("--user-ids", r.GetValue(models.UserIds)), ("--item-ids", r.GetValue(models.ItemIds)));
            var trainer = models.Create(r.GetValue(model)!, r);
            // A warm-started two-tower is a two-tower too: its options take the checkpoint folder like a plain one.
            var twoTowerOptions = trainer switch { TwoTowerTrainer t => t.Options, WarmStartedTwoTowerTrainer w => w.Options, _ => null };
            if (r.GetValue(checkpoint) is { } dir)
            {
                if (twoTowerOptions is null) throw new UserInputException($"--checkpoint: only --model twotower trains in epochs; '{trainer.ModelType}' has nothing to resume.");
                twoTowerOptions.CheckpointDirectory = OutputPaths.Folder(dir, "--checkpoint", []);
            }
            if (r.GetValue(initFrom) is { } initial)
            {
                if (twoTowerOptions is null) throw new UserInputException($"--init-from: only --model twotower continues from a model; '{trainer.ModelType}' fits from scratch.");
                if (trainer is WarmStartedTwoTowerTrainer) throw new UserInputException("--init-from and --warm-start both set the id embeddings (from a two-tower model, from factors): choose one.");
                twoTowerOptions.InitialModel = ModelArgument.Load(initial, "--init-from").Model as TwoTowerRecommender
                    ?? throw new UserInputException($"--init-from {initial}: not a two-tower model.");
            }
            var (log, ds) = data.LoadTrain(r, console);
            var valid = data.LoadOptional(data.Valid, r, console);
            ModelCatalog.CheckRatings(trainer, log, data.TrainSource(r));
            if (valid is not null) ModelCatalog.CheckRatings(trainer, valid, $"--valid '{r.GetValue(data.Valid)}'");
            var td = TrainingData.Create(log, valid, data.LoadItems(r, console, ds), data.LoadUsers(r, console, ds));
            if (twoTowerOptions is { UseItemFeatures: true } && td.ItemMetadata is null)
                console.Log("twotower: no item metadata (--items DIR|FILE), so the item tower reads ids only; genres and titles usually help (ML-100K p2: NDCG@10 .0570 with --items, .0517 without).");
            foreach (var warning in td.Warnings) console.Log($"warning: {warning}");
            var sw = Stopwatch.StartNew();
            // SIGINT or SIGTERM stops the fit (the checkpoint keeps the finished epochs); no model file is written.
            var fitted = SignalCancellation.Run(cancellation => console.WithProgress($"train {trainer.ModelType}", p => trainer.Fit(td, p, cancellation)),
                () => "twotower train: cancelled; no model was written" + (twoTowerOptions?.CheckpointDirectory is { } saved
                    ? $"; {saved} keeps every finished epoch (the one in progress is lost): the same command resumes after them" : ""));
            var fitSeconds = sw.Elapsed.TotalSeconds;
            if (td.Validation is { DroppedRows: > 0, Count: > 0 } v)
                console.Log($"--valid: {v.DroppedRows} rows have a user or item absent from training and were left out of validation.");
            if (fitted is TwoTowerRecommender { Report: { } report })
                foreach (var warning in report.Warnings) console.Log($"warning: {warning}");
            var summary = fitted.Describe();
            ModelFile.Save(path, fitted, td.Train.ToUserItemMatrix(), summary);

            var table = new Table().AddColumn("").AddColumn("");
            table.AddRow("model", Markup.Escape(fitted.ModelType));
            table.AddRow("users", td.Users.Count.ToString());
            table.AddRow("items", td.Items.Count.ToString());
            table.AddRow("interactions", td.Train.Count.ToString());
            table.AddRow("fit seconds", fitSeconds.ToString("0.000"));
            table.AddRow("saved to", Markup.Escape(path));
            console.Write(table);
            if (console.Json)
                console.WriteJson(new JsonObject
                {
                    ["model"] = fitted.ModelType,
                    ["fit_seconds"] = Math.Round(fitSeconds, 4),
                    ["users"] = td.Users.Count,
                    ["items"] = td.Items.Count,
                    ["interactions"] = td.Train.Count,
                    ["validation_interactions"] = td.Validation?.Count ?? 0,
                    ["validation_dropped_rows"] = td.Validation?.DroppedRows ?? 0,
                    ["out"] = path,
                    ["summary"] = Formatting.ToNode(summary),
                });
            return 0;
        });
        return cmd;
    }
}
