using System.Diagnostics;
using TwoTower.MLNet.Data;
using TwoTower.MLNet.Evaluation;

namespace TwoTower.MLNet.MatrixFactorization;

/// <summary>
/// Rating-prediction error as an <see cref="EvaluationResult"/> (protocol "rating"): RMSE, MAE and MSE over the rated pairs,
/// with each user's own MSE and MAE (weighted by their rows), so that two models' errors can be paired user by user
/// (<see cref="EvaluationComparison"/>) as the ranking metrics are. What <c>tune --metric RMSE</c> scores.
/// </summary>
public static class RatingEvaluation
{
    /// <summary>Names of the metrics, lower is better.</summary>
    public static IReadOnlyList<string> MetricNames { get; } = ["RMSE", "MAE"];

    /// <summary>Whether <paramref name="metric"/> is one of <see cref="MetricNames"/>.</summary>
    public static bool IsRatingMetric(string metric) => MetricNames.Contains(metric, StringComparer.Ordinal);

    /// <summary>Evaluates <paramref name="model"/> on <paramref name="test"/> (ids matched by raw id; rows with items unknown to the model are skipped and counted).</summary>
    /// <exception cref="ArgumentException">No row has an item the model knows.</exception>
    public static EvaluationResult Evaluate(MatrixFactorizationModel model, Interactions test)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(test);
        var sw = Stopwatch.StartNew();
        var sameUsers = ReferenceEquals(test.Users, model.Users);
        var sameItems = ReferenceEquals(test.Items, model.Items);
        var byUser = new Dictionary<int, (double Se, double Ae, int Rows)>();
        var (unknownItems, unknownUsers) = (0, 0);
        for (var r = 0; r < test.Count; r++)
        {
            var ik = test.ItemKeys[r];
            if (!sameItems && !model.Items.TryGetKey(test.Items.GetRawId(ik), out ik)) { unknownItems++; continue; }
            var uk = test.UserKeys[r];
            if (!sameUsers && !model.Users.TryGetKey(test.Users.GetRawId(uk), out uk)) { uk = -1; unknownUsers++; }
            double e = model.Predict(uk, ik) - test.Ratings[r];
            var (se, ae, n) = byUser.GetValueOrDefault(test.UserKeys[r]);
            byUser[test.UserKeys[r]] = (se + e * e, ae + Math.Abs(e), n + 1);
        }
        if (byUser.Count == 0) throw new ArgumentException($"None of the {test.Count} test rows has an item known to the model.", nameof(test));
        var users = byUser.Keys.Order().ToArray();
        var rows = users.Sum(u => byUser[u].Rows);
        var mse = users.Sum(u => byUser[u].Se) / rows;
        var mae = users.Sum(u => byUser[u].Ae) / rows;
        var perUser = new PerUserMetrics(
            users.Select(u => test.Users.GetRawId(u)).ToArray(),
            users.Select(u => (double)byUser[u].Rows).ToArray(),
            new Dictionary<string, double[]>(StringComparer.Ordinal)
            {
                ["MSE"] = users.Select(u => byUser[u].Se / byUser[u].Rows).ToArray(),
                ["MAE"] = users.Select(u => byUser[u].Ae / byUser[u].Rows).ToArray(),
            });
        KeyValuePair<string, double>[] metrics = [new("RMSE", Math.Sqrt(mse)), new("MAE", mae), new("MSE", mse)];
        return new EvaluationResult("rating", metrics, users.Length, rows, unknownItems, unknownUsers, sw.Elapsed.TotalSeconds, perUser);
    }

    /// <summary>
    /// The standard error by users of <paramref name="metric"/> in <paramref name="result"/>: MAE's own; RMSE's from the users'
    /// MSE by the delta method (÷ 2·RMSE).
    /// </summary>
    public static double StandardError(EvaluationResult result, string metric)
    {
        ArgumentNullException.ThrowIfNull(result);
        var errors = result.StandardErrors;
        return metric switch
        {
            "RMSE" => errors.TryGetValue("MSE", out var mse) ? mse / (2 * result["RMSE"]) : double.NaN,
            "MAE" => errors.TryGetValue("MAE", out var mae) ? mae : double.NaN,
            _ => throw new ArgumentException($"'{metric}' is not a rating metric (expected RMSE or MAE).", nameof(metric)),
        };
    }

    /// <summary>
    /// <paramref name="result"/> against <paramref name="baseline"/> on <paramref name="metric"/>, paired over users. RMSE is
    /// compared through the users' MSE: the difference is the RMSEs' own, its standard error by the delta method (each user's
    /// MSE ÷ 2·RMSE of its own model, paired), its p-value the MSE comparison's (equal RMSEs are equal MSEs).
    /// </summary>
    public static MetricComparison Compare(EvaluationResult result, EvaluationResult baseline, string metric)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(baseline);
        if (metric == "MAE") return EvaluationComparison.Compare(result, baseline, "MAE");
        if (metric != "RMSE") throw new ArgumentException($"'{metric}' is not a rating metric (expected RMSE or MAE).", nameof(metric));
        var mse = EvaluationComparison.Compare(result, baseline, "MSE");
        // d√MSE = dMSE / (2·RMSE) with each model's own RMSE: one scale for both misstates the error when the RMSEs differ.
        var delta = EvaluationComparison.CompareScaled(result, baseline, "MSE", Slope(result["RMSE"]), Slope(baseline["RMSE"]));
        return new MetricComparison("RMSE", result["RMSE"], baseline["RMSE"], result["RMSE"] - baseline["RMSE"], delta.StandardError, mse.PValue, mse.Users);
    }

    // d√MSE / dMSE = 1 / (2·RMSE). A model with RMSE 0 errs on no user, so its MSE has no sampling error to scale: 0, not ∞ (0·∞ was NaN).
    private static double Slope(double rmse) => rmse > 0 ? 1 / (2 * rmse) : 0;
}
