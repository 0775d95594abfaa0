namespace TwoTower.MLNet.Evaluation;

/// <summary>
/// Is model A better than model B on this test set? Both are evaluated on the same users, so each user's difference
/// is one paired unit: the standard error of the difference is that of the per-user differences, much smaller than
/// the two metrics' own errors combined when the models agree on which users are easy.
/// </summary>
public static class EvaluationComparison
{
    /// <summary>
    /// Compares every metric that has per-user values in both results, in <paramref name="result"/>'s order. The results
    /// must cover the same users (by raw id) with the same number of test rows each; two test sets that agree on both
    /// cannot be told apart from the results, so evaluate both models on the same files.
    /// </summary>
    /// <exception cref="ArgumentException">The results are of different protocols, cover different users or row counts, or lack per-user values.</exception>
    public static IReadOnlyList<MetricComparison> Compare(EvaluationResult result, EvaluationResult baseline)
    {
        var (a, b, order) = CheckPaired(result, baseline);
        return result.OrderedMetrics.Where(kv => a.Contains(kv.Key) && b.Contains(kv.Key)).Select(kv => Compare(a, b, order, kv.Key)).ToArray();
    }

    /// <summary>Compares one metric (e.g. "NDCG@10", "top_100").</summary>
    /// <exception cref="ArgumentException">As <see cref="Compare(EvaluationResult, EvaluationResult)"/>.</exception>
    /// <exception cref="KeyNotFoundException">A result has no per-user values of <paramref name="metric"/>.</exception>
    public static MetricComparison Compare(EvaluationResult result, EvaluationResult baseline, string metric)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(metric);
        var (a, b, order) = CheckPaired(result, baseline);
        return Compare(a, b, order, metric);
    }

    /// <summary>
    /// Compares <paramref name="scale"/>·(the model's <paramref name="metric"/>) against <paramref name="baselineScale"/>·(the
    /// baseline's), user by user: the linearised difference of two smooth functions of the metric (the delta method), whose
    /// gradients differ between the models when their values do.
    /// </summary>
    internal static MetricComparison CompareScaled(EvaluationResult result, EvaluationResult baseline, string metric, double scale, double baselineScale)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(metric);
        var (a, b, order) = CheckPaired(result, baseline);
        return Compare(a, b, order, metric, scale, baselineScale);
    }

    // order[u]: the baseline's position of the model's user u.
    private static MetricComparison Compare(PerUserMetrics a, PerUserMetrics b, int[] order, string metric, double scale = 1, double baselineScale = 1)
    {
        var (x, yb, w) = (a.Values(metric), b.Values(metric), a.WeightValues);
        var y = new double[x.Length];
        for (var u = 0; u < y.Length; u++) y[u] = yb[order[u]];
        var d = new double[x.Length];
        double sw = 0, swx = 0, swy = 0;
        for (var u = 0; u < d.Length; u++)
        {
            d[u] = scale * x[u] - baselineScale * y[u];
            sw += w[u];
            swx += w[u] * scale * x[u];
            swy += w[u] * baselineScale * y[u];
        }
        var (va, vb) = (swx / sw, swy / sw);
        var diff = va - vb;
        var se = PerUserMetrics.RatioStandardError(d, a.WeightValues);
        // A paired t test over the users: the standard error already carries the n/(n − 1) correction.
        var p = double.IsNaN(se) ? double.NaN : se > 0 ? StudentTDistribution.TwoSidedP(diff / se, d.Length - 1) : diff == 0 ? 1.0 : 0.0;
        return new MetricComparison(metric, va, vb, diff, se, p, d.Length);
    }

    // Users are matched by raw id: two models' maps may order the same users differently.
    private static (PerUserMetrics A, PerUserMetrics B, int[] Order) CheckPaired(EvaluationResult result, EvaluationResult baseline)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(baseline);
        if (result.Protocol != baseline.Protocol)
            throw new ArgumentException($"The results are of different protocols ('{result.Protocol}' and '{baseline.Protocol}'); compare results of one protocol.", nameof(baseline));
        var a = result.PerUser ?? throw new ArgumentException("The result has no per-user values (evaluate with RetrievalEvaluator).", nameof(result));
        var b = baseline.PerUser ?? throw new ArgumentException("The baseline result has no per-user values (evaluate with RetrievalEvaluator).", nameof(baseline));
        if (a.UserIds.Count != b.UserIds.Count)
            throw new ArgumentException($"The results are over different test sets ({a.UserIds.Count} and {b.UserIds.Count} users); evaluate both models on the same --train/--test files.", nameof(baseline));
        var position = new Dictionary<string, int>(b.UserIds.Count, StringComparer.Ordinal);
        for (var u = 0; u < b.UserIds.Count; u++) position[b.UserIds[u]] = u;
        var order = new int[a.UserIds.Count];
        for (var u = 0; u < order.Length; u++)
        {
            if (!position.TryGetValue(a.UserIds[u], out order[u]))
                throw new ArgumentException($"The results are over different test sets (user '{a.UserIds[u]}' is only in the first); evaluate both models on the same --train/--test files.", nameof(baseline));
            if (a.WeightValues[u] != b.WeightValues[order[u]])
                throw new ArgumentException($"The results are over different test sets (user '{a.UserIds[u]}' has {a.WeightValues[u]} and {b.WeightValues[order[u]]} test rows); evaluate both models on the same --train/--test files. " +
                    "A rating evaluation leaves out the rows whose item a model does not know, so models trained on different data score different rows.", nameof(baseline));
        }
        // Full ranking weighs every user 1: only the total tells test sets with other rows of the same users apart.
        if (result.Rows != baseline.Rows)
            throw new ArgumentException($"The results are over different test sets ({result.Rows} and {baseline.Rows} test rows); evaluate both models on the same --train/--test files.", nameof(baseline));
        return (a, b, order);
    }
}
