// Cold-start evaluation on ML-100K: new users (0..10 revealed interactions) and new items (vectors from content), against popularity.
// Usage: dotnet run -c Release --project bench/RetrievalBench -- [ml-100k folder] [seed]
using System.Diagnostics;
using TwoTower.MLNet.ColdStart;
using TwoTower.MLNet.Data;
using TwoTower.MLNet.MatrixFactorization;
using TwoTower.MLNet.Models;
using TwoTower.MLNet.Persistence;
using TwoTower.MLNet.Retrieval.Engine;
using TwoTower.MLNet.Training;

var dir = args.Length > 0 ? args[0] : Path.Combine("..", "shared", "datasets", "ml-100k");
var seed = args.Length > 1 ? int.Parse(args[1]) : 1;
// Cold-start blend settings (defaults = the library's); tune with another seed than the one reported.
var coldStart = new ColdStartOptions
{
    FewInteractions = args.Length > 2 ? int.Parse(args[2]) : new ColdStartOptions().FewInteractions,
    Shrinkage = args.Length > 3 ? float.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture) : new ColdStartOptions().Shrinkage,
};
var ds = DatasetLoader.Load(dir);
var log = ds.Interactions;
Console.WriteLine($"# Cold-start evaluation, ML-100K ({log.Count} interactions), seed {seed}, cold start: few < {coldStart.FewInteractions}, shrinkage {coldStart.Shrinkage}, {TwoTower.MLNet.Index.Benchmarking.RunEnvironment.Line(Environment.ProcessorCount)}");
const int K = 10;
const int TestPerUser = 5;
var als = new ImplicitAlsOptions { Factors = 64, Iterations = 15, Seed = seed, ComputeLoss = false };

// ---------- cold users ----------
// Test = each user's last 5 interactions (by time). Warm users train on the rest; 10% of users are held out entirely
// and at request time reveal their first n interactions.
var rng = new Random(seed);
var byUser = Enumerable.Range(0, log.Count).GroupBy(r => log.Users[r]).ToDictionary(g => g.Key, g => g.OrderBy(r => log.Timestamps[r]).ThenBy(r => log.Items[r], StringComparer.Ordinal).ToArray());
var userIds = byUser.Keys.Order(StringComparer.Ordinal).ToArray();
var coldUsers = userIds.OrderBy(_ => rng.Next()).Take(userIds.Length / 10).ToHashSet();
var trainRows = new List<int>();
foreach (var (u, rows) in byUser)
    if (!coldUsers.Contains(u)) trainRows.AddRange(rows[..^TestPerUser]);
var train = TrainingData.Create(log.Subset(trainRows), null, ds.Items, ds.Users);
var clock = Stopwatch.StartNew();
var mf = new ImplicitAlsTrainer(als).Fit(train);
Console.WriteLine($"iALS on {train.Train.Count} rows in {clock.Elapsed.TotalSeconds:0.0} s; {coldUsers.Count} cold users, {userIds.Length - coldUsers.Count} warm users.");
var seen = train.Train.ToUserItemMatrix(binary: true);
using var engine = RetrievalEngine.Create(new LoadedModel(mf, seen, null), ds.Items, ds.Users, new RetrievalEngineOptions { IndexSpec = "Flat", ColdStart = coldStart });
using var engineOcc = RetrievalEngine.Create(new LoadedModel(mf, seen, null), ds.Items, ds.Users, new RetrievalEngineOptions { IndexSpec = "Flat", Grouping = UserGrouping.Occupation, ColdStart = coldStart });
// The two-tower model on the same rows, its new users folded in by the mean of their items' vectors or by the softmax fold-in;
// "ANN alone" engines (one source, no blend) isolate the fold-in from the merge.
clock.Restart();
var tt = new TwoTower.MLNet.TwoTowerModel.TwoTowerTrainer(new TwoTower.MLNet.TwoTowerModel.TwoTowerTrainerOptions { Seed = seed }).Train(train);
Console.WriteLine($"two-tower on the same rows in {clock.Elapsed.TotalSeconds:0.0} s.");
var priorWeight = Environment.GetEnvironmentVariable("FOLDIN_PRIOR") is { } pw ? float.Parse(pw, System.Globalization.CultureInfo.InvariantCulture) : new SoftmaxFoldInOptions().PriorWeight;
RetrievalEngine TwoTowerEngine(NewUserFoldIn foldIn, bool annAlone) => RetrievalEngine.Create(new LoadedModel(tt, seen, null), ds.Items, ds.Users, new RetrievalEngineOptions
{
    IndexSpec = "Flat",
    NewUserFoldIn = foldIn,
    SoftmaxFoldIn = new SoftmaxFoldInOptions
    {
        PriorWeight = priorWeight,
        MaxIterations = Environment.GetEnvironmentVariable("FOLDIN_ITERS") is { } it ? int.Parse(it) : new SoftmaxFoldInOptions().MaxIterations,
        Tolerance = Environment.GetEnvironmentVariable("FOLDIN_TOL") is { } tol ? float.Parse(tol, System.Globalization.CultureInfo.InvariantCulture) : new SoftmaxFoldInOptions().Tolerance,
    },
    ColdStart = annAlone ? coldStart with { FewInteractions = 0 } : coldStart,
    Generator = annAlone ? new TwoTower.MLNet.Retrieval.Candidates.CandidateGeneratorOptions { Sources = [new("twotower", 100)] } : null,
});
using var ttMean = TwoTowerEngine(NewUserFoldIn.MeanOfItems, annAlone: false);
using var ttSoftmax = TwoTowerEngine(NewUserFoldIn.Softmax, annAlone: false);
using var ttMeanAnn = TwoTowerEngine(NewUserFoldIn.MeanOfItems, annAlone: true);
using var ttSoftmaxAnn = TwoTowerEngine(NewUserFoldIn.Softmax, annAlone: true);

(double Recall, double Ndcg) Score(IReadOnlyList<string> top, HashSet<string> test)
{
    double dcg = 0, idcg = 0;
    var hits = 0;
    for (var i = 0; i < top.Count; i++)
        if (test.Contains(top[i])) { hits++; dcg += 1 / Math.Log2(i + 2); }
    for (var i = 0; i < Math.Min(K, test.Count); i++) idcg += 1 / Math.Log2(i + 2);
    return ((double)hits / test.Count, dcg / idcg);
}

string[] PopTop(PopularityRanking ranking, HashSet<string> exclude) =>
    ranking.Order.Select(k => train.Items.GetRawId(k)).Where(id => !exclude.Contains(id)).Take(K).ToArray();

Console.WriteLine();
Console.WriteLine($"| users | revealed n | popularity R@{K} | popularity NDCG@{K} | age-group popularity R@{K} | occupation popularity R@{K} | engine blend (age) R@{K} | engine blend NDCG@{K} | engine blend (occupation) R@{K} | two-tower blend, mean fold-in R@{K} | two-tower blend, softmax fold-in R@{K} | two-tower ANN alone, mean R@{K} | two-tower ANN alone, softmax R@{K} |");
Console.WriteLine("|---|---|---|---|---|---|---|---|---|---|---|---|---|");
string[] Top(RetrievalEngine e, string user, string[] revealed, TwoTower.MLNet.Data.UserRecord? features) =>
    e.Recommend(new RecommendRequest { UserId = user, K = K, History = revealed, Features = features }).Items.Select(i => i.ItemId).ToArray();
foreach (var n in new[] { 0, 1, 3, 5, 10, 20 })
{
    var acc = new double[11];
    var count = 0;
    foreach (var u in coldUsers.Order(StringComparer.Ordinal))
    {
        var rows = byUser[u];
        if (rows.Length < TestPerUser + n) continue;
        var revealed = rows[..n].Select(r => log.Items[r]).Distinct().ToArray();
        var test = rows[^TestPerUser..].Select(r => log.Items[r]).ToHashSet();
        test.ExceptWith(revealed);
        if (test.Count == 0) continue;
        ds.Users!.TryGet(u, out var features);
        var ex = revealed.ToHashSet();
        var pop = Score(PopTop(engine.Popularity.Overall, ex), test);
        var age = Score(PopTop(engine.Popularity.RankingFor(features), ex), test);
        var occ = Score(PopTop(engineOcc.Popularity.RankingFor(features), ex), test);
        var blend = Score(engine.Recommend(new RecommendRequest { UserId = u, K = K, History = revealed, Features = features }).Items.Select(i => i.ItemId).ToArray(), test);
        var blendOcc = Score(engineOcc.Recommend(new RecommendRequest { UserId = u, K = K, History = revealed, Features = features }).Items.Select(i => i.ItemId).ToArray(), test);
        acc[0] += pop.Recall; acc[1] += pop.Ndcg; acc[2] += age.Recall; acc[3] += occ.Recall; acc[4] += blend.Recall; acc[5] += blend.Ndcg; acc[6] += blendOcc.Recall;
        acc[7] += Score(Top(ttMean, u, revealed, features), test).Recall;
        acc[8] += Score(Top(ttSoftmax, u, revealed, features), test).Recall;
        acc[9] += Score(Top(ttMeanAnn, u, revealed, features), test).Recall;
        acc[10] += Score(Top(ttSoftmaxAnn, u, revealed, features), test).Recall;
        count++;
    }
    Console.WriteLine($"| cold ({count}) | {n} | {string.Join(" | ", acc.Select(a => (a / count).ToString("0.0000")))} |");
}
{
    // The fold-in's own cost: embed every cold user from their first 10 items, best of 5 passes.
    var histories = coldUsers.Order(StringComparer.Ordinal).Where(u => byUser[u].Length >= 10)
        .Select(u => byUser[u][..10].Select(r => ttSoftmax.Catalog.GetLive(log.Items[r])!.Key).Distinct().Order().ToArray()).ToArray();
    var vector = new float[tt.Dimension];
    foreach (var (label, e) in new[] { ("softmax", ttSoftmax), ("mean", ttMean) })
    {
        var best = double.MaxValue;
        for (var pass = 0; pass < 5; pass++)
        {
            var sw = Stopwatch.StartNew();
            foreach (var h in histories) e.NewUsers!.Embed(h, null, vector);
            best = Math.Min(best, sw.Elapsed.TotalMilliseconds / histories.Length);
        }
        Console.WriteLine($"fold-in {label}: {best:0.000} ms per user ({histories.Length} users, 10 items each, {tt.Items.Count} items, d {tt.Dimension}, 1 thread)");
    }
}
{
    var acc = new double[4];
    var count = 0;
    foreach (var u in userIds.Where(u => !coldUsers.Contains(u)))
    {
        var rows = byUser[u];
        var test = rows[^TestPerUser..].Select(r => log.Items[r]).ToHashSet();
        var history = engine.Histories.History(u).Select(k => train.Items.GetRawId(k)).ToHashSet();
        test.ExceptWith(history);
        if (test.Count == 0) continue;
        var pop = Score(PopTop(engine.Popularity.Overall, history), test);
        var warm = Score(engine.Recommend(new RecommendRequest { UserId = u, K = K }).Items.Select(i => i.ItemId).ToArray(), test);
        acc[0] += pop.Recall; acc[1] += pop.Ndcg; acc[2] += warm.Recall; acc[3] += warm.Ndcg;
        count++;
    }
    Console.WriteLine($"| warm ({count}) | all train | {acc[0] / count:0.0000} | {acc[1] / count:0.0000} | – | – | {acc[2] / count:0.0000} | {acc[3] / count:0.0000} | – |");
}

// ---------- cold items ----------
// 10% of the items with ≥ 10 interactions lose all their interactions from training; their vectors come from content:
// the two-tower model's item tower (genres, title tokens, release year through the trained network), or a ridge
// projection of (genres, release-year buckets) onto the model's item space fitted on the warm items (the fallback for
// models without an item tower, e.g. iALS). Query: every interaction on a cold item.
var counts = log.Items.GroupBy(i => i).ToDictionary(g => g.Key, g => g.Count());
var rngI = new Random(seed + 1);
var coldItems = counts.Where(kv => kv.Value >= 10).Select(kv => kv.Key).Order(StringComparer.Ordinal).OrderBy(_ => rngI.Next()).Take(counts.Count(kv => kv.Value >= 10) / 10).ToHashSet();
var trainI = TrainingData.Create(log.Subset(Enumerable.Range(0, log.Count).Where(r => !coldItems.Contains(log.Items[r]))), null, ds.Items, ds.Users);
var seenI = trainI.Train.ToUserItemMatrix(binary: true);
var coldKeys = coldItems.Select(id => trainI.Items.GetKey(id)).Order().ToArray();
var mfI = new ImplicitAlsTrainer(als).Fit(trainI);
clock.Restart();
var ttI = new TwoTower.MLNet.TwoTowerModel.TwoTowerTrainer(new TwoTower.MLNet.TwoTowerModel.TwoTowerTrainerOptions { Seed = seed }).Train(trainI);
Console.WriteLine();
Console.WriteLine($"Two-tower (defaults) trained without the cold items in {clock.Elapsed.TotalSeconds:0.0} s.");
using var engineI = RetrievalEngine.Create(new LoadedModel(mfI, seenI, null), ds.Items, ds.Users, new RetrievalEngineOptions { IndexSpec = "Flat" });
using var engineTt = RetrievalEngine.Create(new LoadedModel(ttI, seenI, null), ds.Items, ds.Users, new RetrievalEngineOptions { IndexSpec = "Flat" });
var ttProjection = ContentItemProjector.Fit(
    Enumerable.Range(0, trainI.Items.Count).Select(k => engineTt.Catalog.Get(k)!.Record).ToArray(), ttI.ItemVectors.Span, ttI.Dimension, engineTt.Catalog.Genres,
    k => engineTt.Popularity.Overall.Counts[k] >= new RetrievalEngineOptions().ProjectionMinInteractions);
// Non-personalised content baseline: an item's score is the mean training popularity of warm items sharing a genre.
var warmPop = engineI.Popularity.Overall.Counts;
var genrePop = new Dictionary<string, (double Sum, int N)>();
for (var k = 0; k < trainI.Items.Count; k++)
{
    if (coldItems.Contains(trainI.Items.GetRawId(k))) continue;
    foreach (var g in engineI.Catalog.Get(k)!.Record.Genres)
    {
        genrePop.TryGetValue(g, out var e);
        genrePop[g] = (e.Sum + warmPop[k], e.N + 1);
    }
}
double ContentPop(int key) => engineI.Catalog.Get(key)!.Record.Genres.Select(g => genrePop.TryGetValue(g, out var e) ? e.Sum / e.N : 0).DefaultIfEmpty(0).Average();
var queryRows = Enumerable.Range(0, log.Count).Where(r => coldItems.Contains(log.Items[r]) && trainI.Users.TryGetKey(log.Users[r], out _)).ToArray();

// Recall of the held-out item among the cold items (@K) and in the whole catalogue (@100, seen items excluded).
(double AmongCold, double Full) Evaluate(IEmbeddingRecommender model, INewItemEmbedder embedder)
{
    var projected = coldKeys.ToDictionary(k => k, k => embedder.Embed(engineI.Catalog.Get(k)!.Record));
    var uvec = new float[model.Dimension];
    var fullScores = new float[trainI.Items.Count];
    double hit = 0, hitFull = 0;
    foreach (var r in queryRows)
    {
        var uk = trainI.Users.GetKey(log.Users[r]);
        var target = trainI.Items.GetKey(log.Items[r]);
        model.EmbedUsers(new[] { uk }, uvec);
        // Ties count against the held-out item.
        var sTarget = System.Numerics.Tensors.TensorPrimitives.Dot(uvec, projected[target]);
        if (coldKeys.Count(k => k != target && System.Numerics.Tensors.TensorPrimitives.Dot(uvec, projected[k]) >= sTarget) < K) hit++;
        model.Score(new[] { uk }, fullScores);
        foreach (var k in coldKeys) fullScores[k] = System.Numerics.Tensors.TensorPrimitives.Dot(uvec, projected[k]);
        foreach (var k in seenI.RowIndices(uk)) fullScores[k] = float.NegativeInfinity;
        var fTarget = fullScores[target];
        if (fullScores.Count(s => s > fTarget) < 100) hitFull++;
    }
    return (hit / queryRows.Length, hitFull / queryRows.Length);
}

double hitPop = 0, hitRand = 0, hitFullPop = 0;
foreach (var r in queryRows)
{
    var uk = trainI.Users.GetKey(log.Users[r]);
    var target = trainI.Items.GetKey(log.Items[r]);
    var pTarget = ContentPop(target);
    if (coldKeys.Count(k => k != target && ContentPop(k) >= pTarget) < K) hitPop++;
    hitRand += Math.Min(1.0, (double)K / coldKeys.Length);
    var popRankFull = engineI.Popularity.Overall.Order.Where(k => !seenI.Contains(uk, k)).TakeWhile(k => k != target).Count();
    if (popRankFull < 100) hitFullPop++;
}
var queries = queryRows.Length;
var ttTower = Evaluate(ttI, engineTt.NewItems!);
var ttRidge = Evaluate(ttI, ttProjection);
var mfRidge = Evaluate(mfI, engineI.NewItems!);
Console.WriteLine();
Console.WriteLine($"Cold items: {coldKeys.Length} items (≥ 10 interactions each) held out of training, {queries} held-out interactions as queries; engine's new-item method: two-tower {engineTt.NewItems!.Method}, iALS {engineI.NewItems!.Method}.");
Console.WriteLine();
Console.WriteLine($"| ranking of the held-out item | among the {coldKeys.Length} cold items: Recall@{K} | whole catalogue: Recall@100 |");
Console.WriteLine("|---|---|---|");
Console.WriteLine($"| two-tower: user · item-tower vector | {ttTower.AmongCold:0.0000} | {ttTower.Full:0.0000} |");
Console.WriteLine($"| two-tower: user · ridge-projected vector | {ttRidge.AmongCold:0.0000} | {ttRidge.Full:0.0000} |");
Console.WriteLine($"| iALS: user · ridge-projected vector | {mfRidge.AmongCold:0.0000} | {mfRidge.Full:0.0000} |");
Console.WriteLine($"| genre popularity (non-personalised content) | {hitPop / queries:0.0000} | – |");
Console.WriteLine($"| popularity (new item has 0 interactions) | {hitRand / queries:0.0000} (ties: random) | {hitFullPop / queries:0.0000} |");
