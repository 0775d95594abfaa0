using TwoTower.MLNet.Data;
using TwoTower.MLNet.Features;
using TwoTower.MLNet.TwoTowerModel;

namespace TwoTower.MLNet.Tests.TwoTowerModel;

[TestClass]
public sealed class EmbeddingDiagnosticsTests
{
    [TestMethod]
    public void GenreBaseRate_HandComputed()
    {
        // Items: {0}, {0}, {1}, {0,1}, {} (no genre). Ordered pairs (item with a genre, any other item): 4·4 = 16.
        // Sharing: (0,1),(0,3),(1,3),(2,3) both ways = 8; pairs with the genre-less item 4 share none, as in the coherence.
        var genres = Bag([0], [0], [1], [0, 1], []);
        Assert.AreEqual(8.0 / 16.0, EmbeddingDiagnostics.GenreBaseRate(genres, 5)!.Value, 1e-12);
    }

    [TestMethod]
    public void GenreBaseRate_NoItemWithGenres_IsNull_OneIsZero()
    {
        Assert.IsNull(EmbeddingDiagnostics.GenreBaseRate(Bag([], [], []), 3));
        Assert.AreEqual(0.0, EmbeddingDiagnostics.GenreBaseRate(Bag([3], [], []), 3)!.Value);
    }

    [TestMethod]
    public void GenreBaseRate_IsTheCoherenceOfRandomVectors_WhenManyItemsLackGenres()
    {
        // Random embeddings carry no genre information, so their neighbours' coherence is the base rate; half the items
        // have no genre, which the coherence counts as non-sharing neighbours and the base rate must count too.
        var rng = new Random(13);
        const int n = 2000, d = 16;
        var rows = Enumerable.Range(0, n).Select(i => i % 2 == 0 ? new[] { rng.Next(3) } : Array.Empty<int>()).ToArray();
        var genres = Bag(rows);
        var vectors = Enumerable.Range(0, n * d).Select(_ => (float)rng.NextDouble() - 0.5f).ToArray();
        var coherence = EmbeddingDiagnostics.NeighbourGenreCoherence(vectors, n, d, genres, threads: 1)!.Value;
        var baseRate = EmbeddingDiagnostics.GenreBaseRate(genres, n)!.Value;
        Assert.AreEqual(1 / 6.0, baseRate, 0.01, "a third of the genre items share, and half the neighbours have a genre");
        Assert.AreEqual(baseRate, coherence, 0.02);
    }

    [TestMethod]
    public void GenreBaseRate_EqualsBruteForceOverPairs()
    {
        var rng = new Random(5);
        for (var trial = 0; trial < 20; trial++)
        {
            var (genres, sets) = RandomGenres(rng, rng.Next(2, 60), vocabulary: rng.Next(1, 130));
            long shared = 0, total = 0;
            for (var i = 0; i < sets.Length; i++)
                for (var j = 0; j < sets.Length; j++)
                    if (i != j && sets[i].Count > 0) { total++; if (sets[i].Overlaps(sets[j])) shared++; }
            var got = EmbeddingDiagnostics.GenreBaseRate(genres, sets.Length);
            if (total == 0) Assert.IsNull(got);
            else Assert.AreEqual((double)shared / total, got!.Value, 1e-12, $"trial {trial}");
        }
    }

    [TestMethod]
    public void NeighbourGenreCoherence_HandComputed()
    {
        // 12 items on a line: items 0-5 of genre 0 at x = 0..5, items 6-11 of genre 1 at x = 100..105 (1-d vectors, dot product).
        // Dot-product neighbours of x > 0 are the largest x: items 11, 10, ... so every genre-0 query (x ≥ 1) finds 10 of
        // genre 1 among its top 10 except what is left of its own; item 0 (x = 0) scores every item 0 and ties go to the lowest index.
        var vectors = new float[] { 0, 1, 2, 3, 4, 5, 100, 101, 102, 103, 104, 105 };
        var genres = Bag([0], [0], [0], [0], [0], [0], [1], [1], [1], [1], [1], [1]);
        // Genre-0 queries 1..5: top 10 = items 11..6 (6 of genre 1) and the 4 largest of genre 0 other than itself → 4 shared.
        // Query 0: all scores 0, ties → lowest indices 1..10: items 1..5 shared (5). Genre-1 queries: top 10 = the 5 other
        // genre-1 items (all larger than any genre-0 item) and the 5 largest genre-0 items → 5 shared.
        var expected = (5 * 4 + 5 + 6 * 5) / 120.0;
        Assert.AreEqual(expected, EmbeddingDiagnostics.NeighbourGenreCoherence(vectors, 12, 1, genres, threads: 1)!.Value, 1e-12);
    }

    [TestMethod]
    public void NeighbourGenreCoherence_EqualsBruteForce_AnyThreadCountAndSample()
    {
        var rng = new Random(11);
        foreach (var (n, d, maxQueries) in new[] { (40, 8, 5_000), (300, 16, 5_000), (300, 16, 70), (130, 3, 1) })
        {
            var (genres, sets) = RandomGenres(rng, n, vocabulary: 6);
            var vectors = Enumerable.Range(0, n * d).Select(_ => (float)rng.NextDouble() - 0.5f).ToArray();
            var withGenre = Enumerable.Range(0, n).Where(i => sets[i].Count > 0).ToArray();
            var step = Math.Max(1, (withGenre.Length + maxQueries - 1) / maxQueries);
            long shared = 0, total = 0;
            for (var p = 0; p < withGenre.Length; p += step)
            {
                var i = withGenre[p];
                var neighbours = Enumerable.Range(0, n).Where(j => j != i)
                    .Select(j => (j, s: Enumerable.Range(0, d).Sum(c => (double)vectors[i * d + c] * vectors[j * d + c])))
                    .OrderByDescending(t => t.s).ThenBy(t => t.j).Take(10);
                foreach (var (j, _) in neighbours) { total++; if (sets[i].Overlaps(sets[j])) shared++; }
            }
            foreach (var threads in new[] { 1, 2 })
                Assert.AreEqual((double)shared / total, EmbeddingDiagnostics.NeighbourGenreCoherence(vectors, n, d, genres, threads, maxQueries)!.Value, 1e-12, $"n {n}, sample {maxQueries}, threads {threads}");
        }
    }

    [TestMethod]
    public void NeighbourGenreCoherence_TooFewItems_IsNull()
    {
        var genres = Bag(Enumerable.Range(0, 11).Select(_ => new[] { 0 }).ToArray());
        Assert.IsNull(EmbeddingDiagnostics.NeighbourGenreCoherence(new float[11], 11, 1, genres, threads: 1));
    }

    [TestMethod]
    public void CatalogueCoverageAt10_EqualsUnionOfEveryUsersTop10()
    {
        var rng = new Random(3);
        const int nUsers = 600, nItems = 90, d = 4; // several scoring blocks of users
        var userVectors = Enumerable.Range(0, nUsers * d).Select(_ => (float)rng.NextDouble() - 0.5f).ToArray();
        var itemVectors = Enumerable.Range(0, nItems * d).Select(_ => (float)(rng.NextDouble() - 0.5) * (rng.Next(4) == 0 ? 0.01f : 1f)).ToArray();
        var model = new TwoTowerRecommender(new IdMap("user", Enumerable.Range(0, nUsers).Select(i => $"u{i}")), new IdMap("item", Enumerable.Range(0, nItems).Select(i => $"i{i}")),
            d, userVectors, itemVectors, new float[d]);
        var seen = new HashSet<int>();
        for (var u = 0; u < nUsers; u++)
            foreach (var j in Enumerable.Range(0, nItems).OrderByDescending(j => Enumerable.Range(0, d).Sum(c => userVectors[u * d + c] * itemVectors[j * d + c])).ThenBy(j => j).Take(10))
                seen.Add(j);
        Assert.IsLessThan(nItems, seen.Count, "the test needs items no user sees");
        foreach (var threads in new[] { 1, 2 })
            Assert.AreEqual(seen.Count / (double)nItems, EmbeddingDiagnostics.CatalogueCoverageAt10(model, threads), 1e-12);
    }

    [TestMethod]
    public void Diagnostics_CancelledToken_Throw()
    {
        // The quality report runs after the last epoch and took about 7 s at 40k users × 50k items without looking at the token.
        var rng = new Random(3);
        const int n = 40, d = 4;
        var vectors = Enumerable.Range(0, n * d).Select(_ => (float)rng.NextDouble() - 0.5f).ToArray();
        var genres = Bag(Enumerable.Range(0, n).Select(i => new[] { i % 3 }).ToArray());
        var model = new TwoTowerRecommender(new IdMap("user", Enumerable.Range(0, n).Select(i => $"u{i}")), new IdMap("item", Enumerable.Range(0, n).Select(i => $"i{i}")),
            d, vectors, vectors, new float[d]);
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        Assert.ThrowsExactly<OperationCanceledException>(() => EmbeddingDiagnostics.NeighbourGenreCoherence(vectors, n, d, genres, threads: 2, cancellationToken: cts.Token));
        Assert.ThrowsExactly<OperationCanceledException>(() => EmbeddingDiagnostics.CatalogueCoverageAt10(model, threads: 2, cts.Token));
    }

    private static BagFeature Bag(params int[][] rows)
    {
        var offsets = new int[rows.Length + 1];
        for (var i = 0; i < rows.Length; i++) offsets[i + 1] = offsets[i] + rows[i].Length;
        var vocabulary = rows.SelectMany(r => r).DefaultIfEmpty(0).Max() + 1;
        return new BagFeature(ItemFeatureBuilder.Genres, vocabulary, offsets, rows.SelectMany(r => r).ToArray());
    }

    private static (BagFeature Bag, HashSet<int>[] Sets) RandomGenres(Random rng, int n, int vocabulary)
    {
        var sets = new HashSet<int>[n];
        var rows = new int[n][];
        for (var i = 0; i < n; i++)
        {
            sets[i] = new HashSet<int>(Enumerable.Range(0, rng.Next(0, 4)).Select(_ => rng.Next(vocabulary)));
            rows[i] = sets[i].ToArray();
        }
        var offsets = new int[n + 1];
        for (var i = 0; i < n; i++) offsets[i + 1] = offsets[i] + rows[i].Length;
        return (new BagFeature(ItemFeatureBuilder.Genres, vocabulary, offsets, rows.SelectMany(r => r).ToArray()), sets);
    }
}
