using System.Collections;
using FsCheck;
using FsCheck.Fluent;
using TwoTower.MLNet.Index;
using TwoTower.MLNet.Index.Hnsw;
using static TwoTower.MLNet.Index.Tests.Hnsw.HnswTestData;

namespace TwoTower.MLNet.Index.Tests.Hnsw;

[TestClass]
[DoNotParallelize] // the tests switch the shared index's filter route
public sealed class HnswIndexFilterTests
{
    private const int N = 3000, D = 16;
    private static float[] s_data = [];
    private static float[] s_queries = [];
    private static long[] s_ids = [];
    private static HnswIndex s_index = null!;

    [ClassInitialize]
    public static void Build(TestContext _)
    {
        s_data = Clustered(N, D, 30, 99);
        s_queries = Clustered(40, D, 30, 98);
        s_ids = Ids(N);
        s_index = new HnswIndex(D, VectorMetric.L2);
        s_index.Add(s_ids, s_data);
    }

    [ClassCleanup]
    public static void Dispose() => s_index.Dispose();

    [TestMethod]
    public void Search_PredicateFilterOnEitherRoute_NeverReturnsExcludedIds()
    {
        var property = Prop.ForAll(Arb.From(Gen.Choose(2, 40)), Arb.From(Gen.Choose(0, 1)), (modulus, route) =>
        {
            s_index.FilterRouteOverride = route == 0 ? HnswIndex.FilterRoute.Graph : HnswIndex.FilterRoute.BruteForce;
            try
            {
                var r = s_index.Search(s_queries, 10, new SearchOptions { Filter = id => id % modulus == 0 });
                bool ok = r.Ids.All(id => id == -1 || id % modulus == 0);
                double recall = Recall(r, VectorMetric.L2, s_data, s_ids, D, s_queries, 10, id => id % modulus == 0);
                return (ok && recall >= 0.9).Label($"modulus {modulus} route {route}: recall {recall:F3}, ok {ok}");
            }
            finally { s_index.FilterRouteOverride = HnswIndex.FilterRoute.Auto; }
        });
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(8), property);
    }

    [TestMethod]
    public void Search_FivePercentAllowList_ReturnsOnlyAllowedWithHighRecallOnEveryRoute()
    {
        var rng = new Random(4);
        var allow = new BitArray(N);
        for (int i = 0; i < N; i++) allow[i] = rng.NextDouble() < 0.05;
        foreach (var route in new[] { HnswIndex.FilterRoute.Auto, HnswIndex.FilterRoute.Graph, HnswIndex.FilterRoute.BruteForce })
        {
            s_index.FilterRouteOverride = route;
            try
            {
                var r = s_index.Search(s_queries, 10, new SearchOptions { AllowList = allow });
                Assert.IsTrue(r.Ids.All(id => id >= 0 && allow[(int)id]), $"{route}: an excluded id was returned");
                double recall = Recall(r, VectorMetric.L2, s_data, s_ids, D, s_queries, 10, id => allow[(int)id]);
                Assert.IsGreaterThanOrEqualTo(0.95, recall, $"{route}");
            }
            finally { s_index.FilterRouteOverride = HnswIndex.FilterRoute.Auto; }
        }
    }

    [TestMethod]
    public void Search_AllowListShorterThanIds_ExcludesIdsBeyondItsLength()
    {
        var allow = new BitArray(100, true);
        var r = s_index.Search(s_queries, 10, new SearchOptions { AllowList = allow });
        Assert.IsTrue(r.Ids.All(id => id is >= 0 and < 100));
    }

    [TestMethod]
    public void Search_ExactScanOfAFilter_TiesAtTheKthPlaceGoToTheSmallerIds()
    {
        // Found by an audit: the exact scan of a selective filter ranked by distance alone, so of tied copies it kept those met
        // first and, when a closer node came, evicted any one of them, where Flat and the interface keep the smaller ids.
        const int d = 3, n = 60;
        var distinct = TestData.Gaussian(10, d, 4);
        var x = new float[n * d];
        for (int i = 0; i < n; i++) distinct.AsSpan(i % 10 * d, d).CopyTo(x.AsSpan(i * d, d));
        var ids = Enumerable.Range(0, n).Select(i => 1000L - 7 * i).ToArray();
        var queries = TestData.Gaussian(5, d, 99);
        static bool Keep(long id) => id % 3 != 0;
        foreach (var metric in new[] { VectorMetric.InnerProduct, VectorMetric.Cosine, VectorMetric.L2 })
        {
            using var index = new HnswIndex(d, metric, new HnswOptions { BuildThreads = 1 });
            index.Add(ids, x);
            index.FilterRouteOverride = HnswIndex.FilterRoute.BruteForce;
            foreach (var k in new[] { 1, 3, 7 })
                for (int q = 0; q < 5; q++)
                {
                    var query = queries.AsSpan(q * d, d);
                    var got = index.Search(query, k, new SearchOptions { Filter = Keep }).IdsOf(0).ToArray();
                    CollectionAssert.AreEqual(TestData.BruteForce(x, ids, query, k, metric, Keep), got, $"{metric} k {k} query {q}: {string.Join(",", got)}");
                }
        }
    }

    [TestMethod]
    public void Search_FilterAllowsNothing_ReturnsOnlyPadding()
    {
        var r = s_index.Search(s_queries.AsSpan(0, D), 3, new SearchOptions { Filter = _ => false });
        CollectionAssert.AreEqual(new long[] { -1, -1, -1 }, r.Ids);
    }
}
