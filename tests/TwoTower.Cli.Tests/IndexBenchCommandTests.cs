using System.Runtime.InteropServices;
using System.Text;

namespace TwoTower.Cli.Tests;

[TestClass]
public sealed class IndexBenchCommandTests
{
    private const int N = 600, D = 8, Nq = 20, K = 10;

    /// <summary>A tiny benchmark set in a temp folder: base.npy, queries.npy, gt.npy (exact inner-product top-10) and the same as .fvecs/.ivecs.</summary>
    // A model without vectors (popularity) and a Flat index of the set's base vectors, for the commands' refusals.
    private static (string Model, string Index) PopularityModelAndFlatIndex(string dir)
    {
        var pop = Path.Combine(dir, "pop.zip");
        Assert.AreEqual(0, CliRunner.Run("train", "--model", "popularity", "--train", TestPaths.Split("p2", "train"), "--out", pop).ExitCode);
        var index = Path.Combine(dir, "flat.ttvx");
        Assert.AreEqual(0, CliRunner.Run("index", "build", "--vectors", Path.Combine(dir, "base.npy"), "--index", "Flat", "--out", index).ExitCode);
        return (pop, index);
    }

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
        CollectionAssert.AreEqual(new[] { "index", "build_seconds", "bytes_per_vector", "points", "date", "commit", "cpu", "cores", "threads", "dotnet" }, json.Select(p => p.Key).ToArray());
        BenchTrainCommandTests.AssertEnvironment(json, threads: 1);
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
        StringAssert.Contains(bad.Err, "m (PQ<m>) must divide the dimension");
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
        StringAssert.Contains(m.Err, "--index 'HNSW1': M (HNSW<M>) must be in [2, 256].");
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

    private static long[] ResultIds(CliRunner.Result r) =>
        r.Json["results"]!.AsArray().SelectMany(q => q!["items"]!.AsArray().Select(i => long.Parse(i!["id"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture))).ToArray();

    [TestMethod]
    public void BuildThenSearch_FlatFromVectorFile_ReturnsTheExactTopK()
    {
        var dir = WriteSet();
        var index = Path.Combine(dir, "flat.ttvx");
        var build = CliRunner.Run("index", "build", "--vectors", Path.Combine(dir, "base.npy"), "--index", "Flat", "--out", index, "--json");
        Assert.AreEqual(0, build.ExitCode, build.Err);
        Assert.AreEqual(N, build.Json["vectors"]!.GetValue<int>());
        var search = CliRunner.Run("index", "search", "--index", index, "--queries", Path.Combine(dir, "queries.npy"), "--k", K.ToString(), "--json");
        Assert.AreEqual(0, search.ExitCode, search.Err);
        var (gt, _, _) = TwoTower.MLNet.Index.Benchmarking.AnnBenchmark.ReadIds(Path.Combine(dir, "gt.npy"));
        CollectionAssert.AreEqual(gt, ResultIds(search));
    }

    [TestMethod]
    public void BuildThenSearch_IdsFileAndMemoryMappedHnsw_ReturnTheGivenIdsToCsv()
    {
        var dir = WriteSet();
        var ids = Path.Combine(dir, "ids.txt");
        File.WriteAllLines(ids, Enumerable.Range(0, N).Select(i => (1000 + i).ToString()));
        var index = Path.Combine(dir, "hnsw.ttvx");
        Assert.AreEqual(0, CliRunner.Run("index", "build", "--vectors", Path.Combine(dir, "base.fvecs"), "--ids", ids, "--index", "HNSW16", "--out", index).ExitCode);
        var csv = Path.Combine(dir, "top.csv");
        var search = CliRunner.Run("index", "search", "--index", index, "--queries", Path.Combine(dir, "queries.npy"), "--k", "3", "--ef", "200", "--mmap", "--out", csv, "--json");
        Assert.AreEqual(0, search.ExitCode, search.Err);
        var (gt, _, width) = TwoTower.MLNet.Index.Benchmarking.AnnBenchmark.ReadIds(Path.Combine(dir, "gt.npy"));
        var expected = Enumerable.Range(0, Nq).SelectMany(q => gt.Skip(q * width).Take(3).Select(id => id + 1000)).ToArray();
        CollectionAssert.AreEqual(expected, ResultIds(search), "ef 200 on 600 vectors is exact");
        var lines = File.ReadAllLines(csv);
        Assert.AreEqual("query,rank,id,score", lines[0]);
        Assert.HasCount(1 + Nq * 3, lines);
        StringAssert.StartsWith(lines[1], $"0,1,{expected[0]},");
    }

    [TestMethod]
    public void BuildThenSearch_FromAModel_UsersTopItemsAreTheModelsOwn()
    {
        var dir = TestPaths.TempDir();
        var model = Path.Combine(dir, "ials.zip");
        Assert.AreEqual(0, CliRunner.Run("train", "--model", "ials", "--train", TestPaths.Split("p2", "train"), "--factors", "16", "--out", model).ExitCode);
        var index = Path.Combine(dir, "items.ttvx");
        Assert.AreEqual(0, CliRunner.Run("index", "build", "--model", model, "--index", "Flat", "--out", index).ExitCode);
        var search = CliRunner.Run("index", "search", "--index", index, "--model", model, "--user", "1,7", "--k", "5", "--json");
        Assert.AreEqual(0, search.ExitCode, search.Err);
        var results = search.Json["results"]!.AsArray();
        Assert.AreEqual("7", results[1]!["query"]!.GetValue<string>());
        var recommend = CliRunner.Run("recommend", "--model", model, "--user", "7", "--k", "5", "--json");
        var expected = recommend.Json["items"]!.AsArray().Select(i => i!["itemId"]!.GetValue<string>()).ToArray();
        CollectionAssert.AreEqual(expected, results[1]!["items"]!.AsArray().Select(i => i!["id"]!.GetValue<string>()).ToArray(), "raw item ids, as recommend gives");
    }

    [TestMethod]
    public void Search_OutThatIsTheModelFile_IsRefusedAndTheModelKept()
    {
        // --out was checked against --index and --queries only: the results CSV replaced the model it was searched with.
        var dir = TestPaths.TempDir();
        var model = Path.Combine(dir, "ials.zip");
        Assert.AreEqual(0, CliRunner.Run("train", "--model", "ials", "--train", TestPaths.Split("p2", "train"), "--factors", "4", "--iterations", "1", "--out", model).ExitCode);
        var index = Path.Combine(dir, "items.ttvx");
        Assert.AreEqual(0, CliRunner.Run("index", "build", "--model", model, "--index", "Flat", "--out", index).ExitCode);
        var before = File.ReadAllBytes(model);
        var r = CliRunner.Run("index", "search", "--index", index, "--model", model, "--user", "1", "--out", model);
        Assert.AreEqual(2, r.ExitCode, r.Err);
        StringAssert.Contains(r.Err, $"--out '{model}' would overwrite the input --model '{model}'");
        CollectionAssert.AreEqual(before, File.ReadAllBytes(model));
    }

    [TestMethod]
    public void Build_IdsFileWithBlankLinesANegativeOrRepeatedId_UsageErrorNamingTheFileAndLine()
    {
        // Found by an audit: a negative id was refused by the index as "--index Flat: Id -5 is negative", naming neither --ids nor
        // the line, and lines were counted without the blank ones, so an error after a blank line named the line before it.
        var dir = WriteSet();
        var ids = Path.Combine(dir, "ids.txt");
        foreach (var (bad, message) in new[] { ("-5", "line 12: id -5 is negative; ids must be ≥ 0."), ("3", "line 12: id 3 appears twice.") })
        {
            var lines = Enumerable.Range(0, N).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToList();
            lines[10] = bad;
            lines.Insert(0, "");
            File.WriteAllLines(ids, lines);
            var r = CliRunner.Run("index", "build", "--vectors", Path.Combine(dir, "base.npy"), "--ids", ids, "--index", "Flat", "--out", Path.Combine(dir, "x.ttvx"));
            Assert.AreEqual(2, r.ExitCode, r.Err);
            StringAssert.Contains(r.Err, $"--ids '{ids}' {message}");
        }
    }

    [TestMethod]
    public void BuildAndSearch_BadInputs_UsageErrorsNamingTheOption()
    {
        var dir = WriteSet();
        var (pop, index) = PopularityModelAndFlatIndex(dir);
        var ids = Path.Combine(dir, "short-ids.txt");
        File.WriteAllLines(ids, ["1", "2"]);
        var wide = Path.Combine(dir, "wide.npy");
        WriteNpy(wide, "<f4", [1, D + 1], new byte[4 * (D + 1)]);
        foreach (var (args, message) in new (string[], string)[]
        {
            (["index", "build", "--model", pop, "--out", Path.Combine(dir, "x.ttvx")], "has no item vectors; index a vector model"),
            (["index", "build", "--out", Path.Combine(dir, "x.ttvx")], "Nothing to index: pass --model model.zip or --vectors FILE."),
            (["index", "build", "--model", pop, "--vectors", Path.Combine(dir, "base.npy"), "--out", Path.Combine(dir, "x.ttvx")], "--model and --vectors are two sources of vectors; pass one."),
            (["index", "build", "--vectors", Path.Combine(dir, "base.npy"), "--ids", ids, "--out", Path.Combine(dir, "x.ttvx")], "has 2 ids for 600 vectors; expected one per row."),
            (["index", "build", "--vectors", Path.Combine(dir, "base.npy"), "--index", "HNSW", "--out", Path.Combine(dir, "x.ttvx")], "--index 'HNSW'"),
            (["index", "search", "--index", index, "--queries", wide], $"has dimension {D + 1}; the index holds vectors of dimension {D}."),
            (["index", "search", "--index", Path.Combine(dir, "none.ttvx"), "--queries", wide], "file not found"),
            (["index", "search", "--index", index], "Nothing to search for"),
            (["index", "search", "--index", index, "--queries", Path.Combine(dir, "queries.npy"), "--k", "0"], "--k 0: must be ≥ 1."),
        })
        {
            var r = CliRunner.Run(args);
            Assert.AreEqual(2, r.ExitCode, string.Join(' ', args) + "\n" + r.Err);
            StringAssert.Contains(r.Err, message, string.Join(' ', args));
        }
        var ials = Path.Combine(dir, "ials.zip");
        Assert.AreEqual(0, CliRunner.Run("train", "--model", "ials", "--train", TestPaths.Split("p2", "train"), "--factors", "16", "--out", ials).ExitCode);
        var other = CliRunner.Run("index", "search", "--index", index, "--model", ials, "--user", "1");
        Assert.AreEqual(2, other.ExitCode);
        StringAssert.Contains(other.Err, "has vectors of dimension 16; the index holds dimension 8: it was built from another model.");
        var ialsIndex = Path.Combine(dir, "ials.ttvx");
        Assert.AreEqual(0, CliRunner.Run("index", "build", "--model", ials, "--index", "Flat", "--out", ialsIndex).ExitCode);
        var unknown = CliRunner.Run("index", "search", "--index", ialsIndex, "--model", ials, "--user", "nobody");
        Assert.AreEqual(2, unknown.ExitCode);
        StringAssert.Contains(unknown.Err, "--user 'nobody' is not a user of --model");
        // Found by an audit: ids that are no item keys of the model were cast to int, so 2³² + 5 was shown as item key 5's raw id.
        var vectors = Path.Combine(dir, "sixteen.npy");
        WriteNpy(vectors, "<f4", [2, 16], Bytes(Enumerable.Range(0, 32).Select(i => (float)i).ToArray()));
        var foreignIds = Path.Combine(dir, "foreign-ids.txt");
        File.WriteAllLines(foreignIds, ["3", "4294967301"]);
        var foreignIndex = Path.Combine(dir, "foreign.ttvx");
        Assert.AreEqual(0, CliRunner.Run("index", "build", "--vectors", vectors, "--ids", foreignIds, "--index", "Flat", "--out", foreignIndex).ExitCode);
        var foreign = CliRunner.Run("index", "search", "--index", foreignIndex, "--model", ials, "--user", "1");
        Assert.AreEqual(2, foreign.ExitCode, foreign.Out);
        StringAssert.Contains(foreign.Err, "holds id 4294967301, which is not an item key of --model");
    }

    [TestMethod]
    public void Search_ParameterTheIndexDoesNotRead_UsageErrorNamingIt()
    {
        // Found by an audit: --nprobe on an HNSW index and --ef on an IVF or Flat one were ignored in silence (the results
        // were the index's defaults), and an --nprobe past the lists failed with the library's 'SearchOptions.NProbe' text.
        var dir = WriteSet();
        var queries = Path.Combine(dir, "queries.npy");
        var built = new Dictionary<string, string>();
        foreach (var spec in new[] { "Flat", "HNSW8", "IVF4,Flat" })
        {
            built[spec] = Path.Combine(dir, spec.Replace(',', '_') + ".ttvx");
            Assert.AreEqual(0, CliRunner.Run("index", "build", "--vectors", Path.Combine(dir, "base.npy"), "--index", spec, "--out", built[spec]).ExitCode);
        }
        foreach (var (spec, option, value, message) in new[]
        {
            ("HNSW8", "--nprobe", "4", "--nprobe 4 applies to IVF indexes only; --index '{0}' is an HNSW index, which takes --ef."),
            ("IVF4,Flat", "--ef", "64", "--ef 64 applies to HNSW indexes only; --index '{0}' is an IVF index, which takes --nprobe."),
            ("Flat", "--ef", "64", "--ef 64 applies to HNSW indexes only; --index '{0}' is a Flat index, which has no search parameter."),
            ("Flat", "--nprobe", "2", "--nprobe 2 applies to IVF indexes only; --index '{0}' is a Flat index, which has no search parameter."),
            ("IVF4,Flat", "--nprobe", "5", "--nprobe 5: --index '{0}' has 4 lists, so at most 4 can be probed."),
        })
        {
            var r = CliRunner.Run("index", "search", "--index", built[spec], "--queries", queries, option, value);
            Assert.AreEqual(2, r.ExitCode, $"{spec} {option} {value}: {r.Err}");
            StringAssert.Contains(r.Err, string.Format(System.Globalization.CultureInfo.InvariantCulture, message, built[spec]));
        }
        var ok = CliRunner.Run("index", "search", "--index", built["IVF4,Flat"], "--queries", queries, "--nprobe", "4", "--json");
        Assert.AreEqual(0, ok.ExitCode, ok.Err);
    }

    [TestMethod]
    public void Search_ModelWithoutVectors_SaysItCannotEmbedTheUsers()
    {
        // Found by an audit: the message was index build's ("has no item vectors; index a vector model"), which tells a
        // user searching an index to build one.
        var dir = WriteSet();
        var (pop, index) = PopularityModelAndFlatIndex(dir);
        var r = CliRunner.Run("index", "search", "--index", index, "--model", pop, "--user", "1");
        Assert.AreEqual(2, r.ExitCode, r.Err);
        StringAssert.Contains(r.Err, $"--model '{pop}' is a popularity model, without user vectors: search with the vector model the index was built from (twotower, ials, mf, factors).");
    }

    [TestMethod]
    public void BenchAnn_SyntheticClusters_FlatIsExactAndHnswNearlySo()
    {
        var flat = CliRunner.Run("bench", "ann", "--n", "2000", "--d", "16", "--queries", "50", "--index", "Flat", "--repeats", "1", "--json");
        Assert.AreEqual(0, flat.ExitCode, flat.Err);
        Assert.AreEqual(1.0, flat.Json["points"]![0]!["recall"]!.GetValue<double>());
        Assert.AreEqual(2000, flat.Json["n"]!.GetValue<int>());
        var hnsw = CliRunner.Run("bench", "ann", "--n", "2000", "--d", "16", "--queries", "50", "--index", "HNSW16", "--ef", "16,128", "--repeats", "1", "--json");
        Assert.AreEqual(0, hnsw.ExitCode, hnsw.Err);
        var points = hnsw.Json["points"]!.AsArray();
        Assert.HasCount(2, points);
        Assert.IsGreaterThanOrEqualTo(0.95, points[1]!["recall"]!.GetValue<double>());
        BenchTrainCommandTests.AssertEnvironment(hnsw.Json, threads: 1);
        var bad = CliRunner.Run("bench", "ann", "--n", "5", "--k", "10");
        Assert.AreEqual(2, bad.ExitCode);
        StringAssert.Contains(bad.Err, "--k 10: at most --n (5) neighbours exist.");
    }

    [TestMethod]
    public void BenchAnn_IvfNProbe_CappedAtTheListCount_DefaultSweepStopsThere()
    {
        // An nprobe past the list count failed after the build, naming the API field (SearchOptions.NProbe) instead of --nprobe.
        var over = CliRunner.Run("bench", "ann", "--n", "2000", "--d", "16", "--queries", "20", "--index", "IVF8,Flat", "--nprobe", "4,16", "--repeats", "1");
        Assert.AreEqual(2, over.ExitCode, over.Out);
        StringAssert.Contains(over.Err, "--nprobe 16: --index 'IVF8,Flat' has 8 lists, so at most 8 can be probed.");
        var sweep = CliRunner.Run("bench", "ann", "--n", "2000", "--d", "16", "--queries", "20", "--index", "IVF8,Flat", "--repeats", "1", "--json");
        Assert.AreEqual(0, sweep.ExitCode, sweep.Err);
        CollectionAssert.AreEqual(new[] { 1, 2, 4, 8 }, sweep.Json["points"]!.AsArray().Select(p => p!["nprobe"]!.GetValue<int>()).ToArray());
    }

    [TestMethod]
    public void FolderWhereAVectorOrIndexFileGoes_SaysItIsAFolder()
    {
        // A folder was reported as "file not found", although it is there.
        var dir = WriteSet();
        var (_, index) = PopularityModelAndFlatIndex(dir);
        var folder = TestPaths.TempDir();
        foreach (var (r, flag) in new[]
        {
            (CliRunner.Run("index", "search", "--index", folder, "--queries", Path.Combine(dir, "queries.npy")), "--index"),
            (CliRunner.Run("index", "search", "--index", index, "--queries", folder), "--queries"),
            (CliRunner.Run("index", "build", "--vectors", folder, "--out", Path.Combine(dir, "x.ttvx")), "--vectors"),
            (CliRunner.Run("index", "build", "--vectors", Path.Combine(dir, "base.npy"), "--ids", folder, "--out", Path.Combine(dir, "x.ttvx")), "--ids"),
            (CliRunner.Run("index", "bench", "--base", folder, "--queries", Path.Combine(dir, "queries.npy"), "--gt", Path.Combine(dir, "gt.npy"), "--index", "Flat"), "--base"),
        })
        {
            Assert.AreEqual(CliApp.UsageError, r.ExitCode, r.Err);
            StringAssert.Contains(r.Err, $"{flag} '{folder}' is a folder: give a file");
        }
    }

    [TestMethod]
    public void Search_ModelFileGivenAsIndex_NamesTheFlagAndHowToBuildAnIndex()
    {
        // The loader's "'pop.zip' is not a TwoTower index file (expected magic "TTVX")" named neither --index nor a way out.
        var dir = WriteSet();
        var (pop, _) = PopularityModelAndFlatIndex(dir);
        var r = CliRunner.Run("index", "search", "--index", pop, "--queries", Path.Combine(dir, "queries.npy"));
        Assert.AreEqual(CliApp.UsageError, r.ExitCode, r.Err);
        StringAssert.Contains(r.Err, $"--index '{pop}' is a model file, not an index: build an index from it with `twotower index build --model");
    }

    [TestMethod]
    public void Bench_NonFiniteBaseOrQueryValue_UsageErrorNamingTheOption()
    {
        // The search found them after the build and named the API's parameter ('vectors' row 0 ...), not --base or --queries.
        var dir = WriteSet();
        var bad = new float[N * D];
        bad[D + 2] = float.NaN;
        WriteNpy(Path.Combine(dir, "nan.npy"), "<f4", [N, D], Bytes(bad));
        var r = CliRunner.Run("index", "bench", "--base", Path.Combine(dir, "nan.npy"), "--queries", Path.Combine(dir, "queries.npy"), "--gt", Path.Combine(dir, "gt.npy"), "--index", "Flat");
        Assert.AreEqual(CliApp.UsageError, r.ExitCode, r.Err);
        StringAssert.Contains(r.Err, $"--base '{Path.Combine(dir, "nan.npy")}' row 1 holds NaN; every value must be finite.");
        var q = new float[Nq * D];
        q[0] = float.PositiveInfinity;
        WriteNpy(Path.Combine(dir, "inf.npy"), "<f4", [Nq, D], Bytes(q));
        r = CliRunner.Run("index", "bench", "--base", Path.Combine(dir, "base.npy"), "--queries", Path.Combine(dir, "inf.npy"), "--gt", Path.Combine(dir, "gt.npy"), "--index", "Flat");
        Assert.AreEqual(CliApp.UsageError, r.ExitCode, r.Err);
        StringAssert.Contains(r.Err, $"--queries '{Path.Combine(dir, "inf.npy")}' row 0 holds Infinity; every value must be finite.");
    }

    [TestMethod]
    public void Benches_TooFewBaseVectorsForTheSpec_UsageErrorNamingTheIndexFlag()
    {
        // index build said "--index IVF1024,Flat: k-means needs ..."; both benches gave the trainer's bare message.
        var dir = WriteSet();
        var files = Bench(dir, "--index", "IVF1024,Flat", "--repeats", "1");
        Assert.AreEqual(CliApp.UsageError, files.ExitCode, files.Err);
        StringAssert.Contains(files.Err, $"error: --index IVF1024,Flat: k-means needs at least 1024 training vectors (one per centroid); got {N}.");
        var synthetic = CliRunner.Run("bench", "ann", "--n", "100", "--d", "8", "--queries", "5", "--index", "IVF4,PQ4", "--repeats", "1");
        Assert.AreEqual(CliApp.UsageError, synthetic.ExitCode, synthetic.Err);
        StringAssert.Contains(synthetic.Err, "error: --index IVF4,PQ4: IVF-PQ training needs at least 256 vectors");
    }
}
