namespace TwoTower.MLNet.Evaluation;

/// <summary>Metrics of one evaluation run, named as in DESIGN §6 (e.g. "top_100", "NDCG@10"), in a stable order.</summary>
public sealed class EvaluationResult
{
    /// <summary>Creates a result.</summary>
    public EvaluationResult(string protocol, IReadOnlyList<KeyValuePair<string, double>> metrics, int users, int rows, int unknownItemRows, int unknownUserRows, double seconds)
    {
        Protocol = protocol;
        OrderedMetrics = metrics;
        Metrics = metrics.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
        Users = users;
        Rows = rows;
        UnknownItemRows = unknownItemRows;
        UnknownUserRows = unknownUserRows;
        Seconds = seconds;
    }

    /// <summary>"tfrs" or "full".</summary>
    public string Protocol { get; }

    /// <summary>Metric values by name.</summary>
    public IReadOnlyDictionary<string, double> Metrics { get; }

    /// <summary>Metric values in report order.</summary>
    public IReadOnlyList<KeyValuePair<string, double>> OrderedMetrics { get; }

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

    /// <summary>A metric by name; throws naming the available metrics when absent.</summary>
    public double this[string name] =>
        Metrics.TryGetValue(name, out var v) ? v : throw new KeyNotFoundException($"No metric '{name}'. Available: {string.Join(", ", Metrics.Keys)}.");
}
