using TwoTower.MLNet.Data;
using TwoTower.MLNet.Persistence;
using TwoTower.MLNet.Training;

namespace TwoTower.MLNet.Models.Baselines;

/// <summary>
/// Random baseline: a seeded hash of (seed, user, item) gives each pair a fixed uniform score in [0, 1),
/// so results do not depend on batching or threads. The floor every model must clear.
/// </summary>
public sealed class RandomRecommender : IRecommender
{
    /// <summary>Model type name.</summary>
    public const string TypeName = "random";

    /// <summary>Creates the model.</summary>
    public RandomRecommender(IdMap users, IdMap items, int seed)
    {
        Users = users;
        Items = items;
        Seed = seed;
    }

    /// <inheritdoc/>
    public string ModelType => TypeName;

    /// <inheritdoc/>
    public IdMap Users { get; }

    /// <inheritdoc/>
    public IdMap Items { get; }

    /// <summary>The seed of the score hash.</summary>
    public int Seed { get; }

    /// <inheritdoc/>
    public void Score(ReadOnlySpan<int> userKeys, Span<float> scores)
    {
        ModelGuards.CheckScoreArgs(this, userKeys, scores);
        var n = Items.Count;
        for (var b = 0; b < userKeys.Length; b++)
        {
            var row = scores.Slice(b * n, n);
            var userHash = Mix(((ulong)(uint)Seed << 32) ^ (uint)userKeys[b]);
            for (var i = 0; i < n; i++)
                row[i] = (Mix(userHash ^ (ulong)i) >> 40) * (1f / (1 << 24));
        }
    }

    // SplitMix64 finaliser: cheap, well mixed, stable across platforms.
    private static ulong Mix(ulong x)
    {
        x += 0x9E3779B97F4A7C15UL;
        x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9UL;
        x = (x ^ (x >> 27)) * 0x94D049BB133111EBUL;
        return x ^ (x >> 31);
    }

    /// <inheritdoc/>
    public void Save(ModelContainerWriter writer)
    {
        writer.AddIdMap("users.ids", Users);
        writer.AddIdMap("items.ids", Items);
        writer.AddJson("params", new Dictionary<string, int> { ["seed"] = Seed });
    }

    /// <summary>Loads the model from a validated container.</summary>
    public static RandomRecommender Load(ModelContainerReader reader)
    {
        var p = reader.ReadJson<Dictionary<string, int>>("params");
        if (!p.TryGetValue("seed", out var seed)) throw new ModelFormatException(reader.Path, "params has no 'seed'.");
        return new RandomRecommender(reader.ReadIdMap("users.ids", "user"), reader.ReadIdMap("items.ids", "item"), seed);
    }

    /// <inheritdoc/>
    public IReadOnlyDictionary<string, object?> Describe() => new Dictionary<string, object?>
    {
        ["model"] = TypeName,
        ["users"] = Users.Count,
        ["items"] = Items.Count,
        ["seed"] = Seed,
    };
}

/// <summary>Creates a <see cref="RandomRecommender"/> over the training catalogue.</summary>
public sealed class RandomTrainer : IRecommenderTrainer
{
    /// <summary>Creates the trainer with a seed.</summary>
    public RandomTrainer(int seed = 0) => Seed = seed;

    /// <summary>The seed.</summary>
    public int Seed { get; }

    /// <inheritdoc/>
    public string ModelType => RandomRecommender.TypeName;

    /// <inheritdoc/>
    public IRecommender Fit(TrainingData data, IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(data);
        return new RandomRecommender(data.Users, data.Items, Seed);
    }
}
