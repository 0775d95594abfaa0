using Microsoft.ML;
using TwoTower.MLNet.MatrixFactorization;

namespace TwoTower.MLNet.Tests.Catalog;

/// <summary>The p2 split loaded through ML.NET, and iALS (fits in well under a second) for the catalog tests.</summary>
internal static class CatalogFixture
{
    public static string TrainPath => TestPaths.Split("p2", "train");

    public static string TestPath => TestPaths.Split("p2", "test");

    public static IDataView Load(MLContext ml, string path) => ml.Data.LoadFromTextFile<InteractionRow>(path, separatorChar: ',', hasHeader: true);

    /// <summary>Small iALS options (fixed seed, one thread: bit-for-bit repeatable).</summary>
    public static MatrixFactorizationOptions Mf(string user = "UserId", string item = "ItemId") => new()
    {
        UserIdColumn = user,
        ItemIdColumn = item,
        Als = new ImplicitAlsOptions { Factors = 16, Iterations = 4, Seed = 3, Threads = 1 },
    };

    /// <summary>User → training items, read straight from the CSV (an oracle independent of the catalog).</summary>
    public static Dictionary<string, HashSet<string>> SeenByUser(string path)
    {
        var seen = new Dictionary<string, HashSet<string>>();
        foreach (var line in File.ReadLines(path).Skip(1))
        {
            var f = line.Split(',');
            if (!seen.TryGetValue(f[0], out var set)) seen[f[0]] = set = [];
            set.Add(f[1]);
        }
        return seen;
    }

    /// <summary>Brute-force top-k by inner product (ties by lower item key), excluding <paramref name="exclude"/>.</summary>
    public static (string[] Ids, float[] Scores) BruteForce(TwoTower.MLNet.Models.IEmbeddingRecommender model, string user, int k, ISet<string>? exclude)
    {
        var key = model.Users.TryGetKey(user, out var u) ? u : -1;
        var q = new float[model.Dimension];
        model.EmbedUsers([key], q);
        var items = model.ItemVectors.ToArray();
        var scored = new List<(float Score, int Item)>();
        for (var i = 0; i < model.Items.Count; i++)
        {
            if (exclude is not null && exclude.Contains(model.Items.GetRawId(i))) continue;
            var s = 0f;
            for (var j = 0; j < model.Dimension; j++) s += q[j] * items[i * model.Dimension + j];
            scored.Add((s, i));
        }
        var top = scored.OrderByDescending(x => x.Score).ThenBy(x => x.Item).Take(k).ToArray();
        return (top.Select(t => model.Items.GetRawId(t.Item)).ToArray(), top.Select(t => t.Score).ToArray());
    }
}
