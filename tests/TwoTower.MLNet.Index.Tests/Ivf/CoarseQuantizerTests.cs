using TwoTower.MLNet.Index.Ivf;

namespace TwoTower.MLNet.Index.Tests.Ivf;

[TestClass]
public sealed class CoarseQuantizerTests
{
    [TestMethod]
    public void Probe_CentroidsWhoseScoresAreNotNumbers_StillReturnsNProbeDistinctLists()
    {
        // Found by an audit: components near 1e20 overflow ‖c‖² to ∞, so a centroid's L2 score is ∞ − ∞ = NaN and ranks nowhere;
        // the probe list came back padded with list -1, which the searches then indexed with.
        const int d = 4, lists = 5;
        var centroids = TestData.Uniform(lists, d, 3).Select(v => v * 1e20f).ToArray();
        var quantizer = new CoarseQuantizer(centroids, d, byDirection: false);
        var queries = centroids.AsSpan(0, 2 * d).ToArray();
        foreach (var nprobe in new[] { 1, 3, lists })
        {
            var probes = quantizer.Probe(queries, nprobe, l2: true, threads: 1);
            for (var q = 0; q < 2; q++)
            {
                var row = probes.AsSpan(q * nprobe, nprobe).ToArray();
                Assert.IsTrue(row.All(l => l is >= 0 and < lists), $"nprobe {nprobe}, query {q}: lists {string.Join(",", row)}");
                Assert.HasCount(nprobe, row.Distinct(), $"nprobe {nprobe}, query {q}: lists {string.Join(",", row)}");
            }
        }
    }

    [TestMethod]
    [DataRow("IVF4,Flat")]
    [DataRow("IVF4,PQ4")]
    [DataRow("IVF4,PQ4,Refine")]
    public void Search_L2ComponentsPastTheFloatRange_AnswersWithoutThrowing(string spec)
    {
        // VectorMetric.L2 documents −∞ or NaN scores for such data, as Flat gives; IVF threw IndexOutOfRangeException (IVF-Flat)
        // or ArgumentOutOfRangeException (IVF-PQ) from inside the search instead.
        const int n = 300, d = 8;
        var x = TestData.Uniform(n, d, 3).Select(v => v * 1e20f).ToArray();
        using var index = IndexFactory.Create(spec, d, VectorMetric.L2, buildThreads: 1);
        index.Train(x);
        index.Add(TestData.Ids(n), x);
        foreach (var nprobe in new[] { 1, 4 })
        {
            var results = index.Search(x.AsSpan(0, 4 * d), 3, new SearchOptions { NProbe = nprobe });
            for (var q = 0; q < 4; q++)
            {
                var hits = results.IdsOf(q).ToArray().Where(id => id != -1).ToArray();
                Assert.IsTrue(hits.All(id => id is >= 0 and < n), $"{spec} nprobe {nprobe}: ids {string.Join(",", results.IdsOf(q).ToArray())}");
                Assert.HasCount(hits.Length, hits.Distinct());
            }
        }
    }
}
