using System.Runtime.InteropServices;
using System.Text;

namespace TwoTower.Cli.Tests;

[TestClass]
public sealed class IndexBenchCommandTests
{
    private const int N = 600, D = 8, Nq = 20, K = 10;

    /// <summary>A tiny benchmark set in a temp folder: base.npy, queries.npy, gt.npy (exact inner-product top-10) and the same as .fvecs/.ivecs.</summary>
    private static string WriteSet()
    {
        var dir = TestPaths.TempDir();
        var rng = new Random(3);
        var x = new float[N * D];
        var q = new float[Nq * D];
        for (var i = 0; i < x.Length; i++) x[i] = (float)(rng.NextDouble() * 2 - 1);
        for (var i = 0; i < q.Length; i++) q[i] = (float)(rng.NextDouble() * 2 - 1);
        var gt = new long[Nq * K];
        for (var i = 0; i < Nq; i++)
        {
            var qi = i;
            var top = Enumerable.Range(0, N).OrderByDescending(r => Dot(q.AsSpan(qi * D, D), x.AsSpan(r * D, D))).ThenBy(r => r).Take(K).Select(r => (long)r).ToArray();
            top.CopyTo(gt, i * K);
        }
        WriteNpy(Path.Combine(dir, "base.npy"), "<f4", [N, D], Bytes(x));
        WriteNpy(Path.Combine(dir, "queries.npy"), "<f4", [Nq, D], Bytes(q));
        WriteNpy(Path.Combine(dir, "gt.npy"), "<i8", [Nq, K], Bytes(gt));
        WriteVecs(Path.Combine(dir, "base.fvecs"), x.Select(BitConverter.SingleToInt32Bits).ToArray(), D);
        WriteVecs(Path.Combine(dir, "queries.fvecs"), q.Select(BitConverter.SingleToInt32Bits).ToArray(), D);
        WriteVecs(Path.Combine(dir, "gt.ivecs"), gt.Select(v => (int)v).ToArray(), K);
        return dir;
    }

    private static double Dot(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        double s = 0;
        for (var i = 0; i < a.Length; i++) s += (double)a[i] * b[i];
        return s;
    }

    private static byte[] Bytes<T>(T[] v) where T : unmanaged => MemoryMarshal.AsBytes(v.AsSpan()).ToArray();

    private static void WriteNpy(string path, string descr, int[] shape, byte[] data)
    {
        var header = $"{{'descr': '{descr}', 'fortran_order': False, 'shape': ({string.Join(", ", shape)}), }}";
        header = header.PadRight(((10 + header.Length + 1 + 63) / 64 * 64) - 10 - 1) + "\n";
        using var f = File.Create(path);
        f.Write([0x93, .. "NUMPY"u8, 1, 0]);
        f.Write(BitConverter.GetBytes((ushort)header.Length));
        f.Write(Encoding.ASCII.GetBytes(header));
        f.Write(data);
    }

    private static void WriteVecs(string path, int[] values, int width)
    {
        using var f = File.Create(path);
        for (var r = 0; r < values.Length / width; r++)
        {
            f.Write(BitConverter.GetBytes(width));
            f.Write(Bytes(values.AsSpan(r * width, width).ToArray()));
        }
    }

    private static CliRunner.Result Bench(string dir, params string[] extra)
        => CliRunner.Run(["index", "bench", "--base", Path.Combine(dir, "base.npy"), "--queries", Path.Combine(dir, "queries.npy"), "--gt", Path.Combine(dir, "gt.npy"), .. extra]);

    [TestMethod]
    public void Bench_HnswWithEfList_JsonLastLineHasOnePointPerEf()
    {
        var dir = WriteSet();
        var r = Bench(dir, "--index", "HNSW8", "--ef", "4,200", "--json");
        Assert.AreEqual(0, r.ExitCode, r.Err);
        var json = r.Json;
        CollectionAssert.AreEqual(new[] { "index", "build_seconds", "bytes_per_vector", "points" }, json.Select(p => p.Key).ToArray());
        Assert.AreEqual("HNSW8", json["index"]!.GetValue<string>());
        Assert.IsGreaterThan(0.0, json["build_seconds"]!.GetValue<double>());
        // 8 floats (32 B) + links + id: well above the raw vector, well below a kilobyte.
        Assert.IsGreaterThan(32.0, json["bytes_per_vector"]!.GetValue<double>());
        Assert.IsLessThan(1024.0, json["bytes_per_vector"]!.GetValue<double>());
        var points = json["points"]!.AsArray();
        Assert.HasCount(2, points);
        CollectionAssert.AreEqual(new[] { "ef", "recall", "qps_batch", "qps_single" }, points[0]!.AsObject().Select(p => p.Key).ToArray());
        Assert.AreEqual(4, points[0]!["ef"]!.GetValue<int>());
        Assert.AreEqual(200, points[1]!["ef"]!.GetValue<int>());
        // ef 200 over 600 points is nearly exhaustive (inner product on raw vectors is not a metric, so not quite exact); ids map to base rows.
        Assert.IsGreaterThanOrEqualTo(0.95, points[1]!["recall"]!.GetValue<double>());
        Assert.IsGreaterThan(points[0]!["recall"]!.GetValue<double>(), points[1]!["recall"]!.GetValue<double>());
        Assert.IsGreaterThan(0.0, points[1]!["qps_batch"]!.GetValue<double>());
        Assert.IsGreaterThan(0.0, points[1]!["qps_single"]!.GetValue<double>());
    }

    [TestMethod]
    public void Bench_FlatFromVecsFiles_ExactRecallOnePointWithoutParameter()
    {
        var dir = WriteSet();
        var r = CliRunner.Run("index", "bench", "--base", Path.Combine(dir, "base.fvecs"), "--queries", Path.Combine(dir, "queries.fvecs"), "--gt", Path.Combine(dir, "gt.ivecs"),
            "--index", "Flat", "--threads", "2", "--json");
        Assert.AreEqual(0, r.ExitCode, r.Err);
        var point = r.Json["points"]!.AsArray().Single()!.AsObject();
        CollectionAssert.AreEqual(new[] { "recall", "qps_batch", "qps_single" }, point.Select(p => p.Key).ToArray());
        Assert.AreEqual(1.0, point["recall"]!.GetValue<double>());
        Assert.AreEqual(D * 4 + 8 + 4, r.Json["bytes_per_vector"]!.GetValue<double>(), 4, "a float row, an id and a norm per vector (file format 2 and later)");
    }

    [TestMethod]
    public void Bench_IvfWithNprobe_AllListsProbedIsExact()
    {
        var dir = WriteSet();
        var r = Bench(dir, "--index", "IVF4,Flat", "--nprobe", "4", "--json");
        Assert.AreEqual(0, r.ExitCode, r.Err);
        var point = r.Json["points"]!.AsArray().Single()!;
        Assert.AreEqual(4, point["nprobe"]!.GetValue<int>());
        Assert.AreEqual(1.0, point["recall"]!.GetValue<double>());
    }

    [TestMethod]
    public void Bench_IvfPqSpec_RunsWhenSubQuantizersDivideDimensionElseUsageError()
    {
        var dir = WriteSet();
        var ok = Bench(dir, "--index", "IVF4,PQ4,Refine", "--nprobe", "4", "--json");
        Assert.AreEqual(0, ok.ExitCode, ok.Err);
        Assert.IsGreaterThan(0.5, ok.Json["points"]![0]!["recall"]!.GetValue<double>());
        var bad = Bench(dir, "--index", "IVF4,PQ3", "--nprobe", "4");
        Assert.AreEqual(2, bad.ExitCode);
        StringAssert.Contains(bad.Err, $"--index 'IVF4,PQ3' does not fit the data (dimension {D})");
        StringAssert.Contains(bad.Err, "SubQuantizers");
    }

    [TestMethod]
    public void Bench_WithoutJson_PrintsTableWithRecallAndQps()
    {
        var dir = WriteSet();
        var r = Bench(dir, "--index", "HNSW8", "--ef", "50");
        Assert.AreEqual(0, r.ExitCode, r.Err);
        StringAssert.Contains(r.Out, "recall@10");
        StringAssert.Contains(r.Out, "QPS batch");
        StringAssert.Contains(r.Out, "QPS single");
        StringAssert.Contains(r.Out, "B/vector");
    }

    [TestMethod]
    public void Bench_MissingBaseFile_UsageErrorNamingOptionAndPath()
    {
        var dir = WriteSet();
        var missing = Path.Combine(dir, "nope.npy");
        var r = CliRunner.Run("index", "bench", "--base", missing, "--queries", Path.Combine(dir, "queries.npy"), "--gt", Path.Combine(dir, "gt.npy"), "--index", "Flat");
        Assert.AreEqual(2, r.ExitCode);
        StringAssert.Contains(r.Err, $"--base '{missing}': file not found");
    }

    [TestMethod]
    public void Bench_QueryDimensionDiffersFromBase_UsageErrorWithBothDimensions()
    {
        var dir = WriteSet();
        WriteNpy(Path.Combine(dir, "q5.npy"), "<f4", [Nq, 5], new byte[Nq * 5 * 4]);
        var r = CliRunner.Run("index", "bench", "--base", Path.Combine(dir, "base.npy"), "--queries", Path.Combine(dir, "q5.npy"), "--gt", Path.Combine(dir, "gt.npy"), "--index", "Flat");
        Assert.AreEqual(2, r.ExitCode);
        StringAssert.Contains(r.Err, "has dimension 5, but --base");
        StringAssert.Contains(r.Err, $"has dimension {D}");
    }

    [TestMethod]
    public void Bench_WrongDtypes_UsageErrorsNamingExpectedDtype()
    {
        var dir = WriteSet();
        // Base given as the int64 ground truth, ground truth given as float32 vectors.
        var r = CliRunner.Run("index", "bench", "--base", Path.Combine(dir, "gt.npy"), "--queries", Path.Combine(dir, "queries.npy"), "--gt", Path.Combine(dir, "gt.npy"), "--index", "Flat");
        Assert.AreEqual(2, r.ExitCode);
        StringAssert.Contains(r.Err, "--base:");
        StringAssert.Contains(r.Err, "holds dtype '<i8'; expected float32");
        var g = CliRunner.Run("index", "bench", "--base", Path.Combine(dir, "base.npy"), "--queries", Path.Combine(dir, "queries.npy"), "--gt", Path.Combine(dir, "queries.npy"), "--index", "Flat");
        Assert.AreEqual(2, g.ExitCode, g.Err);
        StringAssert.Contains(g.Err, "--gt:");
        StringAssert.Contains(g.Err, "expected int64 ('<i8') or int32 ('<i4')");
    }

    [TestMethod]
    public void Bench_GroundTruthNotMatchingQueries_UsageErrors()
    {
        var dir = WriteSet();
        WriteNpy(Path.Combine(dir, "gt3.npy"), "<i8", [3, K], new byte[3 * K * 8]);
        var rows = CliRunner.Run("index", "bench", "--base", Path.Combine(dir, "base.npy"), "--queries", Path.Combine(dir, "queries.npy"), "--gt", Path.Combine(dir, "gt3.npy"), "--index", "Flat");
        Assert.AreEqual(2, rows.ExitCode);
        StringAssert.Contains(rows.Err, $"has 3 rows, but --queries has {Nq} queries");
        var wide = Bench(dir, "--index", "Flat", "--k", "11");
        Assert.AreEqual(2, wide.ExitCode);
        StringAssert.Contains(wide.Err, "recall@11 needs at least 11");
        WriteNpy(Path.Combine(dir, "gtbad.npy"), "<i8", [Nq, K], Bytes(Enumerable.Repeat((long)N, Nq * K).ToArray()));
        var range = CliRunner.Run("index", "bench", "--base", Path.Combine(dir, "base.npy"), "--queries", Path.Combine(dir, "queries.npy"), "--gt", Path.Combine(dir, "gtbad.npy"), "--index", "Flat");
        Assert.AreEqual(2, range.ExitCode);
        StringAssert.Contains(range.Err, $"holds id {N}; expected base row numbers in [0, {N})");
    }

    [TestMethod]
    public void Bench_BadSpecOrMisplacedParameter_UsageErrors()
    {
        var dir = WriteSet();
        var spec = Bench(dir, "--index", "HNSWx");
        Assert.AreEqual(2, spec.ExitCode);
        StringAssert.Contains(spec.Err, "--index 'HNSWx'");
        StringAssert.Contains(spec.Err, "Valid forms");
        var m = Bench(dir, "--index", "HNSW1");
        Assert.AreEqual(2, m.ExitCode);
        StringAssert.Contains(m.Err, "--index 'HNSW1': HnswOptions.M must be in [2, 256]");
        var nprobe = Bench(dir, "--index", "HNSW8", "--nprobe", "4");
        Assert.AreEqual(2, nprobe.ExitCode);
        StringAssert.Contains(nprobe.Err, "--nprobe '4' applies to IVF specs only; --index 'HNSW8' takes --ef");
        var ef = Bench(dir, "--index", "Flat", "--ef", "10");
        Assert.AreEqual(2, ef.ExitCode);
        StringAssert.Contains(ef.Err, "--ef '10' applies to HNSW specs only");
        var list = Bench(dir, "--index", "HNSW8", "--ef", "10,zero");
        Assert.AreEqual(2, list.ExitCode);
        StringAssert.Contains(list.Err, "--ef '10,zero': 'zero' is not a positive integer");
        var threads = Bench(dir, "--index", "Flat", "--threads", "0");
        Assert.AreEqual(2, threads.ExitCode);
        StringAssert.Contains(threads.Err, "--threads 0");
        var repeats = Bench(dir, "--index", "Flat", "--repeats", "0");
        Assert.AreEqual(2, repeats.ExitCode);
        StringAssert.Contains(repeats.Err, "--repeats 0");
    }
}
