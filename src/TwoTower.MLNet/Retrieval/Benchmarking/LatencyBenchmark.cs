using System.Diagnostics;
using TwoTower.MLNet.Index;
using TwoTower.MLNet.Retrieval.Candidates;
using TwoTower.MLNet.Retrieval.Engine;
using TwoTower.MLNet.Rules;

namespace TwoTower.MLNet.Retrieval.Benchmarking;

/// <summary>In-process recommend latency on one thread: per-stage (user vector, ANN search) and end to end (all sources, merge, rules).</summary>
public static class LatencyBenchmark
{
    /// <summary>Stage and total latencies.</summary>
    /// <param name="UserVector">Computing the user vector.</param>
    /// <param name="Ann">The filtered index search for the ANN quota.</param>
    /// <param name="Total">A whole <see cref="RetrievalEngine.Recommend"/> call.</param>
    /// <param name="Filtered">Whole calls with a genre filter and a per-genre cap.</param>
    /// <param name="TotalCpu">Thread CPU time of the whole calls (null where the platform cannot tell): the code's cost without preemption.</param>
    public sealed record Result(LatencyStats UserVector, LatencyStats Ann, LatencyStats Total, LatencyStats Filtered, LatencyStats? TotalCpu);

    /// <summary>Runs <paramref name="queries"/> requests for random known users (seeded) after <paramref name="warmup"/> unmeasured ones.</summary>
    public static Result Run(RetrievalEngine engine, int queries, int k = 10, int warmup = 500, int seed = 1)
    {
        ArgumentNullException.ThrowIfNull(engine);
        if (queries < 1) throw new ArgumentOutOfRangeException(nameof(queries), queries, "queries must be ≥ 1.");
        if (warmup < 0) throw new ArgumentOutOfRangeException(nameof(warmup), warmup, "warmup must be ≥ 0.");
        if (engine.AnnSource is not { } ann || engine.Index is not { } index)
            throw new ArgumentException($"Model type '{engine.Model.ModelType}' has no item vectors; the latency benchmark needs an embedding model.", nameof(engine));
        var users = engine.Model.Users;
        var quota = engine.Generator.Options.Sources.First(s => s.Source == ann.Name).Quota;
        var genre = engine.Catalog.Genres.Count > 0 ? engine.Catalog.Genres[Math.Min(1, engine.Catalog.Genres.Count - 1)] : null;
        var filtered = genre is null ? null : new RuleSpec { ExcludeGenres = new[] { genre }, MaxPerGenre = 3 };
        var rng = new Random(seed);
        var vector = new float[index.Dimension];
        var tUser = new List<double>(queries);
        var tAnn = new List<double>(queries);
        var tTotal = new List<double>(queries);
        var tFiltered = new List<double>(queries);
        var tCpu = new List<double>(queries);
        for (var q = -warmup; q < queries; q++)
        {
            var userId = users.GetRawId(rng.Next(users.Count));
            var userKey = engine.Histories.UserKey(userId);
            var history = engine.Histories.History(userId);
            var query = new CandidateQuery(userKey, history, RuleSet.Empty.KeyFilter(engine.Catalog));
            var t0 = Stopwatch.GetTimestamp();
            ann.UserVector(query, vector);
            var t1 = Stopwatch.GetTimestamp();
            index.Search(vector, quota, new SearchOptions { EfSearch = engine.Options.EfSearch, Filter = id => query.Allows((int)id) });
            var c2 = ThreadCpuClock.NowNanoseconds();
            var t2 = Stopwatch.GetTimestamp();
            engine.Recommend(new RecommendRequest { UserId = userId, K = k });
            var t3 = Stopwatch.GetTimestamp();
            var c3 = ThreadCpuClock.NowNanoseconds();
            if (filtered is not null) engine.Recommend(new RecommendRequest { UserId = userId, K = k, Filters = filtered });
            var t4 = Stopwatch.GetTimestamp();
            if (q < 0) continue;
            tUser.Add(Stopwatch.GetElapsedTime(t0, t1).TotalMilliseconds);
            tAnn.Add(Stopwatch.GetElapsedTime(t1, t2).TotalMilliseconds);
            tTotal.Add(Stopwatch.GetElapsedTime(t2, t3).TotalMilliseconds);
            tCpu.Add((c3 - c2) / 1e6);
            if (filtered is not null) tFiltered.Add(Stopwatch.GetElapsedTime(t3, t4).TotalMilliseconds);
        }
        return new Result(LatencyStats.From(tUser), LatencyStats.From(tAnn), LatencyStats.From(tTotal), LatencyStats.From(tFiltered.Count > 0 ? tFiltered : tTotal),
            ThreadCpuClock.IsSupported ? LatencyStats.From(tCpu) : null);
    }
}
