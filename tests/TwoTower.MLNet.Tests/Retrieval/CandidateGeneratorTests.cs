using FsCheck;
using FsCheck.Fluent;
using TwoTower.MLNet.ColdStart;
using TwoTower.MLNet.Data;
using TwoTower.MLNet.Index.Flat;
using TwoTower.MLNet.Index;
using TwoTower.MLNet.MatrixFactorization;
using TwoTower.MLNet.Retrieval.Candidates;
using TwoTower.MLNet.Retrieval.Catalog;

namespace TwoTower.MLNet.Tests.Retrieval;

[TestClass]
public sealed class CandidateGeneratorTests
{
    private const int Items = 40;

    private static SparseMatrix RandomNeighbours(int seed)
    {
        var rng = new Random(seed);
        var r = new List<int>(); var c = new List<int>(); var v = new List<float>();
        for (var i = 0; i < Items; i++)
            foreach (var j in Enumerable.Range(0, Items).Where(j => j != i).OrderBy(_ => rng.Next()).Take(6))
            {
                r.Add(i); c.Add(j); v.Add((float)rng.NextDouble());
            }
        return SparseMatrix.FromCoordinates(Items, Items, r.ToArray(), c.ToArray(), v.ToArray());
    }

    private static (CandidateGenerator Gen, ICandidateSource[] Sources) Build(int qPop, int qKnn, int seed)
    {
        var rng = new Random(seed);
        var counts = Enumerable.Range(0, Items).Select(_ => (float)rng.Next(0, 20)).ToArray();
        var sources = new ICandidateSource[] { new PopularityCandidateSource(PopularityTable.FromCounts(counts)), new ItemItemCandidateSource(RandomNeighbours(seed)) };
        var options = new CandidateGeneratorOptions { Sources = new[] { new SourceQuota("popularity", qPop, 0.5f), new SourceQuota("itemknn", qKnn) } };
        return (new CandidateGenerator(sources, options), sources);
    }

    [TestMethod]
    public void Generate_RandomQuotas_EachSourceWithinQuotaAndNoDuplicates()
    {
        Prop.ForAll<PositiveInt, PositiveInt, int[]>((qa, qb, hist) =>
        {
            var qPop = qa.Get % 30 + 1;
            var qKnn = qb.Get % 30 + 1;
            var (gen, _) = Build(qPop, qKnn, qa.Get);
            var history = (hist ?? Array.Empty<int>()).Select(h => Math.Abs(h % Items)).Distinct().Order().ToArray();
            var merged = gen.Generate(new CandidateQuery(-1, history));
            return merged.Count(m => m.Sources.Contains("popularity")) <= qPop
                && merged.Count(m => m.Sources.Contains("itemknn")) <= qKnn
                && merged.Select(m => m.ItemKey).Distinct().Count() == merged.Count
                && merged.Count <= qPop + qKnn
                && merged.All(m => Array.BinarySearch(history, m.ItemKey) < 0);
        }).QuickCheckThrowOnFailure();
    }

    [TestMethod]
    public void Generate_Filter_OnlyAllowedItems()
    {
        var (gen, _) = Build(25, 25, 3);
        var merged = gen.Generate(new CandidateQuery(-1, new[] { 1, 2, 3 }, k => k % 2 == 0));
        Assert.IsNotEmpty(merged);
        Assert.IsTrue(merged.All(m => m.ItemKey % 2 == 0));
    }

    [TestMethod]
    public void Generate_ExcludeSeenFalse_MayReturnHistory()
    {
        var (gen, _) = Build(Items, 5, 3);
        var merged = gen.Generate(new CandidateQuery(-1, new[] { 0, 1 }, excludeSeen: false));
        Assert.IsTrue(merged.Any(m => m.ItemKey is 0 or 1));
    }

    [TestMethod]
    public void Generate_ZeroWeightScale_SourceNotAsked()
    {
        var (gen, _) = Build(10, 10, 3);
        var merged = gen.Generate(new CandidateQuery(-1, new[] { 4 }), new Dictionary<string, float> { ["popularity"] = 0f });
        Assert.IsTrue(merged.All(m => !m.Sources.Contains("popularity")));
        Assert.IsNotEmpty(merged);
    }

    [TestMethod]
    public void ItemItemSource_HandComputed_SumsSimilarities()
    {
        // 0 → {2: .5, 3: .1}; 1 → {2: .25, 3: .3}; history {0, 1}: 2 → .75, 3 → .4.
        var n = SparseMatrix.FromCoordinates(4, 4, new[] { 0, 0, 1, 1 }, new[] { 2, 3, 2, 3 }, new[] { .5f, .1f, .25f, .3f });
        var output = new List<Candidate>();
        new ItemItemCandidateSource(n).Generate(new CandidateQuery(-1, new[] { 0, 1 }), 5, output);
        Assert.HasCount(2, output);
        Assert.AreEqual(new Candidate(2, .75f), output[0]);
        Assert.AreEqual(3, output[1].ItemKey);
        Assert.AreEqual(.4f, output[1].Score, 1e-6f);
    }

    [TestMethod]
    public void ItemItemSource_FilterThrows_NextQueryOnTheThreadUnaffected()
    {
        // 0 → {2: .5, 3: .1}; 1 → {2: .25, 3: .3}.
        var n = SparseMatrix.FromCoordinates(4, 4, new[] { 0, 0, 1, 1 }, new[] { 2, 3, 2, 3 }, new[] { .5f, .1f, .25f, .3f });
        var source = new ItemItemCandidateSource(n);
        var failing = new CandidateQuery(-1, new[] { 0, 1 }, _ => throw new InvalidOperationException("filter failed"));
        Assert.ThrowsExactly<InvalidOperationException>(() => source.Generate(failing, 5, new List<Candidate>()));
        var output = new List<Candidate>();
        source.Generate(new CandidateQuery(-1, new[] { 1 }), 5, output);
        // History {1} alone: the failed query's sums for {0, 1} must not be added.
        CollectionAssert.AreEqual(new[] { new Candidate(3, .3f), new Candidate(2, .25f) }, output);
    }

    [TestMethod]
    public void AnnSource_FlatIndex_EqualsBruteForceWithFilter()
    {
        var loaded = RetrievalFixture.Model();
        var model = (MatrixFactorizationModel)loaded.Model;
        var catalog = ItemCatalog.FromModel(model.Items, null, model.Dimension, model.ItemVectors.Span);
        using var index = new FlatIndex(model.Dimension, VectorMetric.InnerProduct);
        index.Add(Enumerable.Range(0, model.Items.Count).Select(i => (long)i).ToArray(), model.ItemVectors.Span);
        var source = new AnnCandidateSource("mf", model, index, catalog);
        var history = loaded.Seen!.RowIndices(3).ToArray();
        var output = new List<Candidate>();
        source.Generate(new CandidateQuery(3, history, k => k % 3 != 0), 7, output);
        var scores = new float[model.Items.Count];
        model.Score(new[] { 3 }, scores);
        var expected = Enumerable.Range(0, scores.Length).Where(k => k % 3 != 0 && Array.BinarySearch(history, k) < 0)
            .OrderByDescending(k => scores[k]).Take(7).ToArray();
        CollectionAssert.AreEqual(expected, output.Select(c => c.ItemKey).ToArray());
    }

    [TestMethod]
    public void AnnSource_UnknownUserWithHistory_UsesMeanOfItemVectors()
    {
        var loaded = RetrievalFixture.Model();
        var model = (MatrixFactorizationModel)loaded.Model;
        var catalog = ItemCatalog.FromModel(model.Items, null, model.Dimension, model.ItemVectors.Span);
        using var index = new FlatIndex(model.Dimension, VectorMetric.InnerProduct);
        var source = new AnnCandidateSource("mf", model, index, catalog);
        var v = new float[model.Dimension];
        source.UserVector(new CandidateQuery(-1, new[] { 1, 4 }), v);
        for (var j = 0; j < v.Length; j++)
            Assert.AreEqual((model.ItemVectors.Span[1 * 4 + j] + model.ItemVectors.Span[4 * 4 + j]) / 2, v[j], 1e-6f);
    }

    [TestMethod]
    public void Constructor_UnknownSourceInOptions_ThrowsNamingIt()
    {
        var src = new ICandidateSource[] { new PopularityCandidateSource(PopularityTable.FromCounts(new float[3])) };
        var ex = Assert.ThrowsExactly<ArgumentException>(() => new CandidateGenerator(src, new CandidateGeneratorOptions { Sources = new[] { new SourceQuota("twotower", 5) } }));
        StringAssert.Contains(ex.Message, "Source 'twotower' is not available; expected one of: popularity");
    }

    [TestMethod]
    public void Constructor_ZeroQuota_Throws()
    {
        var src = new ICandidateSource[] { new PopularityCandidateSource(PopularityTable.FromCounts(new float[3])) };
        var ex = Assert.ThrowsExactly<ArgumentException>(() => new CandidateGenerator(src, new CandidateGeneratorOptions { Sources = new[] { new SourceQuota("popularity", 0) } }));
        StringAssert.Contains(ex.Message, "quota 0 must be ≥ 1");
    }

    [TestMethod]
    public void Query_UnsortedHistory_Throws()
    {
        var ex = Assert.ThrowsExactly<ArgumentException>(() => new CandidateQuery(-1, new[] { 3, 1 }));
        StringAssert.Contains(ex.Message, "position 1 holds 1 after 3");
    }
}
