using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using Spectre.Console;
using TwoTower.Cli.Infrastructure;
using TwoTower.MLNet;
using TwoTower.MLNet.Evaluation;
using TwoTower.MLNet.Persistence;
using TwoTower.MLNet.Training;

namespace TwoTower.Cli.Commands;

/// <summary>`twotower tune`: grid search of a model's options on validation data (the defaults were tuned on MovieLens).</summary>
internal static class TuneCommand
{
    public static Command Create(CliConsole console)
    {
        var data = new DataArguments();
        var models = new ModelCatalog(console);
        var model = new Option<string>("--model") { Description = $"Model to tune: {models.Describe(models.Tunable)}.", Required = true };
        var grid = new Option<string[]>("--grid")
        {
            Description = "One axis of the grid: an option name and its values, e.g. --grid Alpha=1,5,20 --grid Regularization=1,10 (repeatable; " +
                          "every combination is fitted; list values go in brackets: HiddenLayers=[256,128],[128]).",
            Required = true,
            AllowMultipleArgumentsPerToken = false,
        };
        var trials = new Option<int>("--trials")
        {
            Description = "Random search: fit this many settings drawn from the grid (seeded by --seed) instead of every combination; 0 = the whole grid.",
            DefaultValueFactory = _ => 0,
        };
        var seeds = new Option<int>("--seeds")
        {
            Description = "Fit every setting with this many seeds (--seed, --seed + 1, ...) and score it by their mean, so training noise moves the ranking less (models with a Seed option).",
            DefaultValueFactory = _ => 1,
        };
        var metric = new Option<string>("--metric") { Description = "Validation metric: NDCG@10, HR@10, Recall@100, MRR, ... (full ranking) or top_100, f_top_100 (TFRS), maximised; RMSE or MAE of predicted ratings (mf), minimised.", DefaultValueFactory = _ => "NDCG@10" };
        var output = new Option<string?>("--out") { Description = "Save the best setting's model here (the model that was evaluated, fitted on --train)." };
        var json = new Option<bool>("--json") { Description = "Print one JSON object (metric, best, trials) as the last line." };
        var cmd = new Command("tune", "Search a model's options: fit every combination of the grid (or --trials random ones) on --train, score it on --valid, keep the best.");
        data.AddTo(cmd, test: false);
        foreach (var o in new Option[] { model, grid, trials, seeds, metric, output, json }) cmd.Options.Add(o);
        models.AddOptionsTo(cmd);
        cmd.SetAction(r =>
        {
            console.Json = r.GetValue(json);
            var name = r.GetValue(model)!;
            var trialCount = r.GetValue(trials);
            if (trialCount is < 0 or > GridSearch.MaxSettings) throw new UserInputException($"--trials {trialCount}: expected 0 (the whole grid) to {GridSearch.MaxSettings}.");
            var seed = r.GetValue(models.Seed);
            var seedCount = r.GetValue(seeds);
            if (seedCount is < 1 or > 100) throw new UserInputException($"--seeds {seedCount}: expected 1 to 100.");
            IReadOnlyList<IReadOnlyList<string>> settings;
            var sampled = false;
            try
            {
                settings = trialCount == 0 ? GridSearch.Expand(r.GetValue(grid) ?? []) : GridSearch.Sample(r.GetValue(grid) ?? [], trialCount, seed);
                // --trials at or past the grid's size fits the whole grid: say so rather than "random".
                sampled = trialCount > 0 && GridSearch.Count(r.GetValue(grid) ?? []) > trialCount;
            }
            catch (ArgumentException ex)
            {
                var hint = trialCount == 0 && ex.Message.Contains("settings; at most", StringComparison.Ordinal) ? $" Give --trials N (N ≤ {GridSearch.MaxSettings}) to fit N random settings of it." : "";
                throw new UserInputException($"--grid: {ex.MessageWithoutParameter()}{hint}");
            }
            // Every setting has every axis: the first names them.
            models.CheckGridAxes(name, r, settings.Count > 0 ? settings[0].Select(Axis) : []);
            try
            {
                GridSearch.CheckSeeds(settings, seedCount);
            }
            catch (ArgumentException ex)
            {
                throw new UserInputException($"--seeds: {ex.MessageWithoutParameter()}");
            }
            if (seedCount > 1)
            {
                try
                {
                    models.Create(name, r, [$"Seed={seed}"]);
                }
                catch (UserInputException)
                {
                    throw new UserInputException($"--seeds {seedCount}: model '{name}' has no Seed option (its fit is deterministic), so there is only one fit per setting.");
                }
            }
            // Every setting's options are checked before any fit (with --seeds, the Seed option too: deterministic models have none).
            var trainers = settings.Select(setting => models.Create(name, r, seedCount > 1 ? [.. setting, $"Seed={seed}"] : setting)).ToList();
            try
            {
                GridSearch.CheckMetric(r.GetValue(metric)!, trainers[0]);
            }
            catch (ArgumentException ex)
            {
                throw new UserInputException($"--metric: {ex.MessageWithoutParameter()}");
            }
            if (r.GetValue(data.Valid) is null) throw new UserInputException("--valid is required: the interactions each setting is scored on.");
            var path = r.GetValue(output) is { } o ? OutputPaths.File(o, "--out", "model.zip", ("--train", r.GetValue(data.Train)), ("--valid", r.GetValue(data.Valid)), ("--data", r.GetValue(data.Data)),
                ("--items", r.GetValue(data.Items)), ("--warm-start", r.GetValue(models.WarmStartModel))) : null;
            var (log, ds) = data.LoadTrain(r, console);
            var validLog = data.LoadOptional(data.Valid, r, console)!;
            ModelCatalog.CheckRatings(trainers[0], log, data.TrainSource(r));
            if (TwoTower.MLNet.MatrixFactorization.RatingEvaluation.IsRatingMetric(r.GetValue(metric)!)) ModelCatalog.CheckRatings(trainers[0], validLog, $"--valid '{r.GetValue(data.Valid)}'");
            EvaluateCommand.WarnRepeatedPairs(console, log, r.GetValue(data.Train) is not null ? "--train" : "--data", validLog, "--valid");
            var td = TrainingData.Create(log, validLog, data.LoadItems(r, console, ds), data.LoadUsers(r, console, ds));
            var validRows = validLog.Count;
            if (td.Validation is { DroppedRows: > 0 } v)
                console.Log($"--valid: {v.DroppedRows} rows have a user or item absent from training and were left out (evaluate counts them as misses).");
            if (td.Validation is not { Count: > 0 }) throw new UserInputException("--valid: no row has a user and an item known from --train; nothing to score the settings on.");
            var finished = 0;
            // SIGINT or SIGTERM stops the search; the finished trials are on stderr already (one line each), and no model is saved.
            var result = SignalCancellation.Run(cancellation => console.WithProgress($"tune {name}", p => GridSearch.Run(td, r.GetValue(grid)!, setting => models.Create(name, r, setting), r.GetValue(metric)!, r.GetValue(models.Threads),
                (trial, done, total) =>
                {
                    finished = done;
                    console.Log($"tune {name}: {done}/{total} {string.Join(' ', trial.Assignments.Select(a => $"{Axis(a)}={Value(a)}"))} -> " +
                        (trial.Failure is { } failure ? $"failed: {failure}" : $"{trial.Score.ToString("0.0000", CultureInfo.InvariantCulture)} {r.GetValue(metric)} ({trial.FitSeconds:0.0} s)"));
                },
                p, trialCount, seed, seedCount, cancellation)),
                () => $"twotower tune: cancelled after {finished} of {settings.Count} settings" + (finished > 0 ? " (their scores are in the lines above)" : "") +
                      (path is not null ? "; no model was saved" : ""));
            if (path is not null) ModelFile.Save(path, result.BestModel, td.Train.ToUserItemMatrix(), result.BestModel.Describe());

            var againstBest = result.Trials.Select(result.CompareWithBest).ToArray(); // aligned with the trials, for the table and the JSON
            var axes = result.Best.Assignments.Select(Axis).ToArray();
            var table = new Table { Title = new TableTitle(Markup.Escape($"{name} · {result.Trials.Count} {(sampled ? "random settings" : "settings")} · {result.Metric}{(result.LowerIsBetter ? " (lower is better)" : "")} on --valid" + (td.Validation.Count < validRows ? $" ({td.Validation.Count} of {validRows} rows)" : "") + (seedCount > 1 ? $", mean of {seedCount} seeds" : ""))) };
            foreach (var axis in axes) table.AddColumn(Markup.Escape(axis));
            table.AddColumn(new TableColumn(Markup.Escape(result.Metric)).RightAligned()).AddColumn(new TableColumn("± s.e.").RightAligned())
                .AddColumn(new TableColumn("fit s").RightAligned()).AddColumn("against the best (paired)");
            foreach (var (t, c) in result.Trials.Zip(againstBest))
                table.AddRow(t.Assignments.Select(a => Markup.Escape(Value(a)))
                    .Append(Formatting.F4(t.Score)).Append(Formatting.F4(t.ScoreStandardError))
                    .Append(t.FitSeconds.ToString("0.0", CultureInfo.InvariantCulture)).Append(AgainstBest(t, result.Best, c)).ToArray());
            console.Write(table);
            if (path is not null) console.Log($"best model saved to {path}");
            if (console.Json)
            {
                JsonObject Settings(GridSearchTrial t) => new(t.Assignments.Select(a => KeyValuePair.Create(Axis(a), (JsonNode?)JsonValue.Create(a[(a.IndexOf('=') + 1)..]))));
                var trials = new JsonArray();
                foreach (var (t, c) in result.Trials.Zip(againstBest))
                {
                    trials.Add(new JsonObject
                    {
                        ["settings"] = Settings(t), ["score"] = Formatting.Number(t.Score), ["fit_seconds"] = Math.Round(t.FitSeconds, 4),
                        ["standard_error"] = Formatting.Number(t.ScoreStandardError),
                        ["seed_scores"] = new JsonArray(t.SeedScores.Select(v => (JsonNode?)Math.Round(v, 6)).ToArray()),
                        ["vs_best"] = c is null ? null : new JsonObject { ["difference"] = Math.Round(c.Difference, 6), ["standard_error"] = Formatting.Number(c.StandardError), ["p_value"] = Formatting.PValueNumber(c.PValue) },
                        ["failure"] = t.Failure,
                    });
                }
                console.WriteJson(new JsonObject
                {
                    ["model"] = name,
                    ["metric"] = result.Metric,
                    ["lower_is_better"] = result.LowerIsBetter,
                    ["search"] = sampled ? $"random {trialCount} (seed {seed})" : "grid",
                    ["seeds"] = seedCount,
                    ["best"] = new JsonObject { ["settings"] = Settings(result.Best), ["score"] = Math.Round(result.Best.Score, 6) },
                    ["trials"] = trials,
                    ["out"] = path,
                });
            }
            return 0;
        });
        return cmd;
    }

    // "best", or the paired difference from the best with its p-value (nothing for a metric without per-user values).
    private static string AgainstBest(GridSearchTrial trial, GridSearchTrial best, MetricComparison? comparison)
    {
        if (ReferenceEquals(trial, best)) return "best";
        if (trial.Failure is { } failure) return Markup.Escape($"failed: {failure}");
        if (comparison is not { } c) return "";
        return $"{Formatting.SignedF4(c.Difference)} ± {Formatting.F4(c.StandardError)}, p {Formatting.PValue(c.PValue)}" + (c.PValue >= 0.05 ? " (within noise)" : "");
    }

    private static string Axis(string assignment) => assignment[..assignment.IndexOf('=')];

    // An empty list value (no hidden layer) shows as [] rather than as nothing.
    private static string Value(string assignment) => assignment[(assignment.IndexOf('=') + 1)..] is { Length: > 0 } v ? v : "[]";
}
