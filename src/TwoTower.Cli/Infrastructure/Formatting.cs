using System.Globalization;
using System.Text.Json.Nodes;
using Spectre.Console;
using TwoTower.MLNet.Evaluation;

namespace TwoTower.Cli.Infrastructure;

/// <summary>Shared rendering of metrics and parsing of list arguments.</summary>
internal static class Formatting
{
    /// <summary>Four decimals; "n/a" for an undefined value (a standard error over one user).</summary>
    public static string F4(double v) => double.IsNaN(v) ? "n/a" : v.ToString("0.0000", CultureInfo.InvariantCulture);

    /// <summary>A difference with its sign always shown (+0.0123, -0.0045).</summary>
    public static string SignedF4(double v) => double.IsNaN(v) ? "n/a" : v.ToString("+0.0000;-0.0000", CultureInfo.InvariantCulture);

    /// <summary>A p-value to four decimals, "&lt;.0001" below that.</summary>
    public static string PValue(double p) => p < 1e-4 ? "<.0001" : F4(p);

    /// <summary>A JSON number rounded to six decimals, or null for NaN/∞ (JSON has no such numbers).</summary>
    public static JsonNode? Number(double v) => double.IsFinite(v) ? Math.Round(v, 6) : null;

    /// <summary>A p-value as JSON: unrounded (small ones matter), null when undefined.</summary>
    public static JsonNode? PValueNumber(double p) => double.IsFinite(p) ? p : null;

    public static int[] ParseKs(string? text, IReadOnlyList<int> defaults)
    {
        if (string.IsNullOrWhiteSpace(text)) return defaults.ToArray();
        var ks = new List<int>();
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!int.TryParse(part, NumberStyles.Integer, CultureInfo.InvariantCulture, out var k) || k < 1)
                throw new UserInputException($"--k '{text}': '{part}' is not a positive integer (expected e.g. 1,5,10,50,100).");
            ks.Add(k);
        }
        if (ks.Count == 0) throw new UserInputException($"--k '{text}': no cut-off given (expected e.g. 1,5,10,50,100).");
        return ks.ToArray();
    }

    public static Table MetricsTable(EvaluationResult result, string title)
    {
        var t = new Table().Title(Markup.Escape(title)).AddColumn("metric").AddColumn(new TableColumn("value").RightAligned())
            .AddColumn(new TableColumn("± s.e.").RightAligned());
        foreach (var (name, value) in result.OrderedMetrics)
            t.AddRow(Markup.Escape(name), F4(value), result.StandardErrors.TryGetValue(name, out var se) ? F4(se) : "");
        return t;
    }

    public static Table KeyValueTable(string title, IEnumerable<(string Key, string Value)> rows)
    {
        var t = new Table().Title(Markup.Escape(title)).AddColumn("").AddColumn(new TableColumn("").RightAligned());
        foreach (var (k, v) in rows) t.AddRow(Markup.Escape(k), Markup.Escape(v));
        return t;
    }

    public static void AddMetrics(JsonObject json, EvaluationResult result)
    {
        foreach (var (name, value) in result.OrderedMetrics) json[name] = Math.Round(value, 6);
    }

    /// <summary>Adds "standard_errors": {metric: error} for the metrics that have one (averages over users or rows).</summary>
    public static void AddStandardErrors(JsonObject json, EvaluationResult result)
    {
        if (result.StandardErrors.Count == 0) return;
        var errors = new JsonObject();
        foreach (var (name, _) in result.OrderedMetrics)
            if (result.StandardErrors.TryGetValue(name, out var se)) errors[name] = Number(se);
        json["standard_errors"] = errors;
    }

    public static JsonNode? ToNode(object? value) => value switch
    {
        null => null,
        JsonNode n => n.DeepClone(),
        string s => s,
        bool b => b,
        int i => i,
        long l => l,
        float f => Math.Round((double)f, 6),
        double d => double.IsFinite(d) ? Math.Round(d, 6) : d.ToString(CultureInfo.InvariantCulture),
        IReadOnlyDictionary<string, object?> dict => new JsonObject(dict.Select(kv => KeyValuePair.Create(kv.Key, ToNode(kv.Value)))),
        IDictionary<string, double> dd => new JsonObject(dd.Select(kv => KeyValuePair.Create(kv.Key, ToNode(kv.Value)))),
        System.Collections.IEnumerable e => new JsonArray(e.Cast<object?>().Select(ToNode).ToArray()),
        _ => System.Text.Json.JsonSerializer.SerializeToNode(value),
    };
}
