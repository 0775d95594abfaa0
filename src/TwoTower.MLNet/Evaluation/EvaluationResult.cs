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
    /// is better on the same test set: <see cref="EvaluationComparison"/> does, pairing them user by user.
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

    /// <summary>This result with per-user values of <paramref name="metric"/> only (or none, when it has none): less to keep.</summary>
    internal EvaluationResult WithPerUserOnly(string metric) =>
        new(Protocol, OrderedMetrics, Users, Rows, UnknownItemRows, UnknownUserRows, Seconds, PerUser is { } p && p.Contains(metric) ? p.Only(metric) : null);

    /// <summary>A metric by name; throws naming the available metrics when absent.</summary>
    public double this[string name] =>
        Metrics.TryGetValue(name, out var v) ? v : throw new KeyNotFoundException($"No metric '{name}'. Available: {string.Join(", ", Metrics.Keys)}.");
}
