using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using Spectre.Console;
using TwoTower.Cli.Infrastructure;
using TwoTower.MLNet;
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
        var model = new Option<string>("--model") { Description = $"Model to tune: {models.Describe()}.", Required = true };
        var grid = new Option<string[]>("--grid")
        {
            Description = "One axis of the grid: an option name and its values, e.g. --grid Alpha=1,5,20 --grid Regularization=1,10 (repeatable; " +
                          "every combination is fitted; list values go in brackets: HiddenLayers=[256,128],[128]).",
            Required = true,
            AllowMultipleArgumentsPerToken = false,
        };
        var metric = new Option<string>("--metric") { Description = "Validation metric to maximise: NDCG@10, HR@10, Recall@100, MRR, ... (full ranking) or top_100, f_top_100 (TFRS).", DefaultValueFactory = _ => "NDCG@10" };
        var output = new Option<string?>("--out") { Description = "Save the best setting's model here (the model that was evaluated, fitted on --train)." };
        var json = new Option<bool>("--json") { Description = "Print one JSON object (metric, best, trials) as the last line." };
        var cmd = new Command("tune", "Grid-search a model's options: fit every combination on --train, score it on --valid, keep the best.");
        data.AddTo(cmd, test: false);
        foreach (var o in new Option[] { model, grid, metric, output, json }) cmd.Options.Add(o);
        models.AddOptionsTo(cmd);
        cmd.SetAction(r =>
        {
            console.Json = r.GetValue(json);
            var name = r.GetValue(model)!;
            IReadOnlyList<IReadOnlyList<string>> settings;
            try
            {
                settings = GridSearch.Expand(r.GetValue(grid) ?? []);
            }
            catch (ArgumentException ex)
            {
                throw new UserInputException($"--grid: {ex.MessageWithoutParameter()}");
            }
            foreach (var setting in settings) models.Create(name, r, setting); // every setting's options are checked before any fit
            try
            {
                GridSearch.CheckMetric(r.GetValue(metric)!);
            }
            catch (ArgumentException ex)
            {
                throw new UserInputException($"--metric: {ex.MessageWithoutParameter()}");
            }
            if (r.GetValue(data.Valid) is null) throw new UserInputException("--valid is required: the interactions each setting is scored on.");
            var (log, ds) = data.LoadTrain(r, console);
            var td = TrainingData.Create(log, data.LoadOptional(data.Valid, r, console), data.LoadItems(r, ds), data.LoadUsers(r, ds));
            if (td.Validation is { DroppedRows: > 0 } v)
                console.Log($"--valid: {v.DroppedRows} rows have a user or item absent from training and were left out.");
            if (td.Validation is not { Count: > 0 }) throw new UserInputException("--valid: no row has a user and an item known from --train; nothing to score the settings on.");
            var result = console.WithProgress($"tune {name}", p => GridSearch.Run(td, r.GetValue(grid)!, setting => models.Create(name, r, setting), r.GetValue(metric)!, r.GetValue(models.Threads),
                (trial, done, total) => console.Log($"tune {name}: {done}/{total} {string.Join(' ', trial.Assignments.Select(a => $"{Axis(a)}={Value(a)}"))} -> {trial.Score.ToString("0.0000", CultureInfo.InvariantCulture)} {r.GetValue(metric)} ({trial.FitSeconds:0.0} s)"),
                p));
            var path = r.GetValue(output);
            if (path is not null) ModelFile.Save(path, result.BestModel, td.Train.ToUserItemMatrix(), result.BestModel.Describe());

            var axes = result.Best.Assignments.Select(Axis).ToArray();
            var table = new Table { Title = new TableTitle(Markup.Escape($"{name} · {result.Trials.Count} settings · {result.Metric} on --valid")) };
            foreach (var axis in axes) table.AddColumn(Markup.Escape(axis));
            table.AddColumn(new TableColumn(Markup.Escape(result.Metric)).RightAligned()).AddColumn(new TableColumn("fit s").RightAligned()).AddColumn("");
            foreach (var t in result.Trials)
                table.AddRow(t.Assignments.Select(a => Markup.Escape(Value(a)))
                    .Append(Formatting.F4(t.Score)).Append(t.FitSeconds.ToString("0.0", CultureInfo.InvariantCulture)).Append(ReferenceEquals(t, result.Best) ? "best" : "").ToArray());
            console.Write(table);
            if (path is not null) console.Log($"best model saved to {path}");
            if (console.Json)
            {
                JsonObject Settings(GridSearchTrial t) => new(t.Assignments.Select(a => KeyValuePair.Create(Axis(a), (JsonNode?)JsonValue.Create(a[(a.IndexOf('=') + 1)..]))));
                var trials = new JsonArray();
                foreach (var t in result.Trials)
                    trials.Add(new JsonObject { ["settings"] = Settings(t), ["score"] = Math.Round(t.Score, 6), ["fit_seconds"] = Math.Round(t.FitSeconds, 4) });
                console.WriteJson(new JsonObject
                {
                    ["model"] = name,
                    ["metric"] = result.Metric,
                    ["best"] = new JsonObject { ["settings"] = Settings(result.Best), ["score"] = Math.Round(result.Best.Score, 6) },
                    ["trials"] = trials,
                    ["out"] = path,
                });
            }
            return 0;
        });
        return cmd;
    }

    private static string Axis(string assignment) => assignment[..assignment.IndexOf('=')];

    // An empty list value (no hidden layer) shows as [] rather than as nothing.
    private static string Value(string assignment) => assignment[(assignment.IndexOf('=') + 1)..] is { Length: > 0 } v ? v : "[]";
}
