using System.Diagnostics;
using TwoTower.MLNet;
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
    private readonly FittedRecommender _served;

    private QuickstartIndex(IVectorIndex index, FittedRecommender served, double buildSeconds, double recall)
    {
        _index = index;
        _served = served;
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
    /// <param name="model">The model whose item vectors are indexed.</param>
    /// <param name="training">Its training interactions (encoded with its maps), the seen items left out of recommendations.</param>
    public static QuickstartIndex Build(IEmbeddingRecommender model, Interactions training)
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
        return new QuickstartIndex(index, FittedRecommender.Create(model, training).WithIndex(index, description: Spec), buildSeconds, recall);
    }

    /// <summary>The user's top <paramref name="k"/> from the index, seen items left out (an unknown user gets the model's cold-start vector).</summary>
    public IReadOnlyList<Recommendation> Recommend(string userId, int k) => _served.Recommend(userId, k, excludeSeen: true);

    public void Dispose() => _index.Dispose();
}
