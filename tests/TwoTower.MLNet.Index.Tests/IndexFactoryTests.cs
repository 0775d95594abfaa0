using TwoTower.MLNet.Index.Flat;
using TwoTower.MLNet.Index.Hnsw;
using TwoTower.MLNet.Index.Ivf;

namespace TwoTower.MLNet.Index.Tests;

[TestClass]
public sealed class IndexFactoryTests
{
    [TestMethod]
    public void Create_ValidSpecs_BuildConfiguredIndexes()
    {
        Assert.IsInstanceOfType<FlatIndex>(IndexFactory.Create("Flat", 8, VectorMetric.L2));
        Assert.IsInstanceOfType<FlatIndex>(IndexFactory.Create("flat", 8, VectorMetric.L2));
        var h16 = (HnswIndex)IndexFactory.Create("HNSW16", 8, VectorMetric.Cosine);
        Assert.AreEqual(16, h16.Options.M);
        Assert.AreEqual(VectorMetric.Cosine, h16.Metric);
        var h32 = (HnswIndex)IndexFactory.Create("HNSW32,efC200", 8, VectorMetric.InnerProduct);
        Assert.AreEqual((32, 200), (h32.Options.M, h32.Options.EfConstruction));
        var ivf = (IvfFlatIndex)IndexFactory.Create("IVF1024,Flat", 8, VectorMetric.InnerProduct);
        Assert.AreEqual(1024, ivf.Options.Lists);
        var pq = (IvfPqIndex)IndexFactory.Create("IVF256,PQ16", 32, VectorMetric.InnerProduct);
        Assert.AreEqual((256, 16, false), (pq.Options.Lists, pq.Options.SubQuantizers, pq.Options.Refine));
        var refine = (IvfPqIndex)IndexFactory.Create("IVF1024, PQ16, Refine", 32, VectorMetric.L2);
        Assert.IsTrue(refine.Options.Refine);
        Assert.AreEqual(32, refine.Dimension);
    }

    [TestMethod]
    public void Create_SpecWithTabsOrALineEnd_ReadAsWithoutThem()
    {
        // Found by an audit: only spaces were removed, so "HNSW32\n" passed through the pattern's '$' while "Flat\n" and "IVF16,\tFlat" were unknown specs.
        Assert.IsInstanceOfType<FlatIndex>(IndexFactory.Create("Flat\n", 8, VectorMetric.L2));
        Assert.AreEqual(32, ((HnswIndex)IndexFactory.Create("HNSW32\r\n", 8, VectorMetric.L2)).Options.M);
        Assert.AreEqual(16, ((IvfFlatIndex)IndexFactory.Create("IVF16,\tFlat", 8, VectorMetric.L2)).Options.Lists);
        Assert.IsTrue(((IvfPqIndex)IndexFactory.Create("\tIVF16,PQ4,\nRefine\n", 8, VectorMetric.L2)).Options.Refine);
    }

    [TestMethod]
    public void Create_BadSpecs_ListValidForms()
    {
        foreach (var spec in new[] { "", "HNSW", "HNSWx", "IVF,Flat", "IVF1024", "IVF1024,PQ", "IVF1024,Flat,Refine", "LSH", "HNSW16,ef200", "HNSW0", "IVF\uFF18,Flat" })
        {
            var ex = Assert.ThrowsExactly<ArgumentException>(() => IndexFactory.Create(spec, 8, VectorMetric.L2), spec);
            Assert.AreEqual("spec", ex.ParamName);
            StringAssert.Contains(ex.Message, "IVF<lists>,PQ<m>[,Refine]", spec);
        }
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => IndexFactory.Create("IVF16,PQ5", 32, VectorMetric.L2)).Message, "must divide the dimension 32");
        // Found by an audit: a number past int.MaxValue was refused as "must be a positive integer", which it is.
        foreach (var spec in new[] { "IVF99999999999,Flat", "IVF8,PQ2147483648", "HNSW16,efC99999999999" })
            StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => IndexFactory.Create(spec, 8, VectorMetric.L2), spec).Message,
                $"Index spec '{spec}': ", spec);
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => IndexFactory.Create("IVF99999999999,Flat", 8, VectorMetric.L2)).Message,
            "'99999999999' must be a whole number from 1 to 2147483647");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => IndexFactory.Create("IVF0,Flat", 8, VectorMetric.L2)).Message,
            "'0' must be a whole number from 1 to 2147483647");
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => IndexFactory.Create("Flat", 0, VectorMetric.L2));
    }

    [TestMethod]
    public void Load_SavedHnswAndFlat_DispatchesOnKind()
    {
        var x = TestData.Uniform(200, 8, 1);
        foreach (var spec in new[] { "Flat", "HNSW16" })
        {
            using var index = IndexFactory.Create(spec, 8, VectorMetric.InnerProduct);
            index.Add(TestData.Ids(200), x);
            var path = Path.Combine(Path.GetTempPath(), $"fac-{Guid.NewGuid():N}.ttvx");
            try
            {
                index.Save(path);
                using var loaded = VectorIndex.Load(path);
                Assert.AreEqual(index.GetType(), loaded.GetType());
                CollectionAssert.AreEqual(index.Search(x.AsSpan(0, 16), 3).Ids, loaded.Search(x.AsSpan(0, 16), 3).Ids);
                StringAssert.Contains(Assert.ThrowsExactly<InvalidDataException>(() => IvfFlatIndex.Load(path)).Message, "not IVFFlat");
            }
            finally { File.Delete(path); }
        }
    }
}
