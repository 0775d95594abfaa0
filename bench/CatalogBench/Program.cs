// ML.NET pipeline serving figures for issue 7: the acceptance pipeline (two-tower, Recommend k=10, exclude seen) on p2.
// PredictionEngine.Predict vs a raw ONNX Runtime InferenceSession.Run of the same recommend graph (same process, interleaved
// rounds, so machine noise hits both), and Model.Save/Load wall time and file size.
// Usage: dotnet run -c Release --project bench/CatalogBench -- [train.csv] [rounds]
using System.Diagnostics;
using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using TwoTower.MLNet;
using TwoTower.MLNet.Onnx.Recommending;

var trainPath = args.Length > 0 ? args[0] : Path.Combine("..", "shared", "datasets", "splits", "ml-100k", "p2", "train.csv");
var rounds = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 5;
Console.WriteLine($"CatalogBench · {TwoTower.MLNet.Index.Benchmarking.RunEnvironment.Line(1)}");

var ml = new MLContext(seed: 1);
var train = ml.Data.LoadFromTextFile<Interaction>(trainPath, separatorChar: ',', hasHeader: true);
var sw = Stopwatch.StartNew();
var model = ml.TwoTower().Trainers.TwoTower(new TwoTowerOptions { UserIdColumn = "UserId", ItemIdColumn = "ItemId", Epochs = 5 })
    .Append(ml.TwoTower().Transforms.Recommend(k: 10, excludeSeen: true))
    .Fit(train);
Console.WriteLine($"fit (two-tower 5 epochs + recommend graph): {sw.Elapsed.TotalSeconds:F2} s");
var fitted = ml.TwoTower().FindModel(model)!;
Console.WriteLine($"items {fitted.Model.Items.Count}, users {fitted.Model.Users.Count}, d {fitted.Model.Dimension}");

// Save / Load.
var path = Path.Combine(Path.GetTempPath(), $"catalog-bench-{Guid.NewGuid():N}.zip");
var saves = new List<double>();
var loads = new List<double>();
ITransformer? loaded = null;
for (var r = 0; r < rounds; r++)
{
    sw.Restart();
    ml.Model.Save(model, train.Schema, path);
    saves.Add(sw.Elapsed.TotalMilliseconds);
    (loaded as IDisposable)?.Dispose();
    sw.Restart();
    loaded = ml.Model.Load(path, out _);
    // Not disposed: a PredictionEngine owns its transformer, and disposing it closes the model's ONNX sessions.
    ml.Model.CreatePredictionEngine<UserRequest, Recommendations>(loaded).Predict(new UserRequest { UserId = "1" });
    loads.Add(sw.Elapsed.TotalMilliseconds);
}
var size = new FileInfo(path).Length;
Console.WriteLine($"Model.Save: median {Median(saves):F1} ms (max {saves.Max():F1}); Model.Load + first Predict: median {Median(loads):F1} ms (max {loads.Max():F1}); file {size / 1024.0 / 1024.0:F2} MB");

// The same recommend graph, run by ONNX Runtime directly (what ApplyOnnxModel runs inside the engine).
var (vectors, cold) = ColdAndUsers(fitted);
var spec = new OnnxRecommenderSpec
{
    UserIds = fitted.Model.Users.RawIds, UserVectors = vectors, ColdUserVector = cold,
    ItemIds = fitted.Model.Items.RawIds, ItemVectors = fitted.Model.ItemVectors.ToArray(), Dimension = fitted.Model.Dimension, K = 10,
    SeenPointers = Seen(fitted).Pointers, SeenItems = Seen(fitted).Items, UserIdInputName = "UserId",
};
using var session = new InferenceSession(OnnxRecommenderExporter.ToBytes(spec)); // default SessionOptions, as ApplyOnnxModel uses
using var session1 = new InferenceSession(OnnxRecommenderExporter.ToBytes(spec), new SessionOptions { IntraOpNumThreads = 1, InterOpNumThreads = 1 });
var outputNames = session.OutputNames.ToArray();
using var engine = ml.Model.CreatePredictionEngine<UserRequest, Recommendations>(loaded!);
using var runOptions = new RunOptions();

var users = Enumerable.Range(1, 943).Select(u => u.ToString(CultureInfo.InvariantCulture)).ToArray();
// Same answers first (the comparison is meaningful only if both compute the same thing).
foreach (var u in users.Take(50))
{
    var a = engine.Predict(new UserRequest { UserId = u }).ItemIds;
    var b = RawRun(session, runOptions, outputNames, u);
    if (!a.SequenceEqual(b)) throw new InvalidOperationException($"user {u}: PredictionEngine and raw ONNX Runtime disagree");
}
var pe = new List<double>();
var raw = new List<double>();
var raw1 = new List<double>();
for (var r = 0; r < rounds; r++)
{
    foreach (var u in users)
    {
        var t0 = Stopwatch.GetTimestamp();
        engine.Predict(new UserRequest { UserId = u });
        pe.Add(Stopwatch.GetElapsedTime(t0).TotalMicroseconds);
        t0 = Stopwatch.GetTimestamp();
        RawRun(session, runOptions, outputNames, u);
        raw.Add(Stopwatch.GetElapsedTime(t0).TotalMicroseconds);
        t0 = Stopwatch.GetTimestamp();
        RawRun(session1, runOptions, outputNames, u);
        raw1.Add(Stopwatch.GetElapsedTime(t0).TotalMicroseconds);
    }
}
// In process through the index (no ONNX): the managed path, for reference.
var managed = new List<double>();
foreach (var u in users)
{
    var t0 = Stopwatch.GetTimestamp();
    fitted.Recommend(u, 10, excludeSeen: true);
    managed.Add(Stopwatch.GetElapsedTime(t0).TotalMicroseconds);
}
Console.WriteLine($"PredictionEngine.Predict  (1 user, top-10 of {fitted.Model.Items.Count}, exclude seen): p50 {P(pe, 0.50):F1} µs  p99 {P(pe, 0.99):F1} µs  ({pe.Count} calls)");
Console.WriteLine($"raw InferenceSession.Run (same graph, default session options):       p50 {P(raw, 0.50):F1} µs  p99 {P(raw, 0.99):F1} µs");
Console.WriteLine($"raw InferenceSession.Run (same graph, 1 intra-op thread):              p50 {P(raw1, 0.50):F1} µs  p99 {P(raw1, 0.99):F1} µs");
// Per-round p99 (943 calls each): the quietest round shows the code path without the other jobs' scheduling noise.
var perRound = Enumerable.Range(0, rounds).Select(r => (Pe: P(pe.GetRange(r * users.Length, users.Length), 0.99), Raw: P(raw.GetRange(r * users.Length, users.Length), 0.99))).ToArray();
Console.WriteLine($"per-round p99 PredictionEngine: {string.Join(" ", perRound.Select(x => x.Pe.ToString("F0", CultureInfo.InvariantCulture)))} µs; raw: {string.Join(" ", perRound.Select(x => x.Raw.ToString("F0", CultureInfo.InvariantCulture)))} µs");
Console.WriteLine($"quietest round p99: PredictionEngine {perRound.Min(x => x.Pe):F1} µs, raw {perRound.Min(x => x.Raw):F1} µs");
Console.WriteLine($"overhead PredictionEngine / raw ONNX Runtime: p50 {P(pe, 0.50) / P(raw, 0.50):F2}×  p99 {P(pe, 0.99) / P(raw, 0.99):F2}×");
Console.WriteLine($"managed FittedRecommender.Recommend (exact, no ONNX):                p50 {P(managed, 0.50):F1} µs  p99 {P(managed, 0.99):F1} µs");
(loaded as IDisposable)?.Dispose();
File.Delete(path);

static string[] RawRun(InferenceSession session, RunOptions options, string[] outputs, string user)
{
    using var input = OrtValue.CreateFromStringTensor(new DenseTensor<string>(new[] { user }, [1, 1]));
    using var results = session.Run(options, ["UserId"], [input], outputs);
    return results[0].GetStringTensorAsArray();
}

static double P(List<double> xs, double q)
{
    var s = xs.OrderBy(x => x).ToArray();
    return s[Math.Min(s.Length - 1, (int)(s.Length * q))];
}

static double Median(List<double> xs) => P(xs, 0.5);

static (float[] Vectors, float[] Cold) ColdAndUsers(FittedRecommender f)
{
    var m = f.Model;
    var v = new float[m.Users.Count * m.Dimension];
    m.EmbedUsers(Enumerable.Range(0, m.Users.Count).ToArray(), v);
    var c = new float[m.Dimension];
    m.EmbedUsers([-1], c);
    return (v, c);
}

static (int[] Pointers, int[] Items) Seen(FittedRecommender f)
{
    var s = f.Training.ToUserItemMatrix();
    var ptr = new int[f.Model.Users.Count + 1];
    var all = new List<int>();
    for (var u = 0; u < f.Model.Users.Count; u++)
    {
        if (u < s.Rows) all.AddRange(s.RowIndices(u).ToArray().Order());
        ptr[u + 1] = all.Count;
    }
    return (ptr, all.ToArray());
}

public class Interaction
{
    [LoadColumn(0)] public string UserId { get; set; } = "";
    [LoadColumn(1)] public string ItemId { get; set; } = "";
    [LoadColumn(2)] public float Rating { get; set; }
    [LoadColumn(3)] public long Timestamp { get; set; }
}

public class UserRequest
{
    public string UserId { get; set; } = "";
}

public class Recommendations
{
    public string[] ItemIds { get; set; } = [];
    public float[] Scores { get; set; } = [];
}
