using System.CommandLine;
using System.Text.Json.Nodes;
using Spectre.Console;
using TwoTower.Cli.Infrastructure;
using TwoTower.MLNet.Evaluation;
using TwoTower.MLNet.Persistence;

namespace TwoTower.Cli.Commands;

/// <summary>`twotower compare`: two models on one test set, each metric's difference with its paired standard error and p-value.</summary>
internal static class CompareCommand
{
    public static Command Create(CliConsole console)
    {
        var data = new DataArguments();
        var modelPath = new Option<string>("--model") { Description = "The model file to judge (written by `twotower train`).", Required = true };
        var baselinePath = new Option<string>("--baseline") { Description = "The model file to compare it against.", Required = true };
        var ks = new Option<string?>("--k") { Description = "Cut-offs, e.g. 10,50,100 (default: the protocol's, as in evaluate)." };
        var protocol = new Option<string>("--protocol") { Description = "full (default) or tfrs, as in evaluate.", DefaultValueFactory = _ => "full" };
        protocol.AcceptOnlyFromAmong("full", "tfrs");
        var threads = new Option<int>("--threads") { Description = "Threads (0 = all cores).", DefaultValueFactory = _ => 0 };
        var json = new Option<bool>("--json") { Description = "Print one JSON object with the comparison as the last line." };
        var cmd = new Command("compare", "Compare two models on one test set: differences paired over users, with standard errors and p-values.");
        data.AddTo(cmd, data: false, valid: false, items: false, users: false);
        foreach (var o in new Option[] { modelPath, baselinePath, ks, protocol, threads, json }) cmd.Options.Add(o);
        cmd.SetAction(r =>
        {
            console.Json = r.GetValue(json);
            var model = ModelArgument.Load(r.GetValue(modelPath), "--model").Model;
            var baseline = ModelArgument.Load(r.GetValue(baselinePath), "--baseline").Model;
            var (history, test) = EvaluateCommand.LoadHistoryAndTest(data, r, console);
            var proto = r.GetValue(protocol)!;
            var a = EvaluateCommand.Evaluate(model, history, test, proto, r.GetValue(ks), r.GetValue(threads));
            var b = EvaluateCommand.Evaluate(baseline, history, test, proto, r.GetValue(ks), r.GetValue(threads));
            EvaluateCommand.ReportUnknownRows(console, a, "--model: ");
            EvaluateCommand.ReportUnknownRows(console, b, "--baseline: ");
            var rows = EvaluationComparison.Compare(a, b);
            var users = rows.Count > 0 ? rows[0].Users : a.Users;
            var t = new Table().Title(Markup.Escape($"{model.ModelType} against {baseline.ModelType} · protocol {proto} · {users} users, paired"))
                .AddColumn("metric").AddColumn(new TableColumn("model").RightAligned()).AddColumn(new TableColumn("baseline").RightAligned())
                .AddColumn(new TableColumn("difference").RightAligned()).AddColumn(new TableColumn("± s.e.").RightAligned()).AddColumn(new TableColumn("p").RightAligned());
            foreach (var c in rows)
                t.AddRow(Markup.Escape(c.Metric), Formatting.F4(c.Value), Formatting.F4(c.BaselineValue), Formatting.SignedF4(c.Difference), Formatting.F4(c.StandardError), Formatting.PValue(c.PValue));
            console.Write(t);
            if (console.Json)
            {
                var metrics = new JsonObject();
                foreach (var c in rows)
                    metrics[c.Metric] = new JsonObject
                    {
                        ["value"] = Math.Round(c.Value, 6), ["baseline"] = Math.Round(c.BaselineValue, 6), ["difference"] = Math.Round(c.Difference, 6),
                        ["standard_error"] = Formatting.Number(c.StandardError), ["p_value"] = Formatting.PValueNumber(c.PValue),
                    };
                console.WriteJson(new JsonObject
                {
                    ["model"] = model.ModelType, ["baseline"] = baseline.ModelType, ["protocol"] = proto, ["users"] = users, ["rows"] = a.Rows, ["metrics"] = metrics,
                });
            }
            return 0;
        });
        return cmd;
    }
}
