using TwoTower.MLNet.Index;
using TwoTower.MLNet.Index.Hnsw;

namespace TwoTower.MLNet.Index.Tests.Hnsw;

[TestClass]
public sealed class HnswIndexValidationTests
{
    private static HnswIndex Small()
    {
        var index = new HnswIndex(2, VectorMetric.Cosine);
        index.Add([1], [1, 0]);
        return index;
    }

    private static void AssertMessage(Exception e, params string[] parts)
    {
        foreach (var part in parts) StringAssert.Contains(e.Message, part);
    }

    [TestMethod]
    public void GrownCapacity_PastWhatOneLinkArrayHolds_RefusesInsteadOfWritingPastTheGraph()
    {
        // Found by an audit: growth was capped at Array.MaxLength / (2M + 1) nodes and the add went on, writing rows past the
        // graph's memory (about 65M vectors at M 16, 4M at M 256; no test can allocate that, so the sizing is tested alone).
        var link0Stride = 2 * 16 + 1;
        var most = Array.MaxLength / link0Stride;
        Assert.AreEqual(most, HnswIndex.GrownCapacity(most - 10, 10, most - 10, link0Stride, 16));
        var e = Assert.ThrowsExactly<InvalidOperationException>(() => HnswIndex.GrownCapacity(most - 10, 11, most - 10, link0Stride, 16));
        AssertMessage(e, "An HNSW index with M 16 holds at most", "lower M or split the vectors");
        Assert.AreEqual(1024, HnswIndex.GrownCapacity(0, 1, 1, link0Stride, 16));
        Assert.AreEqual(3000, HnswIndex.GrownCapacity(2000, 10, 2000, link0Stride, 16));
    }

    [TestMethod]
    public void Add_WrongVectorLength_ThrowsNamingExpectedLength()
    {
        using var index = Small();
        var e = Assert.ThrowsExactly<ArgumentException>(() => index.Add([2, 3], [1, 2, 3]));
        AssertMessage(e, "vectors", "3 values", "2 × 2 = 4");
    }

    [TestMethod]
    public void Add_NaN_ThrowsNamingPosition()
    {
        using var index = Small();
        var e = Assert.ThrowsExactly<ArgumentException>(() => index.Add([2, 3], [1, 2, float.NaN, 0]));
        AssertMessage(e, "vectors[1][0]", "NaN", "id 3");
        Assert.AreEqual(1, index.Count, "a rejected batch must add nothing");
    }

    [TestMethod]
    public void Add_DuplicateIds_ThrowsForExistingAndInBatch()
    {
        using var index = Small();
        AssertMessage(Assert.ThrowsExactly<ArgumentException>(() => index.Add([1], [0, 1])), "ids[0] = 1", "already");
        AssertMessage(Assert.ThrowsExactly<ArgumentException>(() => index.Add([4, 4], [0, 1, 1, 1])), "ids[1] = 4", "twice");
        Assert.AreEqual(1, index.Count);
    }

    [TestMethod]
    public void Add_NegativeId_Throws()
    {
        using var index = Small();
        AssertMessage(Assert.ThrowsExactly<ArgumentException>(() => index.Add([-5], [0, 1])), "ids[0] = -5", "negative");
    }

    [TestMethod]
    public void Add_ZeroVectorWithCosine_Throws()
    {
        using var index = Small();
        AssertMessage(Assert.ThrowsExactly<ArgumentException>(() => index.Add([7], [0, 0])), "vectors[0]", "zeros");
    }

    [TestMethod]
    public void Search_BadArguments_ThrowWithNameAndValue()
    {
        using var index = Small();
        AssertMessage(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => index.Search([1, 0], 0)), "k", "0");
        AssertMessage(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => index.Search([1, 0], -3)), "k", "-3");
        AssertMessage(Assert.ThrowsExactly<ArgumentException>(() => index.Search([1, 0, 1], 1)), "queries", "3 values", "Dimension 2");
        AssertMessage(Assert.ThrowsExactly<ArgumentException>(() => index.Search([1, float.PositiveInfinity], 1)), "queries[0][1]");
        AssertMessage(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => index.Search([1, 0], 1, new SearchOptions { EfSearch = 0 })), "EfSearch", "0");
        AssertMessage(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => index.Search([1, 0], 1, new SearchOptions { Threads = 0 })), "Threads");
    }

    [TestMethod]
    public void Constructor_BadArguments_ThrowWithName()
    {
        AssertMessage(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new HnswIndex(0, VectorMetric.L2)), "dimension", "0");
        AssertMessage(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new HnswIndex(4, (VectorMetric)9)), "metric");
        AssertMessage(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new HnswIndex(4, VectorMetric.L2, new HnswOptions { M = 1 })), "M", "1");
        AssertMessage(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new HnswIndex(4, VectorMetric.L2, new HnswOptions { EfConstruction = 0 })), "EfConstruction");
        AssertMessage(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new HnswIndex(4, VectorMetric.L2, new HnswOptions { EfSearch = -1 })), "EfSearch");
        AssertMessage(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new HnswIndex(4, VectorMetric.L2, new HnswOptions { BuildThreads = 0 })), "BuildThreads");
        AssertMessage(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new HnswIndex(4, VectorMetric.L2, new HnswOptions { EntryBeam = 0 })), "EntryBeam", "0");
    }

    [TestMethod]
    public void Dispose_ThenUse_ThrowsObjectDisposed()
    {
        var index = Small();
        index.Dispose();
        Assert.ThrowsExactly<ObjectDisposedException>(() => index.Search([1, 0], 1));
        Assert.ThrowsExactly<ObjectDisposedException>(() => index.Add([9], [1, 1]));
    }

    [TestMethod]
    public void Properties_Report_Shape()
    {
        using var index = Small();
        Assert.AreEqual(2, index.Dimension);
        Assert.AreEqual(VectorMetric.Cosine, index.Metric);
        Assert.IsFalse(index.IsExact);
        Assert.IsTrue(index.IsTrained);
        Assert.AreEqual(1, index.Count);
    }
}
