using System.CommandLine;
using System.Text.Json.Nodes;
using TwoTower.Cli.Infrastructure;
using TwoTower.MLNet;
using TwoTower.MLNet.Data;
using TwoTower.MLNet.Evaluation;
using TwoTower.MLNet.MatrixFactorization;
using TwoTower.MLNet.Persistence;

namespace TwoTower.Cli.Commands;

/// <summary>`twotower evaluate`: exact retrieval metrics of a saved model (DESIGN §6).</summary>
internal static class EvaluateCommand
{
    public static Command Create(CliConsole console)
    {
        var data = new DataArguments();
        var modelPath = new Option<string>("--model") { Description = "Model file written by `twotower train`.", Required = true };
        var ks = new Option<string?>("--k") { Description = "Cut-offs, e.g. 1,5,10,50,100 (default: 1,5,10,50,100 for tfrs; 10,50,100 for full)." };
        var protocol = new Option<string>("--protocol") { Description = "full (rank all items except the user's train items; default), tfrs (every test row a query, train items not excluded; f_top_K with them excluded) or rating (RMSE/MAE of predicted ratings; rating models such as mf).", DefaultValueFactory = _ => "full" };
        protocol.AcceptOnlyFromAmong("full", "tfrs", "rating");
        var threads = new Option<int>("--threads") { Description = "Threads (0 = all cores).", DefaultValueFactory = _ => 0 };
        var json = new Option<bool>("--json") { Description = "Print one JSON object with the metrics as the last line." };
        var perUser = new Option<string?>("--per-user") { Description = "Also write each user's metric values to this CSV (user_id, weight, one column per averaged metric; for --protocol rating the user's MSE and MAE, weight = rated rows)." };
        var cmd = new Command("evaluate", "Evaluate a model: history = --train, targets = --test.");
        data.AddTo(cmd, data: false, valid: false, items: false, users: false);
        foreach (var o in new Option[] { modelPath, ks, protocol, threads, json, perUser }) cmd.Options.Add(o);
        cmd.SetAction(r =>
        {
            console.Json = r.GetValue(json);
            if (r.GetValue(perUser) is { } perUserOut) OutputPaths.File(perUserOut, "--per-user", "per-user.csv", ("--model", r.GetValue(modelPath)), ("--train", r.GetValue(data.Train)), ("--test", r.GetValue(data.Test)));
            var loaded = ModelArgument.Load(r.GetValue(modelPath), "--model");
            if (r.GetValue(protocol) == "rating")
            {
                // Taken and ignored, they looked as if they had been used.
                foreach (var ranking in new Option[] { ks, threads })
                    if (r.GetResult(ranking) is { Implicit: false })
                        throw new UserInputException($"{ranking.Name} is for the full and tfrs protocols (ranking); --protocol rating predicts every rated test row once.");
                return EvaluateRatings(console, loaded.Model, data, r, r.GetValue(perUser));
            }
            var (history, test) = LoadHistoryAndTest(data, r, console);
            var proto = r.GetValue(protocol)!;
            var result = Evaluate(loaded.Model, history, test, proto, r.GetValue(ks), r.GetValue(threads));
            console.Write(Formatting.MetricsTable(result, $"{loaded.Model.ModelType} · protocol {proto} · {result.Users} users · {result.Rows} test rows · {result.Seconds:0.000} s"));
            if (r.GetValue(perUser) is { } perUserPath)
            {
                result.PerUser!.WriteCsv(perUserPath, result.OrderedMetrics.Select(kv => kv.Key));
                console.Log($"per-user values of {result.PerUser.UserIds.Count} users written to {perUserPath}");
            }
            ReportUnknownRows(console, result, "");
            if (console.Json)
            {
                var obj = new JsonObject { ["model"] = loaded.Model.ModelType, ["protocol"] = proto };
                Formatting.AddMetrics(obj, result);
                Formatting.AddStandardErrors(obj, result);
                obj["users"] = result.Users;
                obj["rows"] = result.Rows;
                obj["unknown_item_rows"] = result.UnknownItemRows;
                obj["unknown_user_rows"] = result.UnknownUserRows;
                obj["seconds"] = Math.Round(result.Seconds, 4);
                console.WriteJson(obj);
            }
            return 0;
        });
        return cmd;
    }

    /// <summary>Says how many test rows the model could not score as it would a known pair (they explain a low figure).</summary>
    internal static void ReportUnknownRows(CliConsole console, EvaluationResult result, string who)
    {
        if (result.UnknownItemRows > 0) console.Log($"{who}{result.UnknownItemRows} test rows have items the model does not know (counted as misses).");
        if (result.UnknownUserRows > 0) console.Log($"{who}{result.UnknownUserRows} test rows have users the model does not know (scored with its cold-start answer).");
    }

    /// <summary>The --train (history) and --test logs, both required; warns when test rows repeat training rows.</summary>
    internal static (InteractionLog History, InteractionLog Test) LoadHistoryAndTest(DataArguments data, ParseResult r, CliConsole console)
    {
        var trainPath = r.GetValue(data.Train) ?? throw new UserInputException("--train is required: the users' history (excluded from ranking in full protocol).");
        var testPath = r.GetValue(data.Test) ?? throw new UserInputException("--test is required: the interactions to predict.");
        var (history, test) = (data.LoadLog(trainPath, r, console, "--train"), data.LoadLog(testPath, r, console, "--test"));
        WarnRepeatedPairs(console, history, "--train", test, "--test");
        return (history, test);
    }

    /// <summary>
    /// Warns when rows of <paramref name="scored"/> are (user, item) pairs of <paramref name="trained"/>: scoring pairs the model
    /// was fitted on measures memory, not recommendation (usually a mix-up of files; tune on the whole data set, for one).
    /// </summary>
    internal static void WarnRepeatedPairs(CliConsole console, InteractionLog trained, string trainedOption, InteractionLog scored, string scoredOption)
    {
        var pairs = new HashSet<(string, string)>(Enumerable.Range(0, trained.Count).Select(i => (trained.Users[i], trained.Items[i])));
        var repeated = Enumerable.Range(0, scored.Count).Count(i => pairs.Contains((scored.Users[i], scored.Items[i])));
        if (repeated > 0)
            console.Log($"warning: {repeated} of {scored.Count} {scoredOption} rows are also (user, item) pairs of {trainedOption}; the figures are inflated unless that is intended.");
    }

    /// <summary>Retrieval metrics of <paramref name="model"/> by protocol "full" or "tfrs", at the cut-offs of --k (else the protocol's defaults).</summary>
    internal static EvaluationResult Evaluate(MLNet.Models.IRecommender model, InteractionLog history, InteractionLog test, string protocol, string? ks, int threads)
    {
        if (threads < 0) throw new UserInputException($"--threads {threads}: must be ≥ 0 (0 = all cores).");
        var set = EvaluationSet.Create(model, history, test);
        return protocol == "tfrs"
            ? RetrievalEvaluator.EvaluateTfrs(model, set.History, set.Test, Formatting.ParseKs(ks, RetrievalEvaluator.DefaultTfrsKs), threads)
            : RetrievalEvaluator.EvaluateFullRanking(model, set.History, set.Test, Formatting.ParseKs(ks, RetrievalEvaluator.DefaultFullKs), threads);
    }

    // Rating prediction is the task of ML.NET's MatrixFactorizationTrainer: RMSE/MAE over the rated test rows.
    private static int EvaluateRatings(CliConsole console, MLNet.Models.IRecommender model, DataArguments data, ParseResult r, string? perUserPath)
    {
        if (model is not MatrixFactorizationModel { ModelType: MatrixFactorizationModel.ExplicitModelType } mf)
            throw new UserInputException($"--protocol rating needs a rating model (train with --model mf); '{model.ModelType}' scores preferences, not ratings.");
        var testPath = r.GetValue(data.Test) ?? throw new UserInputException("--test is required: the rated interactions to predict.");
        var log = data.LoadLog(testPath, r, console, "--test");
        if (!log.HasRatings) throw new UserInputException($"--test '{testPath}' has no rating column; --protocol rating needs ratings.");
        var test = Interactions.Encode(log, new IdMap("user"), new IdMap("item"), UnknownIdPolicy.Add);
        EvaluationResult m;
        try
        {
            m = RatingEvaluation.Evaluate(mf, test);
        }
        catch (ArgumentException ex)
        {
            throw new UserInputException($"--test '{testPath}': {ex.MessageWithoutParameter()}");
        }
        var (rmseSe, maeSe) = (RatingEvaluation.StandardError(m, "RMSE"), RatingEvaluation.StandardError(m, "MAE"));
        console.Write(Formatting.KeyValueTable($"{model.ModelType} · protocol rating · {m.Rows} rated rows · {m.Users} users", new[]
        {
            ("RMSE", $"{Formatting.F4(m["RMSE"])} ± {Formatting.F4(rmseSe)}"),
            ("MAE", $"{Formatting.F4(m["MAE"])} ± {Formatting.F4(maeSe)}"),
            ("rows with unknown items (skipped)", m.UnknownItemRows.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        }));
        if (perUserPath is not null)
        {
            // Each user's own MSE and MAE over their rows (weight = rows): what compare pairs.
            m.PerUser!.WriteCsv(perUserPath, ["MSE", "MAE"]);
            console.Log($"per-user values of {m.PerUser.UserIds.Count} users written to {perUserPath}");
        }
        if (console.Json)
            console.WriteJson(new JsonObject
            {
                ["model"] = model.ModelType, ["protocol"] = "rating", ["RMSE"] = Math.Round(m["RMSE"], 6), ["MAE"] = Math.Round(m["MAE"], 6),
                ["standard_errors"] = new JsonObject { ["RMSE"] = Formatting.Number(rmseSe), ["MAE"] = Formatting.Number(maeSe) },
                ["users"] = m.Users, ["rows"] = m.Rows, ["unknown_item_rows"] = m.UnknownItemRows,
            });
        return 0;
    }
}
