using TwoTower.MLNet.Data;
using TwoTower.MLNet.Evaluation;

namespace TwoTower.MLNet.Tests.Evaluation;

[TestClass]
public sealed class EvaluationComparisonTests
{
    // Two users, four items (as in RetrievalEvaluatorTests). User a: train {i0}, test {i2}; user b: train {i1}, test {i3, i0}.
    private static (InteractionLog Train, InteractionLog Test) Logs()
    {
        var train = new InteractionLog();
        train.Add("a", "i0"); train.Add("b", "i1");
        var test = new InteractionLog();
        test.Add("a", "i2"); test.Add("b", "i3"); test.Add("b", "i0");
        return (train, test);
    }

    private static FixedScoresModel Model(float[,] scores, params string[] userOrder) =>
        new(new IdMap("user", userOrder.Length > 0 ? userOrder : new[] { "a", "b" }), new IdMap("item", new[] { "i0", "i1", "i2", "i3" }), scores);

    private static readonly float[,] ScoresA = { { 9, 8, 7, 1 }, { 5, 9, 2, 5 } };
    // B puts a's test item i2 first among a's candidates; b as in A.
    private static readonly float[,] ScoresB = { { 9, 1, 8, 0 }, { 5, 9, 2, 5 } };

    private static EvaluationResult Full(FixedScoresModel m, params int[] ks)
    {
        var (train, test) = Logs();
        var set = EvaluationSet.Create(m, train, test);
        return RetrievalEvaluator.EvaluateFullRanking(m, set.History, set.Test, ks);
    }

    private static EvaluationResult Tfrs(FixedScoresModel m, params int[] ks)
    {
        var (train, test) = Logs();
        var set = EvaluationSet.Create(m, train, test);
        return RetrievalEvaluator.EvaluateTfrs(m, set.History, set.Test, ks);
    }

    [TestMethod]
    public void Tfrs_StandardError_ClustersRowsByUser()
    {
        var r = Tfrs(Model(ScoresA), 2);
        // top_2: a's one row misses (rank 2), b's two rows hit: per-user shares 0 and 1 with weights 1 and 2; mean 2/3.
        CollectionAssert.AreEqual(new[] { "a", "b" }, r.PerUser!.UserIds.ToArray());
        CollectionAssert.AreEqual(new[] { 1.0, 2.0 }, r.PerUser.Weights.ToArray());
        CollectionAssert.AreEqual(new[] { 0.0, 1.0 }, r.PerUser["top_2"].ToArray());
        // √(2/1 · (1²(0 − 2/3)² + 2²(1 − 2/3)²)) / 3 = √(16/9) / 3 = 4/9 (rows as independent draws would give √(2/9 / 2) = 1/3).
        Assert.AreEqual(4 / 9.0, r.StandardErrors["top_2"], 1e-12);
        Assert.AreEqual(2 / 3.0, r["top_2"], 1e-12);
    }

    [TestMethod]
    public void Full_StandardError_IsSampleSdOverRootUsers_AndCatalogueMetricsHaveNone()
    {
        var r = Full(Model(ScoresA), 1);
        // HR@1: a 0, b 1 → sample sd √.5, over √2 users = .5.
        Assert.AreEqual(0.5, r.StandardErrors["HR@1"], 1e-12);
        // MRR: a 1/2, b 1 → sd √(2 · .25²) = .3536, / √2 = .25.
        Assert.AreEqual(0.25, r.StandardErrors["MRR"], 1e-12);
        Assert.IsFalse(r.StandardErrors.ContainsKey("Coverage@1"));
        Assert.IsFalse(r.StandardErrors.ContainsKey("Gini@1"));
        Assert.IsFalse(r.PerUser!.Contains("PopularityPercentile@1"));
        var ex = Assert.ThrowsExactly<KeyNotFoundException>(() => r.PerUser["Coverage@1"]);
        StringAssert.Contains(ex.Message, "Available: HR@1");
    }

    [TestMethod]
    public void Compare_HandComputedPairedDifference()
    {
        // HR@1: A a 0 (i1 outranks i2), b 1; B a 1, b 1. Differences −1 and 0: mean −.5, sd √.5, se .5, t −1 with 1 degree of
        // freedom (a Cauchy variable): p = 1 − 2/π · atan(1) = .5 (the normal approximation said .3173).
        var c = EvaluationComparison.Compare(Full(Model(ScoresA), 1), Full(Model(ScoresB), 1), "HR@1");
        Assert.AreEqual(0.5, c.Value, 1e-12);
        Assert.AreEqual(1.0, c.BaselineValue, 1e-12);
        Assert.AreEqual(-0.5, c.Difference, 1e-12);
        Assert.AreEqual(0.5, c.StandardError, 1e-12);
        Assert.AreEqual(-1.0, c.Z, 1e-12);
        Assert.AreEqual(0.5, c.PValue, 1e-12);
        Assert.AreEqual(2, c.Users);
    }

    [TestMethod]
    public void Compare_ModelWithItself_NoDifferenceAndPValueOne()
    {
        var r = Tfrs(Model(ScoresA), 1, 2);
        var all = EvaluationComparison.Compare(r, Tfrs(Model(ScoresA), 1, 2));
        CollectionAssert.AreEqual(new[] { "top_1", "top_2", "f_top_1", "f_top_2" }, all.Select(c => c.Metric).ToArray());
        foreach (var c in all)
        {
            Assert.AreEqual(0.0, c.Difference);
            Assert.AreEqual(0.0, c.StandardError);
            Assert.AreEqual(1.0, c.PValue);
            Assert.IsTrue(double.IsNaN(c.Z));
        }
    }

    [TestMethod]
    public void OneUser_StandardErrorAndPValueAreUndefined_NotZero()
    {
        // One user is one unit: no spread to estimate, so no "p < .0001" from a zero error.
        var train = new InteractionLog();
        train.Add("a", "i0");
        var test = new InteractionLog();
        test.Add("a", "i2");
        EvaluationResult Eval(FixedScoresModel m)
        {
            var set = EvaluationSet.Create(m, train, test);
            return RetrievalEvaluator.EvaluateFullRanking(m, set.History, set.Test, [1]);
        }
        var (a, b) = (Eval(Model(ScoresA)), Eval(Model(ScoresB)));
        Assert.IsTrue(double.IsNaN(a.StandardErrors["HR@1"]));
        var c = EvaluationComparison.Compare(a, b, "HR@1");
        Assert.AreEqual(-1.0, c.Difference, 1e-12);
        Assert.IsTrue(double.IsNaN(c.StandardError));
        Assert.IsTrue(double.IsNaN(c.PValue));
        Assert.IsTrue(double.IsNaN(c.Z));
    }

    [TestMethod]
    public void Compare_UsersMatchedByRawIdNotByKey()
    {
        // The same scores as B, in a model whose user map lists b before a.
        var swapped = new float[,] { { 5, 9, 2, 5 }, { 9, 1, 8, 0 } };
        var inOrder = EvaluationComparison.Compare(Full(Model(ScoresA), 1), Full(Model(ScoresB), 1), "HR@1");
        var reordered = EvaluationComparison.Compare(Full(Model(ScoresA), 1), Full(Model(swapped, "b", "a"), 1), "HR@1");
        Assert.AreEqual(inOrder, reordered);
        // TFRS weights users by their test rows (a 1, b 2): the weights must be matched by id too.
        var tfrsInOrder = EvaluationComparison.Compare(Tfrs(Model(ScoresA), 2), Tfrs(Model(ScoresB), 2), "top_2");
        var tfrsReordered = EvaluationComparison.Compare(Tfrs(Model(ScoresA), 2), Tfrs(Model(swapped, "b", "a"), 2), "top_2");
        Assert.AreEqual(tfrsInOrder, tfrsReordered);
    }

    [TestMethod]
    public void Compare_DifferentTestSetsOrProtocols_Throws()
    {
        var a = Full(Model(ScoresA), 1);
        var m = Model(ScoresA);
        var (train, _) = Logs();
        var other = new InteractionLog();
        other.Add("a", "i2");
        var set = EvaluationSet.Create(m, train, other);
        var fewer = RetrievalEvaluator.EvaluateFullRanking(m, set.History, set.Test, new[] { 1 });
        var ex = Assert.ThrowsExactly<ArgumentException>(() => EvaluationComparison.Compare(a, fewer));
        StringAssert.Contains(ex.Message, "different test sets (2 and 1 users)");
        other.Add("c", "i2"); // same user count, another user
        set = EvaluationSet.Create(m, train, other);
        var otherUser = RetrievalEvaluator.EvaluateFullRanking(m, set.History, set.Test, new[] { 1 });
        ex = Assert.ThrowsExactly<ArgumentException>(() => EvaluationComparison.Compare(a, otherUser));
        StringAssert.Contains(ex.Message, "user 'b' is only in the first");
        ex = Assert.ThrowsExactly<ArgumentException>(() => EvaluationComparison.Compare(a, Tfrs(m, 1)));
        StringAssert.Contains(ex.Message, "different protocols ('full' and 'tfrs')");
        var bare = new EvaluationResult("full", a.OrderedMetrics, 2, 3, 0, 0, 0);
        ex = Assert.ThrowsExactly<ArgumentException>(() => EvaluationComparison.Compare(a, bare));
        StringAssert.Contains(ex.Message, "baseline result has no per-user values");
        Assert.IsEmpty(bare.StandardErrors);
    }

    // The test set, and the same with one more row of user a.
    private static (TwoTower.MLNet.Models.IRecommender Model, EvaluationSet Fewer, EvaluationSet More) TestSetsOneRowApart()
    {
        var m = Model(ScoresA);
        var (train, test) = Logs();
        var more = Logs().Test;
        more.Add("a", "i3");
        return (m, EvaluationSet.Create(m, train, test), EvaluationSet.Create(m, train, more));
    }

    [TestMethod]
    public void Compare_SameUsersDifferentRowCounts_Throws()
    {
        var (m, t1, t2) = TestSetsOneRowApart();
        var ex = Assert.ThrowsExactly<ArgumentException>(() => EvaluationComparison.Compare(
            RetrievalEvaluator.EvaluateTfrs(m, t1.History, t1.Test, new[] { 1 }), RetrievalEvaluator.EvaluateTfrs(m, t2.History, t2.Test, new[] { 1 })));
        StringAssert.Contains(ex.Message, "user 'a' has 1 and 2 test rows");
    }

    [TestMethod]
    public void Compare_FullRankingSameUsersDifferentRowCounts_Throws()
    {
        // Full ranking weighs every user 1, so the per-user weights cannot tell these test sets apart; the row counts can.
        var (m, t1, t2) = TestSetsOneRowApart();
        var ex = Assert.ThrowsExactly<ArgumentException>(() => EvaluationComparison.Compare(
            RetrievalEvaluator.EvaluateFullRanking(m, t1.History, t1.Test, new[] { 1 }), RetrievalEvaluator.EvaluateFullRanking(m, t2.History, t2.Test, new[] { 1 })));
        StringAssert.Contains(ex.Message, "different test sets (3 and 4 test rows)");
    }

    [TestMethod]
    public void Average_MeansMetricsAndUsers_RefusesOtherTestSets()
    {
        var a = Full(Model(ScoresA), 1);
        var b = Full(Model(ScoresB), 1);
        var mean = EvaluationResult.Average([a, b]);
        Assert.AreEqual((a["HR@1"] + b["HR@1"]) / 2, mean["HR@1"], 1e-12);
        CollectionAssert.AreEqual(new[] { 0.5, 1.0 }, mean.PerUser!["HR@1"].ToArray()); // a: 0 and 1; b: 1 and 1
        Assert.AreEqual(a.Users, mean.Users);
        var ex = Assert.ThrowsExactly<ArgumentException>(() => EvaluationResult.Average([a, Tfrs(Model(ScoresA), 1)]));
        StringAssert.Contains(ex.Message, "differ in protocol, test rows or metrics");
        Assert.ThrowsExactly<ArgumentException>(() => EvaluationResult.Average([]));
    }

    [TestMethod]
    public void RatioStandardError_AgreesWithBootstrapOverUsers()
    {
        // Users of unequal weight (test rows) and hit shares; the bootstrap resamples users, the unit the formula assumes.
        var rng = new Random(7);
        const int users = 300;
        var w = Enumerable.Range(0, users).Select(_ => (double)(1 + rng.Next(40))).ToArray();
        var x = w.Select(wi => Math.Round(rng.NextDouble() * rng.NextDouble() * wi) / wi).ToArray();
        var se = PerUserMetrics.RatioStandardError(x, w);
        const int draws = 4000;
        double s = 0, ss = 0;
        for (var d = 0; d < draws; d++)
        {
            double sw = 0, swx = 0;
            for (var k = 0; k < users; k++) { var u = rng.Next(users); sw += w[u]; swx += w[u] * x[u]; }
            var m = swx / sw;
            s += m; ss += m * m;
        }
        var sd = Math.Sqrt(ss / draws - s / draws * (s / draws));
        Assert.AreEqual(sd, se, 0.06 * sd, $"formula {se}, bootstrap {sd}");
        // Rows treated as independent would understate it: here by more than a third.
        var rows = w.Sum();
        var p = x.Zip(w, (xi, wi) => xi * wi).Sum() / rows;
        Assert.IsLessThan(0.67 * se, Math.Sqrt(p * (1 - p) / rows));
    }

    [TestMethod]
    public void PerUserMetrics_BadInput_ThrowsNamingTheProblem()
    {
        var ids = new[] { "a", "b" };
        var ex = Assert.ThrowsExactly<ArgumentException>(() => new PerUserMetrics(ids, new[] { 1.0 }, new Dictionary<string, double[]>()));
        StringAssert.Contains(ex.Message, "weights has 1 entries, expected one per user (2)");
        ex = Assert.ThrowsExactly<ArgumentException>(() => new PerUserMetrics(ids, new[] { 1.0, 0.0 }, new Dictionary<string, double[]>()));
        StringAssert.Contains(ex.Message, "The weight of user 'b' is 0");
        ex = Assert.ThrowsExactly<ArgumentException>(() => new PerUserMetrics(ids, new[] { 1.0, 1.0 }, new Dictionary<string, double[]> { ["HR@10"] = new[] { 0.5 } }));
        StringAssert.Contains(ex.Message, "Metric 'HR@10' has 1 per-user values, expected 2");
        ex = Assert.ThrowsExactly<ArgumentException>(() => new PerUserMetrics(ids, new[] { 1.0, 1.0 }, new Dictionary<string, double[]> { ["HR@10"] = new[] { 0.5, double.NaN } }));
        StringAssert.Contains(ex.Message, "Metric 'HR@10' of user 'b' is NaN");
    }

    [TestMethod]
    public void PerUserMetrics_WriteCsv_OneRowPerUserInTheGivenMetricOrder()
    {
        var table = new PerUserMetrics(new[] { "a", "b,c" }, new[] { 1.0, 2.0 },
            new Dictionary<string, double[]> { ["top_1"] = new[] { 0.0, 0.5 }, ["f_top_1"] = new[] { 1.0, 0.1 } });
        var path = Path.Combine(TestPaths.TempDir(), "per-user.csv");
        table.WriteCsv(path, new[] { "f_top_1", "Coverage@1", "top_1" });
        var lines = File.ReadAllLines(path);
        CollectionAssert.AreEqual(new[] { "user_id,weight,f_top_1,top_1", "a,1,1,0", "\"b,c\",2,0.1,0.5" }, lines);
        table.WriteCsv(path);
        Assert.AreEqual("user_id,weight,top_1,f_top_1", File.ReadLines(path).First());
        Assert.IsEmpty(Directory.GetFiles(Path.GetDirectoryName(path)!, "*.tmp"), "written through a renamed temporary");
    }

    [TestMethod]
    [DataRow(0.0)]
    [DataRow(0.5)]
    [DataRow(1.0)]
    [DataRow(3.0)]
    [DataRow(-40.0)]
    public void StudentT_OneAndTwoDegreesOfFreedom_MatchTheClosedForms(double t)
    {
        // ν = 1 is the Cauchy distribution: P(|T| ≥ t) = 1 − 2/π · atan|t|; ν = 2: 1 − |t|/√(2 + t²).
        Assert.AreEqual(1 - 2 / Math.PI * Math.Atan(Math.Abs(t)), StudentTDistribution.TwoSidedP(t, 1), 1e-12);
        Assert.AreEqual(1 - Math.Abs(t) / Math.Sqrt(2 + t * t), StudentTDistribution.TwoSidedP(t, 2), 1e-12);
    }

    [TestMethod]
    [DataRow(2.2281388519649385, 10, 0.05)]
    [DataRow(4.032142983557536, 5, 0.01)]
    [DataRow(2.0422724563012373, 30, 0.05)]
    // The normal's critical value: t tends to the normal as ν grows (at 10⁷ they differ by 6e-7 relative here).
    [DataRow(1.959963984540054, 1e7, 0.05)]
    public void StudentT_CriticalValuesOfTheTables(double t, double degreesOfFreedom, double p)
    {
        Assert.AreEqual(p, StudentTDistribution.TwoSidedP(t, degreesOfFreedom), 2e-6 * p);
        Assert.AreEqual(p, StudentTDistribution.TwoSidedP(-t, degreesOfFreedom), 2e-6 * p);
    }

    [TestMethod]
    public void StudentT_EdgeCases()
    {
        Assert.AreEqual(1.0, StudentTDistribution.TwoSidedP(0, 942));
        Assert.AreEqual(0.0, StudentTDistribution.TwoSidedP(double.PositiveInfinity, 942));
        Assert.IsTrue(double.IsNaN(StudentTDistribution.TwoSidedP(double.NaN, 942)));
        Assert.IsTrue(double.IsNaN(StudentTDistribution.TwoSidedP(1, 0)));
        // Far tails stay positive and tiny rather than rounding to 0 or going negative.
        var far = StudentTDistribution.TwoSidedP(50, 942);
        Assert.IsTrue(far > 0 && far < 1e-200, far.ToString());
        // Γ(5) = 24, Γ(½) = √π; Γ(a + 1)/Γ(a) = a where the two logarithms are about 2·10¹⁰.
        Assert.AreEqual(Math.Log(24), StudentTDistribution.LogGamma(5), 1e-13);
        Assert.AreEqual(0.5 * Math.Log(Math.PI), StudentTDistribution.LogGamma(0.5), 1e-13);
        Assert.AreEqual(Math.Log(1e9), StudentTDistribution.LogGammaRatio(1e9, 1), 1e-12);
        Assert.AreEqual(1e-20, StudentTDistribution.LogOnePlus(1e-20), 1e-34);
    }
}
