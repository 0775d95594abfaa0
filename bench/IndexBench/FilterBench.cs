// Flat (exact) search speed with allow-lists of decreasing selectivity against unfiltered search, and with the same
// selection as a Filter delegate; batched (all queries in one call) and one query per call.
//   IndexBench filter [n] [d] [queries] [repeats]      defaults 20000 64 500 7; k 10, 1 thread
using System.Collections;
using System.Diagnostics;
using System.Globalization;
using TwoTower.MLNet.Index;
using TwoTower.MLNet.Index.Flat;

namespace IndexBench;

internal static class FilterBench
{
    public static int Run(string[] args)
    {
        int Arg(int i, int fallback) => args.Length > i ? int.Parse(args[i], CultureInfo.InvariantCulture) : fallback;
        var (n, d, nq, repeats) = (Arg(0, 20_000), Arg(1, 64), Arg(2, 500), Arg(3, 7));
        const int k = 10;
        var x = Uniform(n * d, 1);
        var q = Uniform(nq * d, 2);
        using var index = new FlatIndex(d);
        index.Add(Enumerable.Range(0, n).Select(i => (long)i).ToArray(), x);
        var cases = new List<(string Name, SearchOptions? Options)> { ("unfiltered", null) };
        foreach (var percent in new[] { 50.0, 10, 5, 1, 0.1 })
        {
            var rng = new Random(3);
            var allow = new BitArray(n);
            for (var i = 0; i < n; i++) allow[i] = rng.NextDouble() * 100 < percent;
            cases.Add(($"allow-list {percent}%", new SearchOptions { AllowList = allow }));
            cases.Add(($"Filter delegate {percent}%", new SearchOptions { Filter = id => allow[(int)id] }));
        }
        // Every case is warmed up (JIT tiers) before any is timed, then the cases take turns; the best run of each counts.
        var batch = new double[cases.Count];
        var single = new double[cases.Count];
        Array.Fill(batch, double.MaxValue);
        Array.Fill(single, double.MaxValue);
        for (var rep = -2; rep < repeats; rep++)
            for (var c = 0; c < cases.Count; c++)
            {
                var sw = Stopwatch.StartNew();
                index.Search(q, k, cases[c].Options);
                if (rep >= 0) batch[c] = Math.Min(batch[c], sw.Elapsed.TotalSeconds);
                sw.Restart();
                for (var i = 0; i < nq; i++) index.Search(q.AsSpan(i * d, d), k, cases[c].Options);
                if (rep >= 0) single[c] = Math.Min(single[c], sw.Elapsed.TotalSeconds);
            }
        Console.WriteLine($"# Flat n {n} d {d}, {nq} queries, k {k}, 1 thread, best of {repeats} (after 2 warm-up rounds, cases interleaved)");
        Console.WriteLine($"{"case",-26} {"batch ms",9} {"batch QPS",10} {"vs unfiltered",13} {"1-query QPS",12} {"vs unfiltered",13}");
        for (var c = 0; c < cases.Count; c++)
            Console.WriteLine($"{cases[c].Name,-26} {batch[c] * 1e3,9:F1} {nq / batch[c],10:F0} {batch[0] / batch[c],12:F2}x {nq / single[c],12:F0} {single[0] / single[c],12:F2}x");
        return 0;
    }

    private static float[] Uniform(int count, int seed)
    {
        var rng = new Random(seed);
        var x = new float[count];
        for (var i = 0; i < x.Length; i++) x[i] = (float)(rng.NextDouble() * 2 - 1);
        return x;
    }
}
