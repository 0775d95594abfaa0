using System.Diagnostics;
using TwoTower.MLNet.Data;
using TwoTower.MLNet.Index;
using TwoTower.MLNet.Index.Benchmarking;
using TwoTower.MLNet.Index.Flat;
using TwoTower.MLNet.Models;
using TwoTower.MLNet.Retrieval;

namespace TwoTower.Cli.Commands;

/// <summary>
/// Quickstart's index step (DESIGN §5: train, evaluate, index, recommend): the best model's item vectors in an HNSW index,
/// its recall@10 against exact search over every user, and the recommendations served from it.
/// </summary>
internal sealed class QuickstartIndex : IDisposable
{
    /// <summary>The index kind quickstart builds.</summary>
    public const string Spec = "HNSW16";

    private const int RecallK = 10;
    private readonly IVectorIndex _index;
    private readonly IEmbeddingRecommender _model;
    private readonly SparseMatrix _seen;

    private QuickstartIndex(IVectorIndex index, IEmbeddingRecommender model, SparseMatrix seen, double buildSeconds, double recall)
    {
        _index = index;
        _model = model;
        _seen = seen;
        BuildSeconds = buildSeconds;
        RecallAt10 = recall;
    }

    /// <summary>Wall time of adding every item vector.</summary>
    public double BuildSeconds { get; }

    /// <summary>Mean share of each user's exact top 10 (inner product, nothing excluded) that the index returns.</summary>
    public double RecallAt10 { get; }

    /// <summary>Items in the index.</summary>
    public int Count => _index.Count;

    /// <summary>Builds the index (one thread, so every run prints the same recall) and measures its recall.</summary>
    public static QuickstartIndex Build(IEmbeddingRecommender model, SparseMatrix seen)
    {
        var d = model.Dimension;
        var sw = Stopwatch.StartNew();
        var index = IndexFactory.Create(Spec, d, VectorMetric.InnerProduct, buildThreads: 1);
        var ids = Enumerable.Range(0, model.Items.Count).Select(i => (long)i).ToArray();
        index.Add(ids, model.ItemVectors.Span);
        var buildSeconds = sw.Elapsed.TotalSeconds;

        using var exact = new FlatIndex(d, VectorMetric.InnerProduct);
        exact.Add(ids, model.ItemVectors.Span);
        var users = Enumerable.Range(0, model.Users.Count).ToArray();
        var queries = new float[users.Length * d];
        model.EmbedUsers(users, queries);
        var k = Math.Min(RecallK, ids.Length);
        var recall = users.Length == 0 ? double.NaN : AnnBenchmark.Recall(index.Search(queries, k), exact.Search(queries, k).Ids, k, k);
        return new QuickstartIndex(index, model, seen, buildSeconds, recall);
    }

    /// <summary>The user's top <paramref name="k"/> from the index, seen items left out (an unknown user gets the model's cold-start vector).</summary>
    public IReadOnlyList<Recommendation> Recommend(string userId, int k)
    {
        var key = _model.Users.TryGetKey(userId, out var known) ? known : -1;
        var q = new float[_model.Dimension];
        _model.EmbedUsers([key], q);
        var seen = key >= 0 && key < _seen.Rows ? _seen.RowIndices(key).ToArray() : [];
        var hits = _index.Search(q, k, new SearchOptions { Filter = id => Array.BinarySearch(seen, (int)id) < 0 });
        var list = new List<Recommendation>(k);
        var ids = hits.IdsOf(0);
        var scores = hits.ScoresOf(0);
        for (var i = 0; i < ids.Length; i++)
            if (ids[i] >= 0) list.Add(new Recommendation((int)ids[i], _model.Items.GetRawId((int)ids[i]), scores[i]));
        return list;
    }

    public void Dispose() => _index.Dispose();
}
