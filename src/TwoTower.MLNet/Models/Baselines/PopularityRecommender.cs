using TwoTower.MLNet.Data;
using TwoTower.MLNet.Persistence;
using TwoTower.MLNet.Training;

namespace TwoTower.MLNet.Models.Baselines;

/// <summary>Most-popular baseline: every user gets the items ordered by training interaction count.</summary>
public sealed class PopularityRecommender : IRecommender
{
    /// <summary>Model type name.</summary>
    public const string TypeName = "popularity";

    private readonly float[] _counts;

    /// <summary>Creates the model from per-item interaction counts (length = items.Count).</summary>
    public PopularityRecommender(IdMap users, IdMap items, float[] counts)
    {
        if (counts.Length != items.Count)
            throw new ArgumentException($"counts has {counts.Length} entries; the catalogue has {items.Count} items.", nameof(counts));
        Users = users;
        Items = items;
        _counts = counts;
    }

    /// <inheritdoc/>
    public string ModelType => TypeName;

    /// <inheritdoc/>
    public IdMap Users { get; }

    /// <inheritdoc/>
    public IdMap Items { get; }

    /// <summary>Interaction count per item key.</summary>
    public ReadOnlySpan<float> Counts => _counts;

    /// <inheritdoc/>
    public void Score(ReadOnlySpan<int> userKeys, Span<float> scores)
    {
        var n = Items.Count;
        ModelGuards.CheckScoreArgs(this, userKeys, scores);
        for (var b = 0; b < userKeys.Length; b++) _counts.CopyTo(scores.Slice(b * n, n));
    }

    /// <inheritdoc/>
    public void Save(ModelContainerWriter writer)
    {
        writer.AddIdMap("users.ids", Users);
        writer.AddIdMap("items.ids", Items);
        writer.AddFloats("counts", _counts, _counts.Length);
    }

    /// <summary>Loads the model from a validated container.</summary>
    public static PopularityRecommender Load(ModelContainerReader reader)
    {
        var users = reader.ReadIdMap("users.ids", "user");
        var items = reader.ReadIdMap("items.ids", "item");
        return new PopularityRecommender(users, items, reader.ReadFloats("counts", items.Count));
    }

    /// <inheritdoc/>
    public IReadOnlyDictionary<string, object?> Describe() => new Dictionary<string, object?>
    {
        ["model"] = TypeName,
        ["users"] = Users.Count,
        ["items"] = Items.Count,
        ["items_with_interactions"] = _counts.Count(c => c > 0),
    };
}

/// <summary>Fits <see cref="PopularityRecommender"/>: counts training interactions per item (repeats count).</summary>
public sealed class PopularityTrainer : IRecommenderTrainer
{
    /// <inheritdoc/>
    public string ModelType => PopularityRecommender.TypeName;

    /// <inheritdoc/>
    public IRecommender Fit(TrainingData data, IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(data);
        var counts = new float[data.Items.Count];
        foreach (var i in data.Train.ItemKeys) counts[i]++;
        progress?.Report(new TrainingProgress("count", 1, 1));
        return new PopularityRecommender(data.Users, data.Items, counts);
    }
}
