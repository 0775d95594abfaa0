using System.Diagnostics;
using System.Text;
using TwoTower.MLNet.Retrieval.Benchmarking;

namespace TwoTower.Serving.Benchmarking;

/// <summary>
/// A bounded open-loop HTTP load test against a local service: requests are dispatched on a fixed schedule
/// (rate × seconds of them, no more) whatever the answers' speed, so slow answers cannot hide queueing.
/// Meant for loopback addresses only.
/// </summary>
public static class HttpLoadTest
{
    /// <summary>Outcome of a load test.</summary>
    /// <param name="Requests">Requests sent.</param>
    /// <param name="Errors">Requests that failed or did not answer 200.</param>
    /// <param name="Seconds">Wall time from the first dispatch to the last answer.</param>
    /// <param name="Throughput">Successful answers per second.</param>
    /// <param name="Latency">Latency of successful answers, from dispatch to the full body.</param>
    /// <param name="CpuMsPerRequest">Process CPU time per request (client and server together when both run in this process).</param>
    public sealed record Result(int Requests, int Errors, double Seconds, double Throughput, LatencyStats Latency, double CpuMsPerRequest);

    /// <summary>POSTs JSON bodies to <paramref name="path"/> at <paramref name="rate"/> per second for <paramref name="seconds"/> seconds.</summary>
    public static async Task<Result> RunAsync(Uri baseAddress, string path, Func<int, string> body, int rate, double seconds, int warmup = 200, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(baseAddress);
        ArgumentNullException.ThrowIfNull(body);
        if (!baseAddress.IsLoopback) throw new ArgumentException($"Load tests only target loopback addresses; '{baseAddress}' is not one.", nameof(baseAddress));
        if (rate < 1) throw new ArgumentOutOfRangeException(nameof(rate), rate, "rate must be ≥ 1 request per second.");
        if (!(seconds > 0) || seconds > 600) throw new ArgumentOutOfRangeException(nameof(seconds), seconds, "seconds must be in (0, 600].");
        using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = 512, UseProxy = false };
        using var client = new HttpClient(handler) { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(10) };
        for (var i = 0; i < warmup; i++) await Send(client, path, body(-1 - i), cancellationToken);

        var total = (int)Math.Round(rate * seconds);
        var latencies = new double[total];
        var ok = new bool[total];
        var tasks = new Task[total];
        var cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
        var start = Stopwatch.GetTimestamp();
        var ticksPerRequest = (double)Stopwatch.Frequency / rate;
        // Dispatch from a dedicated thread so that a busy thread pool cannot delay the schedule.
        await Task.Factory.StartNew(() =>
        {
            for (var i = 0; i < total; i++)
            {
                var due = start + (long)(i * ticksPerRequest);
                // Sleep rather than spin: a spinning dispatcher would take a core from the server it measures.
                // Requests that fall due during one sleep go out together (jitter ≤ ~1 ms; latency is timed from the dispatch).
                while (Stopwatch.GetTimestamp() < due) Thread.Sleep(1);
                var index = i;
                // Timed here, not when the task starts: a request waiting for a pool thread (the server shares the pool) is queueing too.
                var t0 = Stopwatch.GetTimestamp();
                tasks[i] = Task.Run(async () =>
                {
                    ok[index] = await Send(client, path, body(index), cancellationToken);
                    latencies[index] = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
                }, cancellationToken);
            }
        }, cancellationToken, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        await Task.WhenAll(tasks);
        var elapsed = Stopwatch.GetElapsedTime(start).TotalSeconds;
        var cpuMs = (Process.GetCurrentProcess().TotalProcessorTime - cpu0).TotalMilliseconds / total;
        var good = Enumerable.Range(0, total).Where(i => ok[i]).Select(i => latencies[i]).ToArray();
        return new Result(total, total - good.Length, elapsed, good.Length / elapsed, good.Length > 0 ? LatencyStats.From(good) : new LatencyStats(0, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN), cpuMs);
    }

    private static async Task<bool> Send(HttpClient client, string path, string json, CancellationToken ct)
    {
        try
        {
            using var content = new StringContent(json, Encoding.UTF8, "application/json");
            using var res = await client.PostAsync(path, content, ct);
            await res.Content.ReadAsByteArrayAsync(ct);
            return res.IsSuccessStatusCode;
        }
        catch (HttpRequestException)
        {
            return false;
        }
        catch (TaskCanceledException) when (!ct.IsCancellationRequested)
        {
            return false; // the client's timeout
        }
    }
}
