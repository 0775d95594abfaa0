using System.Numerics.Tensors;
using TwoTower.MLNet.ColdStart;
using TwoTower.MLNet.Data;
using TwoTower.MLNet.Persistence;
using TwoTower.MLNet.Retrieval.Catalog;
using TwoTower.MLNet.Retrieval.Engine;
using TwoTower.MLNet.Training;
using TwoTower.MLNet.TwoTowerModel;
using TwoTower.MLNet.Tests.Retrieval;

namespace TwoTower.MLNet.Tests.ColdStart;

[TestClass]
public sealed class NewUserFoldInTests
{
    // Items on the unit circle at the given angles; one trained user at angle 0; cold vector at angle 0.
    private static (TwoTowerRecommender Model, ItemCatalog Catalog) CircleModel(double[] angles, float temperature = 0.2f, bool normalised = true)
    {
        var items = new IdMap("item", angles.Select((_, i) => $"i{i}"));
        var users = new IdMap("user", ["u0"]);
        var vectors = angles.SelectMany(a => new[] { (float)Math.Cos(a), (float)Math.Sin(a) }).ToArray();
        if (!normalised) vectors[0] *= 2;
        var hyper = new Dictionary<string, object?> { ["temperature"] = temperature };
        var model = new TwoTowerRecommender(users, items, 2, [1f, 0f], vectors, [1f, 0f], hyper);
        return (model, ItemCatalog.FromModel(items, null, 2, vectors));
    }

    // J(θ)·T of the fold-in objective, by brute force.
    private static double Objective(double theta, double[] angles, int[] history, double prior, double priorAngle, double t)
    {
        double Score(double a) => Math.Cos(theta - a);
        var max = angles.Max(a => Score(a) / t);
        var logZ = max + Math.Log(angles.Sum(a => Math.Exp(Score(a) / t - max)) / angles.Length);
        return history.Sum(h => Score(angles[h])) + prior * Math.Cos(theta - priorAngle) - history.Length * t * logZ;
    }

    [TestMethod]
    public void Softmax_OnTheCircle_FindsTheBruteForceMaximum()
    {
        var rng = new Random(3);
        for (var trial = 0; trial < 20; trial++)
        {
            var angles = Enumerable.Range(0, 40).Select(_ => rng.NextDouble() * 2 * Math.PI).ToArray();
            var history = Enumerable.Range(0, 1 + rng.Next(6)).Select(_ => rng.Next(angles.Length)).Distinct().Order().ToArray();
            var (model, catalog) = CircleModel(angles);
            var embedder = new SoftmaxFoldInUserEmbedder(model, catalog, new SoftmaxFoldInOptions { PriorWeight = 0.5f, MaxIterations = 200, Tolerance = 1e-6f });
            var u = new float[2];
            embedder.Embed(history, null, u);
            Assert.AreEqual(1f, TensorPrimitives.Norm(u), 1e-5f, "unit length");
            var best = Enumerable.Range(0, 36000).Select(k => k * 2 * Math.PI / 36000).MaxBy(th => Objective(th, angles, history, 0.5, 0, 0.2));
            var found = Math.Atan2(u[1], u[0]);
            Assert.AreEqual(Objective(best, angles, history, 0.5, 0, 0.2), Objective(found, angles, history, 0.5, 0, 0.2), 1e-4, $"trial {trial}: found θ {found:0.0000}, grid best {best:0.0000}");
        }
    }

    [TestMethod]
    public void Softmax_DefaultBudget_ClosesNearlyAllTheGapToTheOptimum()
    {
        // 300 random unit items in 32 dimensions at the trained temperature, a hard case (trained catalogues are smoother):
        // the default 10 steps must close nearly all of the way from the start (the normalised target) to where 500 steps end.
        const int d = 32, n = 300;
        var rng = new Random(5);
        var vectors = new float[n * d];
        for (var i = 0; i < vectors.Length; i++) vectors[i] = (float)(rng.NextDouble() * 2 - 1);
        for (var i = 0; i < n; i++) { var v = vectors.AsSpan(i * d, d); TensorPrimitives.Divide(v, TensorPrimitives.Norm(v), v); }
        var items = new IdMap("item", Enumerable.Range(0, n).Select(i => $"i{i}"));
        var cold = new float[d];
        cold[0] = 1;
        var model = new TwoTowerRecommender(new IdMap("user", ["u0"]), items, d, (float[])cold.Clone(), vectors, cold, new Dictionary<string, object?> { ["temperature"] = 0.05f });
        var catalog = ItemCatalog.FromModel(items, null, d, vectors);
        var quick = new SoftmaxFoldInUserEmbedder(model, catalog);
        var thorough = new SoftmaxFoldInUserEmbedder(model, catalog, new SoftmaxFoldInOptions { MaxIterations = 500, Tolerance = 1e-7f });
        float[] Target(int[] history)
        {
            var target = (float[])cold.Clone(); // prior weight 1 on the cold vector
            foreach (var h in history) TensorPrimitives.Add(target, vectors.AsSpan(h * d, d), target);
            return target;
        }
        double J(float[] u, int[] history)
        {
            var logits = Enumerable.Range(0, n).Select(i => TensorPrimitives.Dot(u, vectors.AsSpan(i * d, d)) / 0.05).ToArray();
            var max = logits.Max();
            return TensorPrimitives.Dot(u, Target(history)) - history.Length * 0.05 * (max + Math.Log(logits.Sum(l => Math.Exp(l - max)) / n));
        }
        var shares = new List<double>();
        for (var trial = 0; trial < 20; trial++)
        {
            var history = Enumerable.Range(0, 3 + rng.Next(10)).Select(_ => rng.Next(n)).Distinct().ToArray();
            float[] a = new float[d], b = new float[d];
            quick.Embed(history, null, a);
            thorough.Embed(history, null, b);
            var start = Target(history);
            TensorPrimitives.Divide(start, TensorPrimitives.Norm(start), start);
            var share = (J(a, history) - J(start, history)) / (J(b, history) - J(start, history));
            Assert.IsGreaterThan(0.975, share, $"trial {trial}: {share:0.0000} of the gap closed");
            shares.Add(share);
        }
        // Halving from a fixed step closed .991 on average (worst .971) here; the curvature-driven step .995 (worst .979).
        Assert.IsGreaterThan(0.993, shares.Average());
    }

    [TestMethod]
    public void Softmax_CrowdedDirection_PullsLessThanTheMean()
    {
        // Twenty items crowd angle 0, one item sits at π/2. A user who had one of each: the mean points at π/4, but the
        // softmax fold-in turns towards the lone item, because at angle 0 the crowd takes the probability mass.
        var angles = Enumerable.Repeat(0.0, 20).Append(Math.PI / 2).ToArray();
        var (model, catalog) = CircleModel(angles);
        var softmax = new float[2];
        var mean = new float[2];
        new SoftmaxFoldInUserEmbedder(model, catalog, new SoftmaxFoldInOptions { PriorWeight = 0 }).Embed([0, 20], null, softmax);
        new MeanOfItemsUserEmbedder(model, catalog).Embed([0, 20], null, mean);
        Assert.AreEqual(Math.PI / 4, Math.Atan2(mean[1], mean[0]), 1e-6);
        Assert.IsGreaterThan(Math.PI / 4 + 0.1, Math.Atan2(softmax[1], softmax[0]));
    }

    [TestMethod]
    public void Softmax_NoUsableHistory_GivesThePrior()
    {
        var (model, catalog) = CircleModel([0, 1, 2]);
        var embedder = new SoftmaxFoldInUserEmbedder(model, catalog);
        var u = new float[2];
        embedder.Embed([], null, u);
        CollectionAssert.AreEqual(new[] { 1f, 0f }, u, "the cold-start vector");
        embedder.Embed([99], null, u);
        CollectionAssert.AreEqual(new[] { 1f, 0f }, u, "unknown keys are skipped");
    }

    [TestMethod]
    public void Softmax_WithFeatures_StartsFromTheUserTower()
    {
        var model = TrainedModel.Value;
        using var engine = RetrievalEngine.Create(new LoadedModel(model, null, null), RetrievalFixture.Items(), null, new RetrievalEngineOptions { IndexSpec = "Flat" });
        Assert.AreEqual("softmax_fold_in", engine.NewUsers!.Method);
        var features = new UserRecord("new", 30, "F", "student", null);
        var u = new float[model.Dimension];
        engine.NewUsers.Embed([], features, u);
        var tower = model.EmbedNewUser(global::TwoTower.MLNet.Features.UserFeatureBuilder.Describe(features));
        TensorPrimitives.Multiply(tower, 1f / TensorPrimitives.Norm(tower), tower);
        CollectionAssert.AreEqual(tower, u, new FloatComparer(1e-6f));
        engine.NewUsers.Embed([0, 1, 2], features, u);
        Assert.AreEqual(1f, TensorPrimitives.Norm(u), 1e-5f);
    }

    [TestMethod]
    public void Engine_Auto_SoftmaxForTwoTowerMeanForMatrixFactorization()
    {
        using var tt = RetrievalEngine.Create(new LoadedModel(TrainedModel.Value, null, null), RetrievalFixture.Items(), null, new RetrievalEngineOptions { IndexSpec = "Flat" });
        Assert.AreEqual("softmax_fold_in", tt.NewUsers!.Method);
        using var mean = RetrievalEngine.Create(new LoadedModel(TrainedModel.Value, null, null), RetrievalFixture.Items(), null, new RetrievalEngineOptions { IndexSpec = "Flat", NewUserFoldIn = NewUserFoldIn.MeanOfItems });
        Assert.AreEqual("mean_of_items", mean.NewUsers!.Method);
        using var mf = RetrievalEngine.Create(RetrievalFixture.Model(), RetrievalFixture.Items(), null, new RetrievalEngineOptions { IndexSpec = "Flat" });
        Assert.AreEqual("mean_of_items", mf.NewUsers!.Method);
        var ex = Assert.ThrowsExactly<ArgumentException>(() => RetrievalEngine.Create(RetrievalFixture.Model(), RetrievalFixture.Items(), null, new RetrievalEngineOptions { IndexSpec = "Flat", NewUserFoldIn = NewUserFoldIn.Softmax }));
        StringAssert.Contains(ex.Message, "NewUserFoldIn.Softmax needs a two-tower model");
    }

    [TestMethod]
    public void Engine_NewUserWithHistory_RecommendsThroughTheFoldIn()
    {
        using var engine = RetrievalEngine.Create(new LoadedModel(TrainedModel.Value, null, null), RetrievalFixture.Items(), null, new RetrievalEngineOptions { IndexSpec = "Flat", ColdStart = new ColdStartOptions { FewInteractions = 0 } });
        var history = new[] { "1", "2", "3" };
        var result = engine.Recommend(new RecommendRequest { UserId = "stranger", K = 5, History = history });
        var keys = history.Select(h => engine.Catalog.GetLive(h)!.Key).Order().ToArray();
        var u = new float[TrainedModel.Value.Dimension];
        engine.NewUsers!.Embed(keys, null, u);
        var expected = Enumerable.Range(0, engine.Catalog.KeyCount).Select(k => engine.Catalog.Get(k)!).Where(i => i.Live && !history.Contains(i.Record.Id))
            .OrderByDescending(i => TensorPrimitives.Dot(u, i.Vector!)).Take(5).Select(i => i.Record.Id).ToArray();
        CollectionAssert.AreEqual(expected, result.Items.Select(i => i.ItemId).ToArray());
    }

    [TestMethod]
    public void ExactRecommender_RecommendForHistory_ScoresEveryItemAgainstTheFoldIn()
    {
        var model = TrainedModel.Value;
        var catalog = ItemCatalog.FromModel(model.Items, null, model.Dimension, model.ItemVectors.Span);
        var history = new[] { "3", "1" };
        var keys = history.Select(model.Items.GetKey).Order().ToArray();
        var u = new float[model.Dimension];
        new SoftmaxFoldInUserEmbedder(model, catalog).Embed(keys, null, u);
        var expected = Enumerable.Range(0, model.Items.Count).Where(i => !keys.Contains(i))
            .OrderByDescending(i => TensorPrimitives.Dot(u, model.ItemVectors.Span.Slice(i * model.Dimension, model.Dimension))).ThenBy(i => i)
            .Take(4).Select(model.Items.GetRawId).ToArray();
        var recs = new global::TwoTower.MLNet.Retrieval.ExactRecommender(model).RecommendForHistory(history, 4);
        CollectionAssert.AreEqual(expected, recs.Select(r => r.ItemId).ToArray());
        var withHistory = new global::TwoTower.MLNet.Retrieval.ExactRecommender(model).RecommendForHistory(history, model.Items.Count, excludeHistory: false);
        Assert.IsTrue(history.All(h => withHistory.Any(r => r.ItemId == h)), "without exclusion the history items are ranked too");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => new global::TwoTower.MLNet.Retrieval.ExactRecommender(model).RecommendForHistory(["nope"], 3)).Message, "history item 'nope'");
    }

    [TestMethod]
    public void MeanOfItems_RatingModelWithBiases_AveragesTheFactorsAndKeepsTheBiasColumns()
    {
        // Explicit MF, one factor: items 0–1 (the history) are rated below the mean, items 2–4 differ only in their bias.
        var items = new IdMap("item", ["a", "b", "c", "d", "e"]);
        var users = new IdMap("user", ["u0"]);
        float[] itemFactors = [1f, 0.5f, 0.2f, 0.2f, 0.2f];
        float[] itemBiases = [-1f, -0.6f, 0.9f, -0.9f, 0.1f];
        var model = new global::TwoTower.MLNet.MatrixFactorization.MatrixFactorizationModel(
            global::TwoTower.MLNet.MatrixFactorization.MatrixFactorizationModel.ExplicitModelType, users, items, [0.3f], itemFactors, 1, [0.2f], itemBiases, globalMean: 3.5f);
        var catalog = ItemCatalog.FromModel(items, null, model.Dimension, model.ItemVectors.Span);
        var u = new float[model.Dimension];
        new MeanOfItemsUserEmbedder(model, catalog).Embed([0, 1], null, u);
        // [mean factor, 1 for the item bias, μ + an unknown user's bias of 0]: score = ȳ·y_j + b_j + μ.
        CollectionAssert.AreEqual(new[] { 0.75f, 1f, 3.5f }, u);
        var recs = new global::TwoTower.MLNet.Retrieval.ExactRecommender(model).RecommendForHistory(["a", "b"], 3);
        CollectionAssert.AreEqual(new[] { "c", "e", "d" }, recs.Select(r => r.ItemId).ToArray());
        Assert.AreEqual(0.75f * 0.2f + 0.9f + 3.5f, recs[0].Score, 1e-5f);
    }

    [TestMethod]
    public void CanFoldIn_UnnormalisedOrNoTemperature_False()
    {
        var (unnormalised, catalog) = CircleModel([0, 1, 2], normalised: false);
        Assert.IsFalse(SoftmaxFoldInUserEmbedder.CanFoldIn(unnormalised));
        var ex = Assert.ThrowsExactly<ArgumentException>(() => new SoftmaxFoldInUserEmbedder(unnormalised, catalog));
        StringAssert.Contains(ex.Message, "L2-normalised item vectors");
        var (m, _) = CircleModel([0, 1, 2]);
        var noTemperature = new TwoTowerRecommender(m.Users, m.Items, 2, m.UserVectors.ToArray(), m.ItemVectors.ToArray(), m.ColdUserVector.ToArray());
        Assert.IsNull(noTemperature.Temperature);
        Assert.IsFalse(SoftmaxFoldInUserEmbedder.CanFoldIn(noTemperature));
    }

    [TestMethod]
    public void Create_PicksTheFoldInTheModelSupports()
    {
        var (model, catalog) = CircleModel([0, 1, 2]);
        var (unnormalised, unnormalisedCatalog) = CircleModel([0, 1, 2], normalised: false);
        Assert.IsInstanceOfType<SoftmaxFoldInUserEmbedder>(NewUserEmbedders.Create(model, catalog));
        Assert.IsInstanceOfType<SoftmaxFoldInUserEmbedder>(NewUserEmbedders.Create(model, catalog, NewUserFoldIn.Softmax));
        Assert.IsInstanceOfType<MeanOfItemsUserEmbedder>(NewUserEmbedders.Create(model, catalog, NewUserFoldIn.MeanOfItems));
        Assert.IsInstanceOfType<MeanOfItemsUserEmbedder>(NewUserEmbedders.Create(unnormalised, unnormalisedCatalog));
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => NewUserEmbedders.Create(unnormalised, unnormalisedCatalog, NewUserFoldIn.Softmax)).Message, "NewUserFoldIn.Softmax needs");
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => NewUserEmbedders.Create(model, catalog, (NewUserFoldIn)42));
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => NewUserEmbedders.Create(model, catalog, options: new SoftmaxFoldInOptions { PriorWeight = -1 })).Message, "PriorWeight");
    }

    [TestMethod]
    public void Temperature_SurvivesSaveAndLoad()
    {
        var path = Path.Combine(TestPaths.TempDir(), "tt.ttm");
        ModelFile.Save(path, TrainedModel.Value);
        var loaded = (TwoTowerRecommender)ModelFile.Load(path).Model;
        Assert.AreEqual(TrainedModel.Value.Temperature, loaded.Temperature);
        Assert.IsTrue(SoftmaxFoldInUserEmbedder.CanFoldIn(loaded));
    }

    [TestMethod]
    public void Options_BadValues_ThrowNamingThem()
    {
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new SoftmaxFoldInOptions { PriorWeight = -1 }.Validate()).Message, "PriorWeight");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new SoftmaxFoldInOptions { PriorWeight = float.NaN }.Validate()).Message, "PriorWeight");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new SoftmaxFoldInOptions { MaxIterations = -1 }.Validate()).Message, "MaxIterations");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new SoftmaxFoldInOptions { Tolerance = 0 }.Validate()).Message, "Tolerance");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new SoftmaxFoldInOptions { MaxPartitionItems = 0 }.Validate()).Message, "MaxPartitionItems");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new RetrievalEngineOptions { NewUserFoldIn = (NewUserFoldIn)9 }.Validate()).Message, "NewUserFoldIn");
    }

    [TestMethod]
    public void Embed_WrongVectorLength_Throws()
    {
        var (model, catalog) = CircleModel([0, 1]);
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => new SoftmaxFoldInUserEmbedder(model, catalog).Embed([0], null, new float[3])).Message, "expected 2");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => new MeanOfItemsUserEmbedder(model, catalog).Embed([0], null, new float[3])).Message, "expected 2");
    }

    private static readonly Lazy<TwoTowerRecommender> TrainedModel = new(() => RetrievalFixture.TrainTwoTower(RetrievalFixture.Users()));

    private sealed class FloatComparer(float tolerance) : System.Collections.IComparer
    {
        public int Compare(object? x, object? y) => Math.Abs((float)x! - (float)y!) <= tolerance ? 0 : ((float)x!).CompareTo((float)y!);
    }
}
