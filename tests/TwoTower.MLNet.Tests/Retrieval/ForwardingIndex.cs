using TwoTower.MLNet.Index;

namespace TwoTower.MLNet.Tests.Retrieval;

/// <summary>
/// An index that passes every call on to another: a test overrides the calls it changes (a shared index that fails, stalls or
/// answers wrongly) and the engine keeps working on the real index behind it.
/// </summary>
internal abstract class ForwardingIndex(IVectorIndex inner) : IVectorIndex
{
    protected IVectorIndex Inner => inner;

    public int Dimension => inner.Dimension;

    public int Count => inner.Count;

    public int RemovedCount => inner.RemovedCount;

    public VectorMetric Metric => inner.Metric;

    public bool IsExact => inner.IsExact;

    public bool IsTrained => inner.IsTrained;

    public virtual void Train(ReadOnlySpan<float> vectors) => inner.Train(vectors);

    public virtual void Add(ReadOnlySpan<long> ids, ReadOnlySpan<float> vectors) => inner.Add(ids, vectors);

    public virtual SearchResults Search(ReadOnlySpan<float> queries, int k, SearchOptions? options = null) => inner.Search(queries, k, options);

    public virtual bool Remove(long id) => inner.Remove(id);

    public virtual void Replace(long id, ReadOnlySpan<float> vector) => inner.Replace(id, vector);

    public virtual void Compact() => inner.Compact();

    public virtual void Compact(CancellationToken cancellationToken) => inner.Compact(cancellationToken);

    public virtual void Save(string path) => inner.Save(path);

    public virtual void Dispose() => inner.Dispose();
}
