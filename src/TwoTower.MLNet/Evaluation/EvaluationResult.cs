namespace TwoTower.MLNet.Evaluation;

/// <summary>Metrics of one evaluation run, named as in DESIGN §6 (e.g. "top_100", "NDCG@10"), in a stable order.</summary>
public sealed class EvaluationResult
{
    /// <summary>Creates a result.</summary>
    public EvaluationResult(string protocol, IReadOnlyList<KeyValuePair<string, double>> metrics, int users, int rows, int unknownItemRows, int unknownUserRows, double seconds)
        : this(protocol, metrics, users, rows, unknownItemRows, unknownUserRows, seconds, perUser: null)
    {
    }

    /// <summary>Creates a result with each user's values of the averaged metrics (which give the standard errors).</summary>
    public EvaluationResult(string protocol, IReadOnlyList<KeyValuePair<string, double>> metrics, int users, int rows, int unknownItemRows, int unknownUserRows, double seconds, PerUserMetrics? perUser)
    {
        Protocol = protocol;
        OrderedMetrics = metrics;
        Metrics = metrics.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
        Users = users;
        Rows = rows;
        UnknownItemRows = unknownItemRows;
        UnknownUserRows = unknownUserRows;
        Seconds = seconds;
        PerUser = perUser;
        StandardErrors = perUser is null
            ? new Dictionary<string, double>(StringComparer.Ordinal)
            : metrics.Where(kv => perUser.Contains(kv.Key)).ToDictionary(kv => kv.Key, kv => perUser.StandardError(kv.Key), StringComparer.Ordinal);
    }

    /// <summary>"tfrs" or "full".</summary>
    public string Protocol { get; }

    /// <summary>Metric values by name.</summary>
    public IReadOnlyDictionary<string, double> Metrics { get; }

    /// <summary>Metric values in report order.</summary>
    public IReadOnlyList<KeyValuePair<string, double>> OrderedMetrics { get; }

    /// <summary>
    /// Standard error of each metric that is an average over users or test rows (not of the catalogue metrics), with users
    /// as the independent units (see <see cref="PerUserMetrics.StandardError"/>). Two models' errors do not tell whether one
    /// is better on the same test set: <see cref="EvaluationComparison"/> does, pairing them user by user. NaN when one user
    /// was evaluated.
    /// </summary>
    public IReadOnlyDictionary<string, double> StandardErrors { get; }

    /// <summary>Each evaluated user's own values of the averaged metrics (null when the producer did not keep them).</summary>
    public PerUserMetrics? PerUser { get; }

    /// <summary>Users evaluated (users with at least one test row).</summary>
    public int Users { get; }

    /// <summary>Test rows evaluated.</summary>
    public int Rows { get; }

    /// <summary>Test rows whose item the model does not know (counted as misses).</summary>
    public int UnknownItemRows { get; }

    /// <summary>Test rows whose user the model does not know (scored with the model's cold-start answer).</summary>
    public int UnknownUserRows { get; }

    /// <summary>Wall time of the evaluation.</summary>
    public double Seconds { get; }

    /// <summary>This result without the catalogue-level metrics <paramref name="drop"/> names (they have no per-user values).</summary>
    internal EvaluationResult WithoutMetrics(Func<string, bool> drop)
    {
        if (PerUser is { } p && p.MetricNames.Any(drop)) throw new ArgumentException("Only metrics without per-user values can be dropped.", nameof(drop));
        return new(Protocol, OrderedMetrics.Where(kv => !drop(kv.Key)).ToArray(), Users, Rows, UnknownItemRows, UnknownUserRows, Seconds, PerUser);
    }

    /// <summary>This result with per-user values of <paramref name="metric"/> only (or none, when it has none): less to keep.</summary>
    internal EvaluationResult WithPerUserOnly(string metric) =>
        new(Protocol, OrderedMetrics, Users, Rows, UnknownItemRows, UnknownUserRows, Seconds, PerUser is { } p && p.Contains(metric) ? p.Only(metric) : null);

    /// <summary>
    /// The mean of several results over the same test set (e.g. fits with different seeds): every metric averaged, and each
    /// user's values averaged where all results have them.
    /// </summary>
    /// <exception cref="ArgumentException">No results, or results over different protocols, metrics or users.</exception>
    internal static EvaluationResult Average(IReadOnlyList<EvaluationResult> results)
    {
        if (results.Count == 0) throw new ArgumentException("Nothing to average.", nameof(results));
        var first = results[0];
        foreach (var r in results)
            if (r.Protocol != first.Protocol || r.Rows != first.Rows || !r.OrderedMetrics.Select(kv => kv.Key).SequenceEqual(first.OrderedMetrics.Select(kv => kv.Key)))
                throw new ArgumentException("The results differ in protocol, test rows or metrics; average results of one test set only.", nameof(results));
        var metrics = first.OrderedMetrics.Select(kv => new KeyValuePair<string, double>(kv.Key, results.Average(r => r.Metrics[kv.Key]))).ToArray();
        PerUserMetrics? perUser = null;
        if (results.All(r => r.PerUser is not null))
        {
            var ids = first.PerUser!.UserIds;
            if (results.Any(r => !r.PerUser!.UserIds.SequenceEqual(ids)))
                throw new ArgumentException("The results are over different users; average results of one test set only.", nameof(results));
            var names = first.PerUser.MetricNames.Where(n => results.All(r => r.PerUser!.Contains(n))).ToArray();
            var values = names.ToDictionary(n => n, n =>
            {
                var mean = new double[ids.Count];
                foreach (var r in results)
                {
                    var v = r.PerUser!.Values(n);
                    for (var u = 0; u < mean.Length; u++) mean[u] += v[u] / results.Count;
                }
                return mean;
            }, StringComparer.Ordinal);
            perUser = new PerUserMetrics(ids, first.PerUser.WeightValues, values);
        }
        return new EvaluationResult(first.Protocol, metrics, first.Users, first.Rows, first.UnknownItemRows, first.UnknownUserRows, results.Sum(r => r.Seconds), perUser);
    }

    /// <summary>A metric by name; throws naming the available metrics when absent.</summary>
    public double this[string name] =>
        Metrics.TryGetValue(name, out var v) ? v : throw new KeyNotFoundException($"No metric '{name}'. Available: {string.Join(", ", Metrics.Keys)}.");
}
