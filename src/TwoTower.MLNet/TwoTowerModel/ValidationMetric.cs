using TwoTower.MLNet.Data;
using TwoTower.MLNet.Evaluation;
using TwoTower.MLNet.Models;

namespace TwoTower.MLNet.TwoTowerModel;

/// <summary>Parses an early-stopping metric name ("NDCG@10", "top_100", "f_top_100", "MRR") and evaluates it with the matching protocol.</summary>
internal sealed class ValidationMetric
{
    private ValidationMetric(string name, bool tfrs, int? k)
    {
        Name = name;
        IsTfrs = tfrs;
        K = k;
    }

    public string Name { get; }
    public bool IsTfrs { get; }
    public int? K { get; }

    public static ValidationMetric Parse(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (name.StartsWith("top_", StringComparison.Ordinal) || name.StartsWith("f_top_", StringComparison.Ordinal))
        {
            // The K follows the prefix itself: after the last '_', "top__10" and "top_x_10" read as K = 10 and failed after the first fit.
            var kText = name[(name.StartsWith("top_", StringComparison.Ordinal) ? "top_".Length : "f_top_".Length)..];
            if (!IsPlainK(kText, out var k))
                throw new ArgumentException($"Validation metric '{name}': expected top_K or f_top_K with K a whole number ≥ 1 written plainly (e.g. top_100).", nameof(name));
            return new ValidationMetric(name, true, k);
        }
        var at = name.IndexOf('@');
        if (at >= 0)
        {
            if (!IsPlainK(name[(at + 1)..], out var k))
                throw new ArgumentException($"Validation metric '{name}': expected NAME@K with K a whole number ≥ 1 written plainly (e.g. NDCG@10).", nameof(name));
            if (name[..at] is "PopularityPercentile" or "Gini")
                throw new ArgumentException($"Validation metric '{name}': {name[..at]} describes the lists (lower is not worse), it is no score to maximise; use {string.Join(", ", FullRankingAtK)} @K, MRR, top_K or f_top_K.", nameof(name));
            if (!FullRankingAtK.Contains(name[..at]))
                throw new ArgumentException($"Validation metric '{name}': '{name[..at]}' is not a full-ranking metric (expected {string.Join(", ", FullRankingAtK)} @K, MRR, top_K or f_top_K).", nameof(name));
            return new ValidationMetric(name, false, k);
        }
        if (name != "MRR")
            throw new ArgumentException($"Validation metric '{name}' is unknown (expected NAME@K with NAME one of {string.Join(", ", FullRankingAtK)}, or MRR, top_K, f_top_K).", nameof(name));
        return new ValidationMetric(name, false, null);
    }

    // The evaluator names its metrics by K's plain digits: "NDCG@010" or "top_+5" would parse here and then be missing
    // from the result after the first fit.
    private static bool IsPlainK(string text, out int k) =>
        int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out k) && k >= 1
        && k.ToString(System.Globalization.CultureInfo.InvariantCulture) == text;

    // The @K metrics of RetrievalEvaluator.EvaluateFullRanking that grow with quality, so a misspelt name fails before any
    // training (PopularityPercentile and Gini describe the lists and are not maximised).
    private static readonly string[] FullRankingAtK = ["HR", "Recall", "NDCG", "MAP", "Coverage"];

    public IReadOnlyDictionary<string, double> Evaluate(IRecommender model, Interactions train, Interactions validation, int threads, CancellationToken cancellationToken) =>
        EvaluateResult(model, train, validation, threads, cancellationToken).Metrics;

    public EvaluationResult EvaluateResult(IRecommender model, Interactions train, Interactions validation, int threads, CancellationToken cancellationToken)
    {
        var ks = K is { } k ? new[] { k } : null;
        var result = IsTfrs
            ? RetrievalEvaluator.EvaluateTfrs(model, train, validation, ks, threads, cancellationToken)
            : RetrievalEvaluator.EvaluateFullRanking(model, train, validation, ks, threads, cancellationToken);
        if (!result.Metrics.ContainsKey(Name))
            throw new ArgumentException($"Validation metric '{Name}' is not reported by the {(IsTfrs ? "tfrs" : "full-ranking")} protocol (it reports: {string.Join(", ", result.Metrics.Keys)}).", "ValidationMetric");
        return result;
    }
}
