using Microsoft.ML;
using Microsoft.ML.Data;
using TwoTower.MLNet.Index;
using TwoTower.MLNet.Index.Flat;
using TwoTower.MLNet.Index.Persistence;

namespace TwoTower.MLNet.Tests.Catalog;

/// <summary>
/// The Index step's transformer owns the index it built: disposing the fitted pipeline (or the step's transformer, or a
/// PredictionEngine that owned the pipeline) releases it, and a disposed step refuses further use by name.
/// </summary>
[TestClass]
public sealed class IndexDisposalTests
{
    [TestMethod]
    [DataRow("Flat")]
    [DataRow("HNSW16")]
    [DataRow("IVF16,Flat")]
    public void Dispose_FittedPipeline_DisposesTheIndexItBuilt(string description)
    {
        // Found by an audit: the Index step's transformer was an empty ML.NET chain, so disposing the model left the index
        // (its native HNSW memory, a memory-mapped file, a pgvector connection) open until the garbage collector ran.
        var ml = TestMLContext.Create(seed: 1);
        var train = CatalogFixture.Load(ml, CatalogFixture.TrainPath);
        var index = ml.TwoTower().Transforms.Index(description);
        var model = ml.TwoTower().Trainers.MatrixFactorization(CatalogFixture.Mf()).Append(index)
            .Append(ml.TwoTower().Transforms.Recommend(k: 5)).Fit(train);
        var built = index.LastIndex!;
        var query = new float[built.Dimension];
        query[0] = 1;
        Assert.HasCount(5, built.Search(query, 5).IdsOf(0).ToArray());

        ((IDisposable)model).Dispose();

        Assert.ThrowsExactly<ObjectDisposedException>(() => built.Search(query, 5));
    }

    [TestMethod]
    public void Dispose_PredictionEngineOwningThePipeline_DisposesTheIndex()
    {
        var ml = TestMLContext.Create(seed: 1);
        var train = CatalogFixture.Load(ml, CatalogFixture.TrainPath);
        var index = ml.TwoTower().Transforms.Index("HNSW16");
        var model = ml.TwoTower().Trainers.MatrixFactorization(CatalogFixture.Mf()).Append(index)
            .Append(ml.TwoTower().Transforms.Recommend(k: 5)).Fit(train);
        using (var engine = ml.Model.CreatePredictionEngine<UserRequest, Recommendations>(model))
            Assert.HasCount(5, engine.Predict(new UserRequest { UserId = "1" }).ItemIds);
        Assert.ThrowsExactly<ObjectDisposedException>(() => index.LastIndex!.Search(new float[index.LastIndex.Dimension], 1));
    }

    [TestMethod]
    public void Dispose_TheStepsOwnTransformer_ReleasesAMemoryMappedIndexFile()
    {
        // An index that Create loads memory-mapped (here one that already holds vectors of ids outside the catalogue) stays
        // mapped while the step lives; disposing the step's transformer unmaps it, so the file can be replaced or deleted.
        var ml = TestMLContext.Create(seed: 1);
        var train = CatalogFixture.Load(ml, CatalogFixture.TrainPath);
        var trained = ml.TwoTower().Trainers.MatrixFactorization(CatalogFixture.Mf()).Fit(train);
        var d = ml.TwoTower().FindModel(trained)!.Model.Dimension;
        var path = Path.Combine(TestPaths.TempDir(), "mapped-" + Guid.NewGuid().ToString("N") + ".ttvx");
        using (var other = new FlatIndex(d))
        {
            var vectors = Enumerable.Range(0, 64 * d).Select(i => (float)Math.Sin(i)).ToArray();
            other.Add(Enumerable.Range(1_000_000, 64).Select(i => (long)i).ToArray(), vectors);
            other.Save(path);
        }
        IVectorIndex? loaded = null;
        var step = ml.TwoTower().Transforms.Index(new IndexOptions { Create = _ => loaded = VectorIndex.Load(path, IndexLoadOptions.Mapped) })
            .Fit(trained.Transform(train));
        Assert.IsTrue(IsMapped(path), "the index built by the step reads the mapped file");

        ((IDisposable)step).Dispose();

        Assert.IsFalse(IsMapped(path), "disposing the step's transformer left the index file mapped");
        Assert.ThrowsExactly<ObjectDisposedException>(() => loaded!.Search(new float[d], 1));
        File.Delete(path);
        (trained as IDisposable)?.Dispose();
    }

    [TestMethod]
    public void Use_AfterDispose_ThrowsObjectDisposedNamingTheStep()
    {
        var ml = TestMLContext.Create(seed: 1);
        var train = CatalogFixture.Load(ml, CatalogFixture.TrainPath);
        var trained = ml.TwoTower().Trainers.MatrixFactorization(CatalogFixture.Mf()).Fit(train);
        var data = trained.Transform(train);
        var step = ml.TwoTower().Transforms.Index("HNSW16").Fit(data);
        var served = ml.TwoTower().FindModel(new TransformerChain<ITransformer>(trained, step))!;
        Assert.HasCount(3, served.Recommend("1", 3));

        ((IDisposable)step).Dispose();
        ((IDisposable)step).Dispose(); // a second Dispose is harmless

        foreach (var use in new Action[]
        {
            () => step.Transform(data),
            () => step.GetOutputSchema(data.Schema),
            () => step.GetRowToRowMapper(data.Schema),
            () => ml.Model.Save(step, data.Schema, Path.Combine(TestPaths.TempDir(), "disposed-index.zip")),
        })
        {
            var ex = Assert.ThrowsExactly<ObjectDisposedException>(use);
            StringAssert.Contains(ex.Message, "The Index step's transformer ('HNSW16') was disposed");
        }
        // The model served through the disposed index says so, instead of the index's bare "Cannot access a disposed object".
        var recommend = Assert.ThrowsExactly<ObjectDisposedException>(() => served.Recommend("1", 3));
        StringAssert.Contains(recommend.Message, "The item index 'HNSW16' of this model was disposed");
        (trained as IDisposable)?.Dispose();
    }

    [TestMethod]
    public void Recommend_ThroughAWithIndexIndexTheCallerDisposed_SaysItIsTheCallersIndex()
    {
        // Found by a review: the message for a disposed index blamed an Index step's transformer and advised serving "through
        // WithIndex(index) with an index you keep open", also to a caller who served through WithIndex and disposed that index.
        var ml = TestMLContext.Create(seed: 1);
        var train = CatalogFixture.Load(ml, CatalogFixture.TrainPath);
        var trained = ml.TwoTower().Trainers.MatrixFactorization(CatalogFixture.Mf()).Fit(train);
        var fitted = ml.TwoTower().FindModel(trained)!;
        var index = new FlatIndex(fitted.Model.Dimension);
        index.Add(Enumerable.Range(0, fitted.Model.Items.Count).Select(i => (long)i).ToArray(), fitted.Model.ItemVectors.Span);
        var served = fitted.WithIndex(index, description: "mine");
        Assert.HasCount(3, served.Recommend("1", 3));

        index.Dispose();

        var ex = Assert.ThrowsExactly<ObjectDisposedException>(() => served.Recommend("1", 3));
        StringAssert.Contains(ex.Message, "The item index 'mine' given to WithIndex was disposed");
        Assert.DoesNotContain("Index step", ex.Message);
        (trained as IDisposable)?.Dispose();
    }

    [TestMethod]
    public void SaveLoad_PipelineWithTheIndexStep_RoundTripsAndDisposingTheFittedModelLeavesTheLoadedOneWorking()
    {
        var ml = TestMLContext.Create(seed: 1);
        var train = CatalogFixture.Load(ml, CatalogFixture.TrainPath);
        var model = ml.TwoTower().Trainers.MatrixFactorization(CatalogFixture.Mf()).Append(ml.TwoTower().Transforms.Index("HNSW16"))
            .Append(ml.TwoTower().Transforms.Recommend(k: 5, excludeSeen: true)).Fit(train);
        string[] Predict(ITransformer m)
        {
            using var engine = ml.Model.CreatePredictionEngine<UserRequest, Recommendations>(m, new PredictionEngineOptions { OwnsTransformer = false });
            return engine.Predict(new UserRequest { UserId = "7" }).ItemIds;
        }
        var path = Path.Combine(TestPaths.TempDir(), "index-step.zip");
        ml.Model.Save(model, train.Schema, path);
        using var loaded = (IDisposable)ml.Model.Load(path, out _);
        var expected = Predict(model);
        ((IDisposable)model).Dispose();
        CollectionAssert.AreEqual(expected, Predict((ITransformer)loaded));
    }

    [TestMethod]
    public void Fit_RefusingTheIndex_DisposesIt()
    {
        // Found by an audit: an index Create built and Fit then refused (L2 metric, another dimension) or failed to fill was
        // dropped undisposed, e.g. a pgvector index's connection left open.
        var ml = TestMLContext.Create(seed: 1);
        var train = CatalogFixture.Load(ml, CatalogFixture.TrainPath);
        var trained = ml.TwoTower().Trainers.MatrixFactorization(CatalogFixture.Mf()).Fit(train);
        var data = trained.Transform(train);
        var created = new List<IVectorIndex>();
        foreach (var create in new Func<int, IVectorIndex>[] { d => new FlatIndex(d, VectorMetric.L2), d => new FlatIndex(d + 1) })
        {
            var step = ml.TwoTower().Transforms.Index(new IndexOptions { Create = d => { var index = create(d); created.Add(index); return index; } });
            Assert.ThrowsExactly<InvalidOperationException>(() => step.Fit(data));
        }
        Assert.HasCount(2, created);
        foreach (var index in created)
            Assert.ThrowsExactly<ObjectDisposedException>(() => index.Search(new float[index.Dimension], 1), $"{index.Metric}, d = {index.Dimension}");
        (trained as IDisposable)?.Dispose();
    }

    private static bool IsMapped(string path) => File.ReadLines("/proc/self/maps").Any(l => l.EndsWith(path, StringComparison.Ordinal));
}
