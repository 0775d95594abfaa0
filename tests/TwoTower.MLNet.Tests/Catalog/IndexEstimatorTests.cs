using Microsoft.ML;
using TwoTower.MLNet.Index;
using TwoTower.MLNet.Index.Hnsw;

namespace TwoTower.MLNet.Tests.Catalog;

/// <summary>Transforms.Index over any IVectorIndex: exact ones feed the saved ONNX graph, approximate ones serve in process.</summary>
[TestClass]
public sealed class IndexEstimatorTests
{
    [TestMethod]
    public void Index_Flat_InProcessRecommendEqualsPredictionEngine()
    {
        var ml = TestMLContext.Create(seed: 1);
        var train = CatalogFixture.Load(ml, CatalogFixture.TrainPath);
        var index = ml.TwoTower().Transforms.Index("Flat");
        var model = ml.TwoTower().Trainers.MatrixFactorization(CatalogFixture.Mf())
            .Append(index)
            .Append(ml.TwoTower().Transforms.Recommend(k: 10, excludeSeen: true)).Fit(train);
        var fitted = ml.TwoTower().FindModel(model)!;
        Assert.AreSame(index.LastIndex, fitted.Index);
        Assert.AreEqual(fitted.Model.Items.Count, fitted.Index!.Count);
        using var engine = ml.Model.CreatePredictionEngine<UserRequest, Recommendations>(model);
        foreach (var user in new[] { "1", "42", "unknown" })
        {
            var inProcess = fitted.Recommend(user, 10, excludeSeen: true);
            var answer = engine.Predict(new UserRequest { UserId = user });
            CollectionAssert.AreEqual(answer.ItemIds, inProcess.Select(r => r.ItemId).ToArray(), $"user {user}");
        }
    }

    [TestMethod]
    public void Index_TwoStepsOverOneTrainedModel_EachServesItsOwnIndex_TheTrainersModelUnchanged()
    {
        // Found by an audit: the Index step set the index on the trainer's FittedRecommender in place, so a model found
        // earlier through FindModel changed under its holder, and a second Index step replaced the first one's index.
        var ml = TestMLContext.Create(seed: 1);
        var train = CatalogFixture.Load(ml, CatalogFixture.TrainPath);
        var trained = ml.TwoTower().Trainers.MatrixFactorization(CatalogFixture.Mf()).Fit(train);
        var plain = ml.TwoTower().FindModel(trained)!;
        var data = trained.Transform(train);
        var hnsw = ml.TwoTower().Transforms.Index("HNSW16").Fit(data);
        var flat = ml.TwoTower().Transforms.Index("Flat").Fit(data);

        Assert.IsNull(plain.Index, "the trainer's model got an index");
        var withHnsw = ml.TwoTower().FindModel(new Microsoft.ML.Data.TransformerChain<ITransformer>(trained, hnsw))!;
        var withFlat = ml.TwoTower().FindModel(new Microsoft.ML.Data.TransformerChain<ITransformer>(trained, flat))!;
        Assert.AreEqual("HNSW16", withHnsw.IndexDescription);
        Assert.IsFalse(withHnsw.Index!.IsExact);
        Assert.IsTrue(withFlat.Index!.IsExact);
        Assert.AreSame(plain.Model, withHnsw.Model);
        CollectionAssert.AreEqual(plain.Recommend("1", 5, excludeSeen: true).Select(r => r.ItemId).ToArray(),
            withFlat.Recommend("1", 5, excludeSeen: true).Select(r => r.ItemId).ToArray());
    }

    [TestMethod]
    public void WithCancellation_CancelledWhileTheIndexTrains_AddStopsTheIndexIsDisposedAndNothingIsRegistered()
    {
        var ml = TestMLContext.Create(seed: 1);
        var train = CatalogFixture.Load(ml, CatalogFixture.TrainPath);
        var data = ml.TwoTower().Trainers.MatrixFactorization(CatalogFixture.Mf()).Fit(train).Transform(train);
        using var cancel = new CancellationTokenSource();
        CancellingIndex? built = null;
        var step = ml.TwoTower().Transforms.Index(new IndexOptions { Create = d => built = new CancellingIndex(new MLNet.Index.Flat.FlatIndex(d, VectorMetric.InnerProduct), cancel) })
            .WithCancellation(cancel.Token);

        Assert.ThrowsExactly<OperationCanceledException>(() => step.Fit(data));

        Assert.IsNotNull(built);
        Assert.AreEqual(0, built.Count, "the add saw the cancelled token");
        Assert.IsTrue(built.Disposed, "the partly built index is released");
        Assert.IsNull(step.LastIndex);
    }

    [TestMethod]
    public void WithCancellation_TokenCancelledBefore_ThrowsBeforeCreatingTheIndex()
    {
        var ml = TestMLContext.Create(seed: 1);
        var train = CatalogFixture.Load(ml, CatalogFixture.TrainPath);
        var data = ml.TwoTower().Trainers.MatrixFactorization(CatalogFixture.Mf()).Fit(train).Transform(train);
        var created = 0;
        var original = ml.TwoTower().Transforms.Index(new IndexOptions { Create = d => { created++; return new MLNet.Index.Flat.FlatIndex(d, VectorMetric.InnerProduct); } });
        var step = original.WithCancellation(new CancellationToken(canceled: true));

        Assert.ThrowsExactly<OperationCanceledException>(() => step.Fit(data));

        Assert.AreEqual(0, created);
        Assert.AreEqual(CancellationToken.None, original.CancellationToken, "WithCancellation returns a copy");
        using var built = original.Fit(data) as IDisposable;
        Assert.AreEqual(1, created);
    }

    // A Flat index whose Train cancels the token (a user pressing stop as the build starts), so the Add after it must see it.
    private sealed class CancellingIndex(IVectorIndex inner, CancellationTokenSource cancel) : IVectorIndex
    {
        public bool Disposed { get; private set; }
        public int Dimension => inner.Dimension;
        public int Count => inner.Count;
        public VectorMetric Metric => inner.Metric;
        public bool IsExact => inner.IsExact;
        public bool IsTrained => false;
        public void Train(ReadOnlySpan<float> vectors) => Train(vectors, CancellationToken.None);
        public void Train(ReadOnlySpan<float> vectors, CancellationToken cancellationToken)
        {
            cancel.Cancel();
            inner.Train(vectors);
        }
        public void Add(ReadOnlySpan<long> ids, ReadOnlySpan<float> vectors) => inner.Add(ids, vectors);
        public void Add(ReadOnlySpan<long> ids, ReadOnlySpan<float> vectors, CancellationToken cancellationToken) => inner.Add(ids, vectors, cancellationToken);
        public SearchResults Search(ReadOnlySpan<float> queries, int k, SearchOptions? options = null) => inner.Search(queries, k, options);
        public bool Remove(long id) => inner.Remove(id);
        public void Compact() => inner.Compact();
        public void Save(string path) => inner.Save(path);
        public void Dispose()
        {
            Disposed = true;
            inner.Dispose();
        }
    }

    [TestMethod]
    public void Index_Hnsw_RecallAgainstExactAbove90Percent()
    {
        var ml = TestMLContext.Create(seed: 1);
        var train = CatalogFixture.Load(ml, CatalogFixture.TrainPath);
        var model = ml.TwoTower().Trainers.MatrixFactorization(CatalogFixture.Mf()).Append(ml.TwoTower().Transforms.Index("HNSW16")).Fit(train);
        var fitted = ml.TwoTower().FindModel(model)!;
        Assert.IsFalse(fitted.Index!.IsExact);
        var seen = CatalogFixture.SeenByUser(CatalogFixture.TrainPath);
        int hits = 0, total = 0;
        foreach (var user in Enumerable.Range(1, 100).Select(u => u.ToString()))
        {
            var approx = fitted.Recommend(user, 10, excludeSeen: true).Select(r => r.ItemId).ToHashSet();
            foreach (var item in approx) Assert.DoesNotContain(item, seen[user]);
            var (exact, _) = CatalogFixture.BruteForce(fitted.Model, user, 10, seen[user]);
            hits += exact.Count(approx.Contains);
            total += 10;
        }
        Assert.IsGreaterThan(0.9, hits / (double)total);
    }

    [TestMethod]
    public void IndexHnswThenRecommend_TheDesignPipeline_FitsSavesLoadsAndRanksExactlyWithAWarning()
    {
        // DESIGN §4 chains Index(HNSW) into Recommend: Fit refused that pipeline (ONNX cannot hold HNSW), so its sample could not run.
        var ml = TestMLContext.Create(seed: 1);
        var warnings = new List<string>();
        ml.Log += (_, e) => { if (e.Kind == Microsoft.ML.Runtime.ChannelMessageKind.Warning) lock (warnings) warnings.Add(e.Message); };
        var train = CatalogFixture.Load(ml, CatalogFixture.TrainPath);
        var model = ml.TwoTower().Trainers.MatrixFactorization(CatalogFixture.Mf())
            .Append(ml.TwoTower().Transforms.Index(new HnswOptions { M = 16, EfConstruction = 200 }))
            .Append(ml.TwoTower().Transforms.Recommend(k: 10, excludeSeen: true))
            .Fit(train);
        Assert.IsTrue(warnings.Any(w => w.Contains("The item index 'HNSW16,efC200' is approximate", StringComparison.Ordinal) && w.Contains("ranks every item exactly", StringComparison.Ordinal)),
            string.Join("\n", warnings));
        var fitted = ml.TwoTower().FindModel(model)!;
        Assert.IsFalse(fitted.Index!.IsExact, "the index still serves in process");
        var path = Path.Combine(TestPaths.TempDir(), "design-pipeline.zip");
        ml.Model.Save(model, train.Schema, path);
        using var loaded = (IDisposable)ml.Model.Load(path, out _);
        using var engine = ml.Model.CreatePredictionEngine<UserRequest, Recommendations>((ITransformer)loaded, new PredictionEngineOptions { OwnsTransformer = false });
        var seen = CatalogFixture.SeenByUser(CatalogFixture.TrainPath);
        foreach (var user in new[] { "1", "7", "500" })
        {
            var (ids, _) = CatalogFixture.BruteForce(fitted.Model, user, 10, seen[user]);
            CollectionAssert.AreEqual(ids, engine.Predict(new UserRequest { UserId = user }).ItemIds, $"user {user}: exact top 10 without seen items");
        }
        (model as IDisposable)?.Dispose();
    }

    [TestMethod]
    public void Recommend_AfterAnIndexWhoseSearchRestrictsTheItems_RefusedNamingTheRestriction()
    {
        // Found by an audit: the ONNX graph ranks every item, so an Index step's Filter or AllowList (e.g. items in stock)
        // held in process through FindModel but the saved model recommended the items they leave out, without a word.
        var ml = TestMLContext.Create(seed: 1);
        var train = CatalogFixture.Load(ml, CatalogFixture.TrainPath);
        var allowed = new System.Collections.BitArray(2000);
        for (var i = 0; i < allowed.Length; i += 2) allowed[i] = true;
        foreach (var (search, named) in new[] { (new SearchOptions { Filter = id => id % 2 == 0 }, "a Filter"), (new SearchOptions { AllowList = allowed }, "an AllowList") })
        {
            var pipeline = ml.TwoTower().Trainers.MatrixFactorization(CatalogFixture.Mf())
                .Append(ml.TwoTower().Transforms.Index(new IndexOptions { Description = "Flat", Search = search }))
                .Append(ml.TwoTower().Transforms.Recommend(k: 10));
            var ex = Assert.ThrowsExactly<NotSupportedException>(() => pipeline.Fit(train));
            StringAssert.Contains(ex.Message, $"The item index 'Flat' is searched with {named}");
            StringAssert.Contains(ex.Message, "FindModel(model).Recommend(userId, k, excludeSeen)");
        }
    }

    [TestMethod]
    public void Recommend_GivenAModelServedByAnIndexOfASubset_RefusedNamingTheCounts()
    {
        // Found by an audit: WithIndex documents an index over a subset of the catalogue (only its items are recommended),
        // but a Recommend step given that model ranked every item in its ONNX graph.
        var ml = TestMLContext.Create(seed: 1);
        var train = CatalogFixture.Load(ml, CatalogFixture.TrainPath);
        var fitted = ml.TwoTower().FindModel(ml.TwoTower().Trainers.MatrixFactorization(CatalogFixture.Mf()).Fit(train))!;
        var d = fitted.Model.Dimension;
        using var index = IndexFactory.Create("Flat", d, VectorMetric.InnerProduct);
        index.Add([0, 1, 2], fitted.Model.ItemVectors.Span[..(3 * d)]);
        var ex = Assert.ThrowsExactly<NotSupportedException>(() => ml.TwoTower().Transforms.Recommend(fitted.WithIndex(index)).Fit(train));
        StringAssert.Contains(ex.Message, $"The item index 'FlatIndex' holds 3 of the model's {fitted.Model.Items.Count} items");
        // The whole catalogue in an exact index is what the graph ranks: accepted.
        using var whole = IndexFactory.Create("Flat", d, VectorMetric.InnerProduct);
        whole.Add(Enumerable.Range(0, fitted.Model.Items.Count).Select(i => (long)i).ToArray(), fitted.Model.ItemVectors.Span);
        (ml.TwoTower().Transforms.Recommend(fitted.WithIndex(whole)).Fit(train) as IDisposable)?.Dispose();
    }

    [TestMethod]
    public void Index_HnswOptions_BuildsAnApproximateIndexNamedAfterThem()
    {
        var ml = TestMLContext.Create(seed: 1);
        var train = CatalogFixture.Load(ml, CatalogFixture.TrainPath);
        var model = ml.TwoTower().Trainers.MatrixFactorization(CatalogFixture.Mf())
            .Append(ml.TwoTower().Transforms.Index(new HnswOptions { M = 8, EfConstruction = 100, BuildThreads = 1 })).Fit(train);
        var fitted = ml.TwoTower().FindModel(model)!;
        Assert.IsInstanceOfType<HnswIndex>(fitted.Index);
        Assert.AreEqual("HNSW8,efC100", fitted.IndexDescription);
        Assert.HasCount(10, fitted.Recommend("1", 10));
    }

    [TestMethod]
    public void Index_CustomFactory_IsUsed()
    {
        var ml = TestMLContext.Create(seed: 1);
        var train = CatalogFixture.Load(ml, CatalogFixture.TrainPath);
        var created = 0;
        var options = new IndexOptions { Create = d => { created++; return IndexFactory.Create("Flat", d, VectorMetric.InnerProduct); } };
        ml.TwoTower().Trainers.MatrixFactorization(CatalogFixture.Mf()).Append(ml.TwoTower().Transforms.Index(options)).Fit(train);
        Assert.AreEqual(1, created);
    }

    [TestMethod]
    public void Index_WithoutTrainer_Throws()
    {
        var ml = TestMLContext.Create(seed: 1);
        var train = CatalogFixture.Load(ml, CatalogFixture.TrainPath);
        var ex = Assert.ThrowsExactly<InvalidOperationException>(() => ml.TwoTower().Transforms.Index().Fit(train));
        StringAssert.Contains(ex.Message, "Index() has no item vectors");
    }

    [TestMethod]
    public void Index_L2Metric_Rejected()
    {
        var ml = TestMLContext.Create(seed: 1);
        var train = CatalogFixture.Load(ml, CatalogFixture.TrainPath);
        var options = new IndexOptions { Create = d => IndexFactory.Create("Flat", d, VectorMetric.L2) };
        var pipeline = ml.TwoTower().Trainers.MatrixFactorization(CatalogFixture.Mf()).Append(ml.TwoTower().Transforms.Index(options));
        var ex = Assert.ThrowsExactly<InvalidOperationException>(() => pipeline.Fit(train));
        StringAssert.Contains(ex.Message, "L2 metric");
    }

    [TestMethod]
    public void Index_CosineOnVectorsOfUnequalLength_Rejected()
    {
        // MF item vectors have unequal norms: a cosine index would rank unlike the model (and unlike the saved model's TopK).
        var ml = TestMLContext.Create(seed: 1);
        var train = CatalogFixture.Load(ml, CatalogFixture.TrainPath);
        var options = new IndexOptions { Create = d => IndexFactory.Create("Flat", d, VectorMetric.Cosine) };
        var pipeline = ml.TwoTower().Trainers.MatrixFactorization(CatalogFixture.Mf()).Append(ml.TwoTower().Transforms.Index(options));
        var ex = Assert.ThrowsExactly<InvalidOperationException>(() => pipeline.Fit(train));
        StringAssert.Contains(ex.Message, "the model's item vectors are not unit length");
    }

    [TestMethod]
    public void IndexAndRecommend_AfterATrainerOfAnotherContext_RefusedNamingTheContext()
    {
        // Found by an audit: each MLContext's ml.TwoTower() keeps its own fitted models (no state crosses contexts), so a
        // step of one context after another context's trainer was told to "append it after ml.TwoTower().Trainers...", as it was.
        var trainerContext = TestMLContext.Create(seed: 1);
        var ml = TestMLContext.Create(seed: 1);
        var train = CatalogFixture.Load(ml, CatalogFixture.TrainPath);
        var trainer = trainerContext.TwoTower().Trainers.MatrixFactorization(CatalogFixture.Mf());
        var recommend = Assert.ThrowsExactly<InvalidOperationException>(() => trainer.Append(ml.TwoTower().Transforms.Recommend(k: 2)).Fit(train));
        StringAssert.Contains(recommend.Message, "a trainer of the same MLContext");
        var index = Assert.ThrowsExactly<InvalidOperationException>(() => trainer.Append(ml.TwoTower().Transforms.Index("Flat")).Fit(train));
        StringAssert.Contains(index.Message, "a trainer of the same MLContext");
        var evaluate = Assert.ThrowsExactly<InvalidOperationException>(() => ml.TwoTower().Evaluate(trainer.Fit(train), CatalogFixture.Load(ml, CatalogFixture.TestPath)));
        StringAssert.Contains(evaluate.Message, "by this MLContext's ml.TwoTower().Trainers");
    }

    [TestMethod]
    public void IndexAndRecommend_WithoutTrainer_RefusedEvenAfterAnotherPipelineFitted()
    {
        // An unrelated model fitted earlier by the same catalog must not serve a chain that has no trainer.
        var ml = TestMLContext.Create(seed: 1);
        var fruit = ml.Data.LoadFromEnumerable(new[]
        {
            new InteractionRow { UserId = "u1", ItemId = "apple" }, new InteractionRow { UserId = "u2", ItemId = "pear" }, new InteractionRow { UserId = "u2", ItemId = "plum" },
        });
        ml.TwoTower().Trainers.MatrixFactorization(factors: 2, iterations: 1).Fit(fruit);
        var train = CatalogFixture.Load(ml, CatalogFixture.TrainPath);
        var recommend = Assert.ThrowsExactly<InvalidOperationException>(() => ml.TwoTower().Transforms.Recommend(k: 2).Fit(train));
        StringAssert.Contains(recommend.Message, "Recommend() has no model");
        var index = Assert.ThrowsExactly<InvalidOperationException>(() => ml.TwoTower().Transforms.Index("Flat").Fit(train));
        StringAssert.Contains(index.Message, "Index() has no item vectors");
    }

    [TestMethod]
    [DataRow("Ball-tree", "Unknown index spec 'Ball-tree'. Valid forms: Flat | HNSW")]
    [DataRow("HNSW1", "HnswOptions.M must be in [2, 256]")]
    [DataRow("IVF0,Flat", "'0' must be a whole number from 1")]
    public void Index_BadDescription_RefusedAtConstructionNamingTheOption(string description, string message)
    {
        var ml = TestMLContext.Create(seed: 1);
        // Refused before any pipeline trains: at Fit it came only after the trainer before it had trained.
        foreach (var make in new Func<IndexEstimator>[] { () => ml.TwoTower().Transforms.Index(description), () => ml.TwoTower().Transforms.Index(new IndexOptions { Description = description }) })
        {
            var ex = Assert.ThrowsExactly<ArgumentOutOfRangeException>(make);
            Assert.AreEqual(nameof(IndexOptions.Description), ex.ParamName);
            StringAssert.Contains(ex.Message, $"'{description}'");
            StringAssert.Contains(ex.Message, message);
        }
    }

    [TestMethod]
    [DataRow(0, 200, "M")]
    [DataRow(16, 0, "EfConstruction")]
    public void Index_BadHnswOptions_RefusedAtConstructionNamingTheOption(int m, int efConstruction, string option)
    {
        var ml = TestMLContext.Create(seed: 1);
        var ex = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.TwoTower().Transforms.Index(new HnswOptions { M = m, EfConstruction = efConstruction }));
        Assert.AreEqual(option, ex.ParamName);
    }
}
