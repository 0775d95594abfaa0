using TwoTower.MLNet.Data;
using TwoTower.MLNet.MatrixFactorization;
using TwoTower.MLNet.Persistence;
using TwoTower.MLNet.Training;
using TwoTower.MLNet.TwoTowerModel;

namespace TwoTower.MLNet.Tests.Retrieval;

/// <summary>A small deterministic world: an MF model with random factors, random histories, items with genres and dates. Also compiled into TwoTower.Serving.Tests.</summary>
internal static class RetrievalFixture
{
    public static readonly string[] Genres = { "Action", "Comedy", "Drama" };

    public static LoadedModel Model(int users = 20, int items = 30, int dim = 4, int seed = 7, int perUser = 12)
    {
        var rng = new Random(seed);
        var userMap = new IdMap("user", Enumerable.Range(1, users).Select(i => i.ToString()));
        var itemMap = new IdMap("item", Enumerable.Range(1, items).Select(i => i.ToString()));
        var uf = Enumerable.Range(0, users * dim).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
        var itf = Enumerable.Range(0, items * dim).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
        var model = new MatrixFactorizationModel(MatrixFactorizationModel.ImplicitModelType, userMap, itemMap, uf, itf, dim);
        var rows = new List<int>();
        var cols = new List<int>();
        for (var u = 0; u < users; u++)
            foreach (var i in Enumerable.Range(0, items).OrderBy(_ => rng.Next()).Take(perUser))
            {
                rows.Add(u);
                cols.Add(i);
            }
        var seen = SparseMatrix.FromCoordinates(users, items, rows.ToArray(), cols.ToArray(), Enumerable.Repeat(1f, rows.Count).ToArray());
        return new LoadedModel(model, seen, null);
    }

    public static ItemMetadata Items(int items = 30) => new(Enumerable.Range(1, items).Select(i =>
        new ItemRecord(i.ToString(), $"Movie {i}", new[] { Genres[i % 3] }.Concat(i % 5 == 0 ? new[] { Genres[(i + 1) % 3] } : Array.Empty<string>()).ToArray(),
            new DateOnly(1990 + i % 10, 1, 1))), Genres);

    /// <summary>A small two-tower model trained on <see cref="Model"/>'s histories with <see cref="Items"/> (d 4, 3 epochs, one thread).</summary>
    public static TwoTowerRecommender TrainTwoTower(UserMetadata? users = null)
    {
        var log = new InteractionLog("fixture");
        var seen = Model().Seen!;
        for (var u = 0; u < seen.Rows; u++)
            foreach (var i in seen.RowIndices(u)) log.Add((u + 1).ToString(), (i + 1).ToString());
        var options = new global::TwoTower.MLNet.TwoTowerModel.TwoTowerTrainerOptions { EmbeddingDimension = 4, FeatureEmbeddingDimension = 4, HiddenLayers = [8], Epochs = 3, BatchSize = 64, Threads = 1 };
        return new TwoTowerTrainer(options).Train(TrainingData.Create(log, null, Items(), users));
    }

    public static UserMetadata Users(int users = 20) => new(Enumerable.Range(1, users).Select(u =>
        new UserRecord(u.ToString(), 15 + u * 2, u % 2 == 0 ? "F" : "M", u % 3 == 0 ? "student" : "engineer", null)));
}
