// Batch scoring speed: every user's top-k over a synthetic catalogue of random factors, scored by BatchScorer and written
// as Parquet, against FAISS IndexFlatIP.search on the same vectors (bench/BatchScoreBench/faiss_batch.py, run beside it).
// Usage: dotnet run -c Release --project bench/BatchScoreBench -- [--users 100000] [--items 20000] [--dim 64] [--k 10]
//        [--threads 1,2] [--repeats 3] [--out DIR]   (DIR receives U.npy and I.npy for the peer script, and the Parquet file)
using System.Diagnostics;
using System.Globalization;
using System.Text;
using TwoTower.MLNet.Batch;
using TwoTower.MLNet.Data;
using TwoTower.MLNet.MatrixFactorization;

var arg = args.Select((a, i) => (a, i)).Where(t => t.a.StartsWith("--", StringComparison.Ordinal)).ToDictionary(t => t.a[2..], t => t.i + 1 < args.Length ? args[t.i + 1] : "");
int Int(string name, int fallback) => arg.TryGetValue(name, out var v) ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;
var (users, items, dim, k, repeats) = (Int("users", 100_000), Int("items", 20_000), Int("dim", 64), Int("k", 10), Int("repeats", 3));
var threads = (arg.TryGetValue("threads", out var ts) ? ts : "1,2").Split(',').Select(t => int.Parse(t, CultureInfo.InvariantCulture)).ToArray();
var dir = arg.TryGetValue("out", out var o) ? o : Path.Combine(Path.GetTempPath(), "batchscorebench");
Directory.CreateDirectory(dir);

var rng = new Random(1);
float[] Gaussian(int n) => Enumerable.Range(0, n).Select(_ => (float)(Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble()))).ToArray();
var u = Gaussian(users * dim);
var v = Gaussian(items * dim);
WriteNpy(Path.Combine(dir, "U.npy"), u, users, dim);
WriteNpy(Path.Combine(dir, "I.npy"), v, items, dim);
var model = new MatrixFactorizationModel("factors", new IdMap("user", Enumerable.Range(0, users).Select(i => i.ToString(CultureInfo.InvariantCulture))),
    new IdMap("item", Enumerable.Range(0, items).Select(i => i.ToString(CultureInfo.InvariantCulture))), u, v, dim);
var ids = model.Users.RawIds;
Console.WriteLine($"# BatchScoreBench {TwoTower.MLNet.Index.Benchmarking.RunEnvironment.Line(Environment.ProcessorCount)} · load {File.ReadAllText("/proc/loadavg").Trim()}");
Console.WriteLine($"# {users} users x {items} items, d {dim}, k {k}; best of {repeats} after one warm-up run per thread count");
foreach (var t in threads)
{
    var options = new BatchScoringOptions { K = k, Threads = t };
    BatchScorer.Score(model, null, ids.Take(Math.Min(users, 4096)).ToArray(), options); // warm-up (JIT)
    double bestScore = double.MaxValue, bestWrite = double.MaxValue;
    for (var r = 0; r < repeats; r++)
    {
        var sw = Stopwatch.StartNew();
        var result = BatchScorer.Score(model, null, ids, options);
        bestScore = Math.Min(bestScore, sw.Elapsed.TotalSeconds);
        sw.Restart();
        await RecommendationParquet.WriteAsync(Path.Combine(dir, "scores.parquet"), result.Recommendations);
        bestWrite = Math.Min(bestWrite, sw.Elapsed.TotalSeconds);
    }
    Console.WriteLine($"ours threads {t}: score {bestScore:0.000} s ({users / bestScore:0} users/s), Parquet write {bestWrite:0.000} s");
}

static void WriteNpy(string path, float[] data, int rows, int cols)
{
    // NPY 1.0: magic, version, little-endian header length, a Python dict literal padded to 64 bytes, then the raw data.
    var dict = $"{{'descr': '<f4', 'fortran_order': False, 'shape': ({rows}, {cols}), }}";
    var headerLength = (10 + dict.Length + 1 + 63) / 64 * 64 - 10;
    using var w = new BinaryWriter(File.Create(path));
    w.Write(new byte[] { 0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0 });
    w.Write((ushort)headerLength);
    w.Write(Encoding.ASCII.GetBytes(dict.PadRight(headerLength - 1) + "\n"));
    foreach (var x in data) w.Write(x);
}
