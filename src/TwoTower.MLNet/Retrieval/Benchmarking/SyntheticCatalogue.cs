using TwoTower.MLNet.Data;
using TwoTower.MLNet.MatrixFactorization;
using TwoTower.MLNet.Models.Baselines;
using TwoTower.MLNet.Persistence;
using TwoTower.MLNet.Training;

namespace TwoTower.MLNet.Retrieval.Benchmarking;

/// <summary>
/// A large catalogue scaled from a real dataset for latency measurements: an iALS model trained on the real interactions,
/// then every extra item is a real item's vector plus Gaussian noise (σ = 0.25 × the RMS vector entry), with the real
/// item's genres and date. Real users and histories are kept, so requests look like production ones.
/// </summary>
public sealed record SyntheticCatalogue(LoadedModel Model, ItemMetadata Items, UserMetadata? Users, Data.SparseMatrix ItemNeighbours, int RealItems)
{
    /// <summary>Builds a catalogue of <paramref name="itemCount"/> items (≥ the real item count) from a loaded dataset.</summary>
    public static SyntheticCatalogue Build(LoadedDataset dataset, int itemCount, int factors = 64, int seed = 1, int threads = 0)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        if (factors < 1) throw new ArgumentOutOfRangeException(nameof(factors), factors, "factors must be ≥ 1.");
        var data = TrainingData.Create(dataset.Interactions, null, dataset.Items, dataset.Users);
        var n0 = data.Items.Count;
        if (itemCount < n0) throw new ArgumentOutOfRangeException(nameof(itemCount), itemCount, $"The synthetic catalogue grows from the dataset's {n0} items: its size must be ≥ {n0}.");
        var mf = new ImplicitAlsTrainer(new ImplicitAlsOptions { Factors = factors, Iterations = 10, Seed = seed, Threads = threads, ComputeLoss = false }).Fit(data);
        var neighbours = ((ItemItemRecommender)new ItemItemTrainer(new ItemItemOptions { Neighbors = 100, Threads = threads }).Fit(data)).Neighbours;
        var real = mf.ItemFactors.Span;
        var rms = MathF.Sqrt(System.Numerics.Tensors.TensorPrimitives.SumOfSquares(real) / real.Length);
        var sigma = 0.25f * rms;
        var rng = new Random(seed);
        var vectors = new float[(long)itemCount * factors];
        real.CopyTo(vectors);
        var ids = new List<string>(itemCount);
        var records = new List<ItemRecord>(itemCount);
        for (var j = 0; j < n0; j++)
        {
            var id = data.Items.GetRawId(j);
            ids.Add(id);
            records.Add(dataset.Items is not null && dataset.Items.TryGet(id, out var r) ? r : new ItemRecord(id, null, Array.Empty<string>(), null));
        }
        for (var j = n0; j < itemCount; j++)
        {
            var b = rng.Next(n0);
            var row = vectors.AsSpan(j * factors, factors);
            for (var d = 0; d < factors; d++) row[d] = real[b * factors + d] + sigma * Gaussian(rng);
            var id = "syn-" + j.ToString(System.Globalization.CultureInfo.InvariantCulture);
            ids.Add(id);
            records.Add(records[b] with { Id = id, Title = $"{records[b].Title ?? records[b].Id} (variant {j / n0})" });
        }
        var items = new IdMap("item", ids);
        var model = new MatrixFactorizationModel(MatrixFactorizationModel.ImplicitModelType, data.Users, items, mf.UserFactors.ToArray(), vectors, factors);
        var seen = data.Train.ToUserItemMatrix(binary: true);
        var paddedSeen = new Data.SparseMatrix(seen.Rows, itemCount, seen.RowPointers, seen.ColumnIndices, seen.Values);
        var ptr = new int[itemCount + 1];
        neighbours.RowPointers.CopyTo(ptr, 0);
        ptr.AsSpan(n0 + 1).Fill(neighbours.RowPointers[n0]);
        var paddedNeighbours = new Data.SparseMatrix(itemCount, itemCount, ptr, neighbours.ColumnIndices, neighbours.Values);
        var genres = dataset.Items?.GenreVocabulary;
        return new SyntheticCatalogue(new LoadedModel(model, paddedSeen, null), new ItemMetadata(records, genres, "synthetic"), dataset.Users, paddedNeighbours, n0);
    }

    private static float Gaussian(Random rng)
    {
        var u1 = 1.0 - rng.NextDouble();
        var u2 = rng.NextDouble();
        return (float)(Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2));
    }
}
