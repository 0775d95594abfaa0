// Full load vs memory-mapped load of a saved index: time to open, time to the first query's answer, resident
// memory, and warm batched 1-thread QPS. One process per measurement, so RSS is that mode's own.
//   IndexBench mmap build SPEC N OUT.ttvx        builds SPEC (Flat, HNSW32,efC64, …) on the first N rows of $ANN_CACHE/base_1000000.npy (or N×64 synthetic) and saves it
//   IndexBench mmap open FILE MODE [k] [ef]     MODE = full | mmap | mmap-noverify; queries from $ANN_CACHE/queries_1000000.npy when d = 128 (else synthetic)
using System.Diagnostics;
using System.Globalization;
using TwoTower.MLNet.Index;
using TwoTower.MLNet.Index.Benchmarking;
using TwoTower.MLNet.Index.Persistence;

namespace IndexBench;

internal static partial class MmapBench
{
    private static string Cache => Environment.GetEnvironmentVariable("ANN_CACHE") ?? Path.Combine(Path.GetTempPath(), "annbench");

    public static int Run(string[] args)
    {
        if (args.Length >= 4 && args[0] == "build") return Build(args[1], int.Parse(args[2], CultureInfo.InvariantCulture), args[3]);
        if (args.Length >= 3 && args[0] == "open")
            return Open(args[1], args[2], args.Length > 3 ? int.Parse(args[3], CultureInfo.InvariantCulture) : 10, args.Length > 4 ? int.Parse(args[4], CultureInfo.InvariantCulture) : 64);
        Console.Error.WriteLine("usage: IndexBench mmap build SPEC N OUT.ttvx | IndexBench mmap open FILE full|mmap|mmap-noverify [k] [ef]");
        return 2;
    }

    private static (float[] Values, int Rows, int Dim) Base(int n)
    {
        var file = Path.Combine(Cache, "base_1000000.npy");
        if (File.Exists(file))
        {
            var (values, rows, dim) = NpyReader.ReadFloat32(file);
            if (rows < n) throw new ArgumentOutOfRangeException(nameof(n), n, $"{file} has only {rows} rows.");
            return (values[..(n * dim)], n, dim);
        }
        Console.WriteLine($"# {file} missing: synthetic {n}×64 uniform vectors, seed 1");
        return (Synthetic(n, 64, 1), n, 64);
    }

    private static float[] Synthetic(int n, int d, int seed)
    {
        var rng = new Random(seed);
        var x = new float[(long)n * d];
        for (long i = 0; i < x.Length; i++) x[i] = (float)(rng.NextDouble() * 2 - 1);
        return x;
    }

    private static int Build(string spec, int n, string output)
    {
        var (x, rows, dim) = Base(n);
        var sw = Stopwatch.StartNew();
        using var index = IndexFactory.Create(spec, dim, VectorMetric.InnerProduct);
        if (!index.IsTrained) index.Train(x.AsSpan(0, Math.Min(rows, 100_000) * dim));
        index.Add(Enumerable.Range(0, rows).Select(i => (long)i).ToArray(), x);
        var build = sw.Elapsed.TotalSeconds;
        sw.Restart();
        index.Save(output);
        Console.WriteLine($"built {spec} n {rows} d {dim} in {build:F1} s, saved {new FileInfo(output).Length / 1048576.0:F0} MiB in {sw.Elapsed.TotalSeconds:F1} s");
        return 0;
    }

    private static int Open(string path, string mode, int k, int ef)
    {
        var options = mode switch
        {
            "full" => IndexLoadOptions.Default,
            "mmap" => IndexLoadOptions.Mapped,
            "mmap-noverify" => new IndexLoadOptions { MemoryMap = true, VerifyChecksum = false },
            _ => throw new ArgumentException($"mode '{mode}': expected full, mmap or mmap-noverify.", nameof(mode)),
        };
        var queryFile = Path.Combine(Cache, "queries_1000000.npy");
        var rssBefore = Rss();
        var sw = Stopwatch.StartNew();
        using var index = VectorIndex.Load(path, options);
        var open = sw.Elapsed.TotalMilliseconds;
        var rssOpen = Rss();
        var (queries, nq, _) = File.Exists(queryFile) && index.Dimension == 128 ? NpyReader.ReadFloat32(queryFile) : (Synthetic(1000, index.Dimension, 2), 1000, index.Dimension);
        var search = new SearchOptions { EfSearch = ef, Threads = 1 };
        sw.Restart();
        index.Search(queries.AsSpan(0, index.Dimension), k, search);
        var first = sw.Elapsed.TotalMilliseconds;
        var rssFirst = Rss();
        index.Search(queries, k, search); // warm-up: pages and JIT
        var faults0 = MinorFaults();
        var qps = new List<double>();
        var cpuQps = new List<double>();
        for (var r = 0; r < 5; r++)
        {
            var cpu0 = ThreadCpuSeconds();
            sw.Restart();
            index.Search(queries, k, search);
            qps.Add(nq / sw.Elapsed.TotalSeconds);
            cpuQps.Add(nq / (ThreadCpuSeconds() - cpu0));
        }
        var faults = MinorFaults() - faults0;
        var rssWarm = Rss();
        var status = File.ReadLines("/proc/self/status").Where(l => l.StartsWith("RssAnon", StringComparison.Ordinal) || l.StartsWith("RssFile", StringComparison.Ordinal));
        var rollup = File.ReadLines("/proc/self/smaps_rollup").Where(l => l.StartsWith("AnonHugePages", StringComparison.Ordinal) || l.StartsWith("FilePmdMapped", StringComparison.Ordinal));
        Console.WriteLine($"# {mode} warm: {string.Join(", ", status.Concat(rollup).Select(l => string.Join(' ', l.Split(' ', StringSplitOptions.RemoveEmptyEntries))))}");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{mode,-14} open_ms {open,8:F1} first_query_ms {first,8:F1} open+first_ms {open + first,8:F1} rss_open_mib {(rssOpen - rssBefore) / 1024.0,7:F0} rss_first_mib {(rssFirst - rssBefore) / 1024.0,7:F0} rss_warm_mib {(rssWarm - rssBefore) / 1024.0,7:F0} qps_best {qps.Max(),8:F0} qps_thread_cpu {cpuQps.Max(),8:F0} timed_minor_faults {faults,7} qps_runs {string.Join('/', qps.Select(q => q.ToString("F0", CultureInfo.InvariantCulture)))}"));
        return 0;
    }

    [System.Runtime.InteropServices.StructLayout(System.Runtime.InteropServices.LayoutKind.Sequential)]
    private struct TimeSpec { public long Seconds; public long Nanoseconds; }

    [System.Runtime.InteropServices.LibraryImport("libc", EntryPoint = "clock_gettime")]
    private static partial int ClockGetTime(int clock, out TimeSpec time);

    // CPU seconds of this thread (CLOCK_THREAD_CPUTIME_ID): QPS per CPU second leaves out other jobs on the shared cores.
    private static double ThreadCpuSeconds()
    {
        _ = ClockGetTime(3, out var t);
        return t.Seconds + t.Nanoseconds * 1e-9;
    }

    // Minor page faults of this process so far (field 10 of /proc/self/stat): a warm mapped index should take none.
    private static long MinorFaults()
    {
        var stat = File.ReadAllText("/proc/self/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return long.Parse(fields[7], CultureInfo.InvariantCulture);
    }

    // Resident set size of this process in KiB (anonymous plus file-backed pages, so mapped pages count once touched).
    private static long Rss()
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal)) return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
        return 0;
    }
}
