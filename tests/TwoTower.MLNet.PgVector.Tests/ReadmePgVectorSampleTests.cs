using Npgsql;
using TwoTower.MLNet.Index;

namespace TwoTower.MLNet.PgVector.Tests;

/// <summary>The pgvector sample in README.md is this method's body: one test keeps them identical, one runs it.</summary>
[TestClass]
public sealed class ReadmePgVectorSampleTests
{
    private static SearchResults Sample(string connectionString, long[] itemIds, float[] itemVectors, float[] userVector)
    {
        // README-SAMPLE-BEGIN pgvector
        using var index = PgVectorIndex.Open(connectionString, dimension: 64, VectorMetric.InnerProduct,
            new PgVectorOptions { Table = "movie_vectors", M = 16, EfConstruction = 64, EfSearch = 100 });
        index.Add(itemIds, itemVectors);                                  // item tower outputs, 64 floats a row
        var hits = index.Search(userVector, k: 10, new SearchOptions { Filter = id => id != 50 });
        for (var j = 0; j < hits.K; j++) Console.WriteLine($"{hits.Ids[j]} {hits.Scores[j]:0.000}");
        // README-SAMPLE-END pgvector
        return hits;
    }

    [TestMethod]
    public void PgVectorSample_Runs()
    {
        // Unpooled: PGlite serves one connection at a time, so this one must be closed before the sample opens its own.
        using (var conn = new NpgsqlConnection(TestDatabase.ConnectionString + ";Pooling=false"))
        {
            conn.Open();
            using var drop = new NpgsqlCommand("DROP TABLE IF EXISTS movie_vectors", conn);
            drop.ExecuteNonQuery();
        }
        var rng = new Random(7);
        var vectors = Enumerable.Range(0, 500 * 64).Select(_ => (float)rng.NextDouble() - 0.5f).ToArray();
        var hits = Sample(TestDatabase.ConnectionString, Enumerable.Range(0, 500).Select(i => (long)i).ToArray(), vectors, vectors.AsSpan(50 * 64, 64).ToArray());
        Assert.AreEqual(10, hits.Ids.Count(id => id >= 0));
        Assert.DoesNotContain(50L, hits.Ids, "the filter leaves out item 50, the query's own vector");
    }

    [TestMethod]
    public void PgVectorSample_IsTheSampleInTheReadme() =>
        ReadmeSample.AssertInReadme(Path.Combine("tests", "TwoTower.MLNet.PgVector.Tests", "ReadmePgVectorSampleTests.cs"), "pgvector");
}
