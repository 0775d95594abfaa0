// HNSW benchmark on the peers' synthetic set (../../../shared/peers/ann_bench.py writes base/queries/gt_N.npy
// under $ANN_CACHE, default <tmp>/annbench): build time, recall@10 and batched 1-thread QPS per ef.
// Usage: dotnet run -c Release -- [--n 100000] [--load path] [--m 16] [--efc 200] [--build-threads 2] [--ef 16,24,32,48,64,96,128] [--repeats 3] [--save path] [--beam entry-beam]
using System.Diagnostics;
using TwoTower.MLNet.Index;
using TwoTower.MLNet.Index.Benchmarking;
using TwoTower.MLNet.Index.Hnsw;

string Arg(string name, string fallback)
{
    int i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
}

int n = int.Parse(Arg("--n", "100000"));
int m = int.Parse(Arg("--m", "16"));
int efc = int.Parse(Arg("--efc", "200"));
int buildThreads = int.Parse(Arg("--build-threads", "2"));
int repeats = int.Parse(Arg("--repeats", "3"));
int[] efs = Arg("--ef", "16,24,32,48,64,96,128").Split(',').Select(int.Parse).ToArray();
string cache = Environment.GetEnvironmentVariable("ANN_CACHE") ?? Path.Combine(Path.GetTempPath(), "annbench");

var (baseVectors, rows, dim) = NpyReader.ReadFloat32(Path.Combine(cache, $"base_{n}.npy"));
var (queries, nq, _) = NpyReader.ReadFloat32(Path.Combine(cache, $"queries_{n}.npy"));
var (gt, _, gtK) = NpyReader.ReadInt64(Path.Combine(cache, $"gt_{n}.npy"));
Console.WriteLine($"# HnswBench {RunEnvironment.Line(1)} · AVX-512 {System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated} n {rows} d {dim} queries {nq}");

// --build-n N indexes only the first N base vectors (for profiling the build; recall is then against the full set).
int buildN = int.Parse(Arg("--build-n", rows.ToString()));
var ids = Enumerable.Range(0, buildN).Select(i => (long)i).ToArray();
var sw = Stopwatch.StartNew();
HnswIndex index;
if (Arg("--load", "") is { Length: > 0 } loadPath)
{
    index = HnswIndex.Load(loadPath);
    Console.WriteLine($"loaded {loadPath} in {sw.Elapsed.TotalSeconds:F2} s");
}
else
{
    var cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
    index = new HnswIndex(dim, VectorMetric.InnerProduct, new HnswOptions { M = m, EfConstruction = efc, BuildThreads = buildThreads });
    index.Add(ids, baseVectors.AsSpan(0, buildN * dim));
    var cpu = Process.GetCurrentProcess().TotalProcessorTime - cpu0;
    Console.WriteLine($"build ({buildThreads} threads, M {m}, efC {efc}): {sw.Elapsed.TotalSeconds:F2} s wall, {cpu.TotalSeconds:F2} s CPU");
}
if (Arg("--beam", "") is { Length: > 0 } beamText) index.EntryBeamOverride = int.Parse(beamText);
if (Arg("--save", "") is { Length: > 0 } savePath)
{
    sw.Restart();
    index.Save(savePath);
    Console.WriteLine($"save {sw.Elapsed.TotalSeconds:F2} s, {new FileInfo(savePath).Length / (double)rows:F0} B/vector");
}

string hugePages = File.Exists("/proc/self/smaps_rollup")
    ? File.ReadLines("/proc/self/smaps_rollup").FirstOrDefault(l => l.StartsWith("AnonHugePages")) ?? "" : "";
Console.WriteLine($"# {hugePages.Replace("  ", "")}");
Console.WriteLine($"{"ef",5} {"recall@10",9} {"QPS b1t",9} {"QPS best",9} {"QPS tcpu",9} {"QPS b2t",9}");
foreach (int ef in efs)
{
    var options = new SearchOptions { EfSearch = ef };
    index.Search(queries.AsSpan(0, 10 * dim), 10, options);
    var qps = new List<double>();
    var cpuQps = new List<double>();
    SearchResults? res = null;
    for (int r = 0; r < repeats; r++)
    {
        var cpu0 = ThreadCpu.Seconds();
        sw.Restart();
        res = index.Search(queries, 10, options);
        qps.Add(nq / sw.Elapsed.TotalSeconds);
        cpuQps.Add(nq / (ThreadCpu.Seconds() - cpu0));
    }
    sw.Restart();
    index.Search(queries, 10, options with { Threads = 2 });
    double qps2 = nq / sw.Elapsed.TotalSeconds;
    double hits = 0;
    for (int q = 0; q < nq; q++)
    {
        var truth = new HashSet<long>(gt.AsSpan(q * gtK, 10).ToArray());
        foreach (long id in res!.IdsOf(q)) if (truth.Contains(id)) hits++;
    }
    Console.WriteLine($"{ef,5} {hits / (nq * 10.0),9:F4} {qps[0],9:F0} {qps.Max(),9:F0} {cpuQps.Max(),9:F0} {qps2,9:F0}");
}
index.Dispose();

/// <summary>CPU seconds of the calling thread (clock_gettime CLOCK_THREAD_CPUTIME_ID): unlike process CPU time it leaves out the JIT and GC threads, and unlike wall time it leaves out other jobs on the cores.</summary>
internal static partial class ThreadCpu
{
    [System.Runtime.InteropServices.StructLayout(System.Runtime.InteropServices.LayoutKind.Sequential)]
    private struct TimeSpec { public long Seconds; public long Nanoseconds; }

    [System.Runtime.InteropServices.LibraryImport("libc", EntryPoint = "clock_gettime")]
    private static partial int ClockGetTime(int clock, out TimeSpec time);

    public static double Seconds()
    {
        _ = ClockGetTime(3, out var t); // CLOCK_THREAD_CPUTIME_ID
        return t.Seconds + t.Nanoseconds * 1e-9;
    }
}
