using System.Text;
using System.Text.Json;
using TwoTower.MLNet.Index.Benchmarking;

namespace TwoTower.MLNet.Index.Tests.Benchmarking;

[TestClass]
public sealed class AnnBenchmarkTests
{
    private static void WriteNpy(string path, string descr, int[] shape, byte[] data) =>
        WriteNpy(path, descr, string.Join(", ", shape) + (shape.Length == 1 ? "," : ""), data);

    private static void WriteNpy(string path, string descr, string shape, byte[] data)
    {
        var header = $"{{'descr': '{descr}', 'fortran_order': False, 'shape': ({shape}), }}";
        header = header.PadRight(((10 + header.Length + 1 + 63) / 64 * 64) - 10 - 1) + "\n";
        using var f = File.Create(path);
        f.Write([0x93, .."NUMPY"u8, 1, 0]);
        f.Write(BitConverter.GetBytes((ushort)header.Length));
        f.Write(Encoding.ASCII.GetBytes(header));
        f.Write(data);
    }

    private static byte[] Bytes<T>(T[] v) where T : unmanaged => System.Runtime.InteropServices.MemoryMarshal.AsBytes(v.AsSpan()).ToArray();

    [TestMethod]
    public void Readers_NpyAndVecs_RoundTripValues()
    {
        var dir = Directory.CreateTempSubdirectory().FullName;
        try
        {
            WriteNpy(Path.Combine(dir, "f.npy"), "<f4", [2, 3], Bytes(new float[] { 1, 2, 3, 4, 5, 6 }));
            WriteNpy(Path.Combine(dir, "l.npy"), "<i8", [2, 1], Bytes(new long[] { 7, 8 }));
            WriteNpy(Path.Combine(dir, "i.npy"), "<i4", [3], Bytes(new[] { 1, -2, 3 }));
            var (f, rows, cols) = NpyReader.ReadFloat32(Path.Combine(dir, "f.npy"));
            Assert.AreEqual((2, 3), (rows, cols));
            CollectionAssert.AreEqual(new float[] { 1, 2, 3, 4, 5, 6 }, f);
            CollectionAssert.AreEqual(new long[] { 7, 8 }, NpyReader.ReadInt64(Path.Combine(dir, "l.npy")).Values);
            var ints = NpyReader.ReadInt64(Path.Combine(dir, "i.npy"));
            CollectionAssert.AreEqual(new long[] { 1, -2, 3 }, ints.Values);
            Assert.AreEqual((3, 1), (ints.Rows, ints.Columns));
            StringAssert.Contains(Assert.ThrowsExactly<InvalidDataException>(() => NpyReader.ReadFloat32(Path.Combine(dir, "l.npy"))).Message, "expected float32");

            File.WriteAllBytes(Path.Combine(dir, "v.fvecs"), Bytes(new[] { 2, BitConverter.SingleToInt32Bits(1.5f), BitConverter.SingleToInt32Bits(2.5f), 2, 0, BitConverter.SingleToInt32Bits(-1f) }));
            var (fv, fr, fc) = AnnBenchmark.ReadVectors(Path.Combine(dir, "v.fvecs"));
            Assert.AreEqual((2, 2), (fr, fc));
            CollectionAssert.AreEqual(new[] { 1.5f, 2.5f, 0f, -1f }, fv);
            File.WriteAllBytes(Path.Combine(dir, "g.ivecs"), Bytes(new[] { 1, 9, 2, 4, 5 }));
            StringAssert.Contains(Assert.ThrowsExactly<InvalidDataException>(() => AnnBenchmark.ReadIds(Path.Combine(dir, "g.ivecs"))).Message, "row width");
            File.WriteAllText(Path.Combine(dir, "bad.npy"), "nope");
            StringAssert.Contains(Assert.ThrowsExactly<InvalidDataException>(() => NpyReader.ReadFloat32(Path.Combine(dir, "bad.npy"))).Message, "not a .npy file");
        }
        finally { Directory.Delete(dir, true); }
    }

    [TestMethod]
    [DataRow("2x, 4", "not whole numbers")]
    [DataRow("-2, 4", "not whole numbers")]
    [DataRow("3000000000, 4", "not whole numbers")]
    [DataRow("2000000000, 2000000000", "truncated")]
    public void Npy_ShapeOutOfRange_InvalidDataNamingTheFile(string shape, string why)
    {
        // Found by an audit: 'index build --vectors' said only "The input string '2x' was not in a correct format." (no file),
        // "Specified argument was out of the range of valid values." for -2, and exited 1 on an OverflowException for 3000000000.
        var dir = Directory.CreateTempSubdirectory().FullName;
        try
        {
            var path = Path.Combine(dir, "v.npy");
            WriteNpy(path, "<f4", shape, Bytes(new float[] { 1, 2, 3, 4, 5, 6, 7, 8 }));
            var ex = Assert.ThrowsExactly<InvalidDataException>(() => NpyReader.ReadFloat32(path), shape);
            StringAssert.Contains(ex.Message, path, shape);
            StringAssert.Contains(ex.Message, why, shape);
            // Python 2's NumPy wrote (2L, 4L); numpy.load reads it.
            WriteNpy(path, "<f4", "2L, 4L", Bytes(new float[] { 1, 2, 3, 4, 5, 6, 7, 8 }));
            Assert.AreEqual((2, 4), (NpyReader.ReadFloat32(path).Rows, NpyReader.ReadFloat32(path).Columns));
            // An .fvecs file with bytes past its last whole word is cut short, not read as if whole.
            File.WriteAllBytes(Path.Combine(dir, "v.fvecs"), [.. Bytes(new[] { 1, BitConverter.SingleToInt32Bits(1.5f) }), 7]);
            StringAssert.Contains(Assert.ThrowsExactly<InvalidDataException>(() => AnnBenchmark.ReadVectors(Path.Combine(dir, "v.fvecs"))).Message, "not whole 4-byte words");
        }
        finally { Directory.Delete(dir, true); }
    }

    [TestMethod]
    public void Run_IvfSpec_JsonHasExactShape()
    {
        const int d = 16;
        var x = TestData.Clustered(2000, d, 10, 0.5f, 1);
        var q = TestData.Clustered(30, d, 10, 0.5f, 2);
        var gt = new long[30 * 10];
        for (var i = 0; i < 30; i++) TestData.BruteForce(x, TestData.Ids(2000), q.AsSpan(i * d, d), 10, VectorMetric.InnerProduct).CopyTo(gt, i * 10);
        var result = AnnBenchmark.Run("IVF16,Flat", x, q, d, gt, 10, [1, 16], threads: 1);
        Assert.AreEqual(1.0, result.Points[1].Recall);
        Assert.IsLessThan(1.0, result.Points[0].Recall);
        // Format 2 also stores norms (4 bytes) and packed panels padded to whole panels, per list, 64-byte aligned.
        Assert.AreEqual(16 * 4 + 8 + 4, result.BytesPerVector, 16, "vectors + ids + norms + centroid, panel and alignment overhead");
        using var json = JsonDocument.Parse(result.ToJson());
        CollectionAssert.AreEqual(new[] { "index", "build_seconds", "bytes_per_vector", "points" }, json.RootElement.EnumerateObject().Select(p => p.Name).ToArray());
        CollectionAssert.AreEqual(new[] { "nprobe", "recall", "qps_batch", "qps_single" }, json.RootElement.GetProperty("points")[0].EnumerateObject().Select(p => p.Name).ToArray());
        Assert.AreEqual("IVF16,Flat", json.RootElement.GetProperty("index").GetString());

        var flat = AnnBenchmark.Run("Flat", x, q, d, gt, 10, [], threads: 2);
        Assert.AreEqual(1.0, flat.Points.Single().Recall);
        StringAssert.StartsWith(JsonSerializer.Serialize(flat.Points[0]), "{\"recall\":1,");
        var hnsw = AnnBenchmark.Run("HNSW16", x, q, d, gt, 10, [64], threads: 1);
        StringAssert.StartsWith(JsonSerializer.Serialize(hnsw.Points[0]), "{\"ef\":64,");
    }
    [TestMethod]
    public void Run_CancelledDuringTheSweep_StopsWithinTheCurrentSearch()
    {
        const int d = 16;
        // 2,000 rows build in a fraction of a second; the sweep of 7 ef values over 20,000 queries (a batch and up to 2 s of
        // one-query calls each) runs for many seconds.
        var x = TestData.Clustered(2000, d, 10, 0.5f, 1);
        var q = TestData.Clustered(20_000, d, 10, 0.5f, 2);
        var gt = new long[20_000 * 10];
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(1500));
        var clock = System.Diagnostics.Stopwatch.StartNew();

        Assert.ThrowsExactly<OperationCanceledException>(() =>
            AnnBenchmark.Run("HNSW16", x, q, d, gt, 10, [16, 24, 32, 48, 64, 96, 128], threads: 1, cancellationToken: cancel.Token));

        Assert.IsLessThan(4.0, clock.Elapsed.TotalSeconds, "stopped at the first check after the cancel, not at the end of the sweep");
    }

    [TestMethod]
    public void Recall_GroundTruthNarrowerThanKOrShort_ArgumentExceptionSayingWhy()
    {
        // Found by an audit of ann-tradeoffs.ipynb: with fewer truth ids per query than k, query i's truth was read into
        // query i + 1's row (a wrong recall when the array held more rows), else "Specified argument was out of the range".
        var found = new SearchResults(2, 2, [1, 2, 3, 4], [1f, 0.5f, 1f, 0.5f]);
        Assert.AreEqual(1.0, AnnBenchmark.Recall(found, [1, 2, 3, 4], 2, 2));
        Assert.AreEqual(0.5, AnnBenchmark.Recall(found, [1, 9, 3, 9], 2, 2));
        var narrow = Assert.ThrowsExactly<ArgumentException>(() => AnnBenchmark.Recall(found, [1, 3, 5, 7], 1, 2));
        StringAssert.Contains(narrow.Message, "1 ids per query; recall@2 needs at least 2");
        var shortTruth = Assert.ThrowsExactly<ArgumentException>(() => AnnBenchmark.Recall(found, [1, 2], 2, 2));
        StringAssert.Contains(shortTruth.Message, "1 rows for 2 queries");
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => AnnBenchmark.Recall(found, [1, 2, 3, 4], 2, 0));
    }
}
