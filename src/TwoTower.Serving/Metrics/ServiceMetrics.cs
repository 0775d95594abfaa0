using System.Collections.Concurrent;
using System.Globalization;
using System.Text;

namespace TwoTower.Serving.Metrics;

/// <summary>Request counters and latency histograms per route, rendered in the Prometheus text format (version 0.0.4).</summary>
public sealed class ServiceMetrics
{
    /// <summary>Histogram bucket upper bounds in seconds (sub-millisecond first: the recommend budget is about 1 ms).</summary>
    public static readonly double[] Buckets = { 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1 };

    private readonly ConcurrentDictionary<(string Route, string Method, int Status), long[]> _requests = new();
    private readonly ConcurrentDictionary<string, Histogram> _latency = new(StringComparer.Ordinal);

    /// <summary>Records one finished request; a method other than the standard ones is counted as "other".</summary>
    public void Record(string route, string method, int status, double seconds)
    {
        var counter = _requests.GetOrAdd((route, MethodLabel(method), status), _ => new long[1]);
        Interlocked.Increment(ref counter[0]);
        _latency.GetOrAdd(route, _ => new Histogram()).Observe(seconds);
    }

    // Any token is a valid method, and clients choose it: each new one would add a series to every scrape, without bound.
    private static string MethodLabel(string method) => method switch
    {
        "GET" or "POST" or "PUT" or "DELETE" or "HEAD" or "OPTIONS" or "PATCH" => method,
        _ => "other",
    };

    /// <summary>Total requests recorded for a route (any method and status).</summary>
    public long Requests(string route) => _requests.Where(kv => kv.Key.Route == route).Sum(kv => Interlocked.Read(ref kv.Value[0]));

    /// <summary>Renders every metric plus the given gauges in the Prometheus text format.</summary>
    public string Render(IReadOnlyDictionary<string, (string Help, double Value)> gauges)
    {
        var sb = new StringBuilder();
        sb.Append("# HELP twotower_http_requests_total HTTP requests by route, method and status.\n# TYPE twotower_http_requests_total counter\n");
        foreach (var (key, value) in _requests.OrderBy(kv => kv.Key.Route, StringComparer.Ordinal).ThenBy(kv => kv.Key.Method, StringComparer.Ordinal).ThenBy(kv => kv.Key.Status))
            sb.Append(CultureInfo.InvariantCulture, $"twotower_http_requests_total{{route=\"{Escape(key.Route)}\",method=\"{key.Method}\",status=\"{key.Status}\"}} {Interlocked.Read(ref value[0])}\n");
        sb.Append("# HELP twotower_http_request_duration_seconds HTTP request duration by route.\n# TYPE twotower_http_request_duration_seconds histogram\n");
        foreach (var (route, h) in _latency.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            var (counts, count, sum) = h.Read();
            long cumulative = 0;
            for (var b = 0; b < Buckets.Length; b++)
            {
                cumulative += counts[b];
                sb.Append(CultureInfo.InvariantCulture, $"twotower_http_request_duration_seconds_bucket{{route=\"{Escape(route)}\",le=\"{Buckets[b]}\"}} {cumulative}\n");
            }
            sb.Append(CultureInfo.InvariantCulture, $"twotower_http_request_duration_seconds_bucket{{route=\"{Escape(route)}\",le=\"+Inf\"}} {count}\n");
            sb.Append(CultureInfo.InvariantCulture, $"twotower_http_request_duration_seconds_sum{{route=\"{Escape(route)}\"}} {sum}\n");
            sb.Append(CultureInfo.InvariantCulture, $"twotower_http_request_duration_seconds_count{{route=\"{Escape(route)}\"}} {count}\n");
        }
        foreach (var (name, (help, value)) in gauges.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            sb.Append(CultureInfo.InvariantCulture, $"# HELP {name} {help}\n# TYPE {name} gauge\n{name} {value}\n");
        return sb.ToString();
    }

    private static string Escape(string s) => s.Replace("\\", "\\\\").Replace("\"", "\\\"").Replace("\n", "\\n");

    private sealed class Histogram
    {
        private readonly long[] _counts = new long[Buckets.Length + 1];
        private long _count;
        private long _sumNanos;

        public void Observe(double seconds)
        {
            var b = 0;
            while (b < Buckets.Length && seconds > Buckets[b]) b++;
            Interlocked.Increment(ref _counts[b]);
            Interlocked.Increment(ref _count);
            Interlocked.Add(ref _sumNanos, (long)(seconds * 1e9));
        }

        public (long[] Counts, long Count, double Sum) Read()
        {
            var counts = new long[_counts.Length];
            for (var i = 0; i < counts.Length; i++) counts[i] = Interlocked.Read(ref _counts[i]);
            return (counts, counts.Sum(), Interlocked.Read(ref _sumNanos) / 1e9);
        }
    }
}
