using System.Globalization;
using System.Text;
using TwoTower.MLNet.Data;
using TwoTower.MLNet.Persistence;

namespace TwoTower.MLNet.Evaluation;

/// <summary>
/// Each evaluated user's own value of the averaged metrics of an <see cref="EvaluationResult"/>, with the user's weight in the
/// average: a metric is Σ_u w_u·x_u / Σ_u w_u. The full-ranking protocol averages over users (w_u = 1); the TFRS protocol
/// over test rows (w_u = the user's test rows, x_u = the share of them that hit). Catalogue metrics (Coverage, Gini,
/// PopularityPercentile) are properties of all lists together and have no per-user value.
/// </summary>
public sealed class PerUserMetrics
{
    private readonly Dictionary<string, double[]> _values;
    private readonly double[] _weights;

    /// <summary>Creates the table (copying its inputs); every value array is aligned with <paramref name="userIds"/>.</summary>
    /// <exception cref="ArgumentException">Lengths differ, a weight is not a finite number &gt; 0, or a value is not finite.</exception>
    public PerUserMetrics(IReadOnlyList<string> userIds, IReadOnlyList<double> weights, IReadOnlyDictionary<string, double[]> values)
    {
        ArgumentNullException.ThrowIfNull(userIds);
        ArgumentNullException.ThrowIfNull(weights);
        ArgumentNullException.ThrowIfNull(values);
        if (weights.Count != userIds.Count)
            throw new ArgumentException($"weights has {weights.Count} entries, expected one per user ({userIds.Count}).", nameof(weights));
        for (var u = 0; u < weights.Count; u++)
            if (!(weights[u] > 0) || double.IsInfinity(weights[u]))
                throw new ArgumentException($"The weight of user '{userIds[u]}' is {weights[u]}; weights must be finite and > 0.", nameof(weights));
        foreach (var (name, v) in values)
        {
            if (v.Length != userIds.Count)
                throw new ArgumentException($"Metric '{name}' has {v.Length} per-user values, expected {userIds.Count}.", nameof(values));
            for (var u = 0; u < v.Length; u++)
                if (!double.IsFinite(v[u])) throw new ArgumentException($"Metric '{name}' of user '{userIds[u]}' is {v[u]}; values must be finite.", nameof(values));
        }
        UserIds = userIds.ToArray();
        _weights = weights.ToArray();
        _values = values.ToDictionary(kv => kv.Key, kv => kv.Value.ToArray(), StringComparer.Ordinal);
    }

    /// <summary>Raw ids of the evaluated users, in the order of every value list.</summary>
    public IReadOnlyList<string> UserIds { get; }

    /// <summary>Each user's weight in the average: 1 (full ranking) or the user's test rows (TFRS).</summary>
    public IReadOnlyList<double> Weights => Array.AsReadOnly(_weights);

    /// <summary>Names of the metrics that have per-user values.</summary>
    public IEnumerable<string> MetricNames => _values.Keys;

    /// <summary>Whether <paramref name="metric"/> has per-user values.</summary>
    public bool Contains(string metric) => _values.ContainsKey(metric);

    /// <summary>Each user's value of <paramref name="metric"/>, aligned with <see cref="UserIds"/>.</summary>
    /// <exception cref="KeyNotFoundException">The metric has no per-user values; the message lists those that have.</exception>
    public IReadOnlyList<double> this[string metric] => Array.AsReadOnly(Values(metric));

    /// <summary>
    /// Standard error of <paramref name="metric"/>'s average, treating users as the independent units: a user's test rows
    /// share one score list, so they are not independent draws, and a per-row error would be too small.
    /// </summary>
    public double StandardError(string metric) => RatioStandardError(Values(metric), _weights);

    /// <summary>
    /// Writes the table as CSV, atomically: a header <c>user_id,weight,&lt;metric&gt;...</c> (metrics in
    /// <paramref name="metricOrder"/> order where given, else in the order they were added), then one row per user.
    /// For slicing the evaluation by anything known about the users (activity, demographics) in another tool.
    /// </summary>
    public void WriteCsv(string path, IEnumerable<string>? metricOrder = null)
    {
        var names = (metricOrder ?? _values.Keys).Where(_values.ContainsKey).ToArray();
        AtomicFile.Write(path, stream =>
        {
            using var w = new StreamWriter(stream, new UTF8Encoding(false), 1 << 16, leaveOpen: true);
            w.NewLine = "\n";
            w.WriteLine(string.Join(',', new[] { "user_id", "weight" }.Concat(names).Select(CsvLineParser.Quote)));
            var columns = names.Select(n => _values[n]).ToArray();
            for (var u = 0; u < UserIds.Count; u++)
            {
                w.Write(CsvLineParser.Quote(UserIds[u]));
                w.Write(',');
                w.Write(_weights[u].ToString("R", CultureInfo.InvariantCulture));
                foreach (var c in columns)
                {
                    w.Write(',');
                    w.Write(c[u].ToString("R", CultureInfo.InvariantCulture));
                }
                w.WriteLine();
            }
        });
    }

    internal double[] WeightValues => _weights;

    /// <summary>The same users with only <paramref name="metric"/>'s values (what a search keeps of each trial).</summary>
    internal PerUserMetrics Only(string metric) =>
        new(UserIds, _weights, new Dictionary<string, double[]>(StringComparer.Ordinal) { [metric] = Values(metric) });

    internal double[] Values(string metric) =>
        _values.TryGetValue(metric, out var v) ? v : throw new KeyNotFoundException($"No per-user values of '{metric}'. Available: {string.Join(", ", _values.Keys)}.");

    /// <summary>
    /// Standard error of the weighted mean m = Σ w·x / Σ w over independent units (the linearised ratio estimator):
    /// √(U/(U−1) · Σ_u w_u²(x_u − m)²) / Σ w. With unit weights it is the sample standard deviation over √U. NaN for one unit: one user says nothing of the spread.
    /// </summary>
    internal static double RatioStandardError(ReadOnlySpan<double> x, ReadOnlySpan<double> w)
    {
        var n = x.Length;
        if (n < 2) return double.NaN;
        double sw = 0, swx = 0;
        for (var u = 0; u < n; u++) { sw += w[u]; swx += w[u] * x[u]; }
        var m = swx / sw;
        double ss = 0;
        for (var u = 0; u < n; u++) { var r = w[u] * (x[u] - m); ss += r * r; }
        return Math.Sqrt(ss * n / (n - 1)) / sw;
    }
}
