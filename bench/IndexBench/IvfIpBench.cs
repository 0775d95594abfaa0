// Recall@10 and QPS of IVF-Flat (and IVF-PQ with refinement) against nProbe on inner-product data whose vectors are not
// unit length, and on unit-length data (inner product and cosine), so a change of the coarse quantizer can be judged on both.
//   IndexBench ivfip [n] [d] [lists] [repeats] [seeds] [only]      defaults 20000 32 32 3 3, all data sets (else those whose name contains ONLY); 1,000 queries; batch search on 1 thread
using System.Diagnostics;
using System.Globalization;
using System.Numerics.Tensors;
using TwoTower.MLNet.Index;
using TwoTower.MLNet.Index.Flat;
using TwoTower.MLNet.Index.Ivf;

namespace IndexBench;

internal static class IvfIpBench
{
    private static readonly int[] NProbes = [1, 2, 4, 8, 16];

    public static int Run(string[] args)
    {
        int Arg(int i, int fallback) => args.Length > i ? int.Parse(args[i], CultureInfo.InvariantCulture) : fallback;
        var (n, d, lists, repeats, seeds) = (Arg(0, 20_000), Arg(1, 32), Arg(2, 32), Arg(3, 3), Arg(4, 3));
        var only = args.Length > 5 ? args[5] : "";
        const int k = 10;
        Console.WriteLine($"# n {n} d {d} IVF{lists}, 1000 queries, k {k}, batch 1 thread; recall = mean over k-means seeds 1..{seeds}, QPS = queries / sum over seeds of the best of {repeats} searches; build 2 threads");
        var sets = new List<(string Name, VectorMetric Metric, float[] Base, float[] Queries)>
        {
            ("gaussian, lengths 0.1-2, IP", VectorMetric.InnerProduct, Data(n, d, 0, 1, lengths: true), Data(1000, d, 0, 2, lengths: true)),
            ("gaussian, unit, IP", VectorMetric.InnerProduct, Data(n, d, 0, 1, lengths: false), Data(1000, d, 0, 2, lengths: false)),
            ("mixture of 100, lengths 0.1-2, IP", VectorMetric.InnerProduct, Data(n, d, 100, 3, lengths: true), Data(1000, d, 100, 4, lengths: true)),
            ("mixture of 100, unit, IP", VectorMetric.InnerProduct, Data(n, d, 100, 3, lengths: false), Data(1000, d, 100, 4, lengths: false)),
            ("mixture of 100, unit, queries of lengths 0.1-2, IP", VectorMetric.InnerProduct, Data(n, d, 100, 3, lengths: false), Data(1000, d, 100, 4, lengths: true)),
            ("mixture of 100, unit, cosine", VectorMetric.Cosine, Data(n, d, 100, 3, lengths: false), Data(1000, d, 100, 4, lengths: false)),
            ("wide mixture (noise 1.5, as ann-tradeoffs.ipynb), unit, IP", VectorMetric.InnerProduct, Data(n, d, 100, 5, lengths: false, noise: 1.5f), Data(1000, d, 100, 6, lengths: false, noise: 1.5f)),
            ("wide mixture (noise 1.5), lengths 0.1-2, IP", VectorMetric.InnerProduct, Data(n, d, 100, 5, lengths: true, noise: 1.5f), Data(1000, d, 100, 6, lengths: true, noise: 1.5f)),
        };
        if (MovieLensFactors.Locate() is { } folder && (only == "" || "ML-100K".Contains(only, StringComparison.Ordinal)))
        {
            var (items, users) = MovieLensFactors.Train(folder, d);
            sets.Add(($"ML-100K iALS {d} factors, 1682 items, 943 user queries, IP", VectorMetric.InnerProduct, items, users));
        }
        var probes = NProbes.Where(p => p <= lists).ToArray();
        foreach (var (name, metric, x, q) in sets.Where(s => s.Name.Contains(only, StringComparison.Ordinal)))
        {
            var ids = Enumerable.Range(0, x.Length / d).Select(i => (long)i).ToArray();
            var nq = q.Length / d;
            using var flat = new FlatIndex(d, metric);
            flat.Add(ids, x);
            var truth = flat.Search(q, k);
            foreach (var pq in new[] { false, true })
            {
                var recall = new double[probes.Length];
                var seconds = new double[probes.Length];
                var build = 0.0;
                for (var seed = 1; seed <= seeds; seed++)
                {
                    var options = new IvfOptions { Lists = lists, Seed = seed, BuildThreads = 2 };
                    using IVectorIndex index = pq ? new IvfPqIndex(d, metric, options with { SubQuantizers = d / 4, Refine = true }) : new IvfFlatIndex(d, metric, options);
                    var sw = Stopwatch.StartNew();
                    index.Train(x);
                    index.Add(ids, x);
                    build += sw.Elapsed.TotalSeconds;
                    index.Search(q, k);
                    for (var p = 0; p < probes.Length; p++)
                    {
                        var search = new SearchOptions { NProbe = probes[p] };
                        var best = double.MaxValue;
                        for (var rep = 0; rep < repeats; rep++)
                        {
                            sw.Restart();
                            var r = index.Search(q, k, search);
                            best = Math.Min(best, sw.Elapsed.TotalSeconds);
                            if (rep == 0) recall[p] += Recall(r, truth, k) / seeds;
                        }
                        seconds[p] += best;
                    }
                }
                Console.WriteLine($"{name}, {(pq ? $"IVF{lists},PQ{d / 4},Refine" : $"IVF{lists},Flat")}, train+add {build / seeds:F2} s");
                for (var p = 0; p < probes.Length; p++)
                    Console.WriteLine($"  nprobe {probes[p],2}  recall@10 {recall[p]:F4}  QPS {nq * seeds / seconds[p],8:F0}");
            }
        }
        return 0;
    }

    private static double Recall(SearchResults r, SearchResults truth, int k)
    {
        var hits = 0;
        for (var i = 0; i < r.QueryCount; i++)
        {
            var want = truth.IdsOf(i).ToArray();
            foreach (var id in r.IdsOf(i)) if (Array.IndexOf(want, id) >= 0) hits++;
        }
        return hits / (double)(r.QueryCount * k);
    }

    // Gaussian directions (isotropic when centres is 0, else one of `centres` N(0, 1) centres plus N(0, noise²) noise), each row then
    // scaled to a length drawn uniformly from [0.1, 2] (like matrix-factorisation factors) or to unit length.
    private static float[] Data(int rows, int d, int centres, int seed, bool lengths, float noise = 0.6f)
    {
        var rng = new Random(seed);
        var centreRng = new Random(12345);
        var c = new float[Math.Max(centres, 1) * d];
        for (var i = 0; i < c.Length; i++) c[i] = Normal(centreRng);
        var x = new float[rows * d];
        for (var r = 0; r < rows; r++)
        {
            var row = x.AsSpan(r * d, d);
            var centre = centres == 0 ? -1 : rng.Next(centres);
            for (var j = 0; j < d; j++) row[j] = (centre < 0 ? 0 : c[centre * d + j]) + (centres == 0 ? 1f : noise) * Normal(rng);
            var length = lengths ? 0.1f + 1.9f * (float)rng.NextDouble() : 1f;
            TensorPrimitives.Multiply(row, length / TensorPrimitives.Norm(row), row);
        }
        return x;
    }

    private static float Normal(Random rng) => (float)(Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble()));
}
