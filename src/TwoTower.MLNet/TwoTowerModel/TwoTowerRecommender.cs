using System.Buffers;
using System.Text.Json;
using TwoTower.MLNet.Data;
using TwoTower.MLNet.Index.Kernels;
using TwoTower.MLNet.Models;
using TwoTower.MLNet.Persistence;

namespace TwoTower.MLNet.TwoTowerModel;

/// <summary>
/// A trained two-tower model: one vector per known user and per catalogue item (cold items embedded from
/// their features); score = user · item. An unknown user (key −1) gets the cold-start vector, the
/// normalised mean of the trained users' vectors. Thread-safe.
/// </summary>
public sealed class TwoTowerRecommender : IEmbeddingRecommender
{
    /// <summary>The model type written to model files.</summary>
    public const string TypeName = "twotower";

    private const int LayoutVersion = 1;
    private readonly float[] _userVectors;
    private readonly float[] _itemVectors;
    private readonly float[] _coldUser;
    private readonly Dictionary<string, object?> _hyper;

    /// <summary>Creates a model from its vectors (row-major, not copied).</summary>
    public TwoTowerRecommender(IdMap users, IdMap items, int dimension, float[] userVectors, float[] itemVectors, float[] coldUserVector, IReadOnlyDictionary<string, object?>? hyperParameters = null, TwoTowerQualityReport? report = null)
    {
        ArgumentNullException.ThrowIfNull(users);
        ArgumentNullException.ThrowIfNull(items);
        if (dimension < 1) throw new ArgumentOutOfRangeException(nameof(dimension), dimension, "Must be ≥ 1.");
        if (userVectors.Length != (long)users.Count * dimension)
            throw new ArgumentException($"userVectors has {userVectors.Length} values; expected users × dimension = {users.Count} × {dimension}.", nameof(userVectors));
        if (itemVectors.Length != (long)items.Count * dimension)
            throw new ArgumentException($"itemVectors has {itemVectors.Length} values; expected items × dimension = {items.Count} × {dimension}.", nameof(itemVectors));
        if (coldUserVector.Length != dimension)
            throw new ArgumentException($"coldUserVector has {coldUserVector.Length} values; expected the dimension {dimension}.", nameof(coldUserVector));
        Users = users;
        Items = items;
        Dimension = dimension;
        _userVectors = userVectors;
        _itemVectors = itemVectors;
        _coldUser = coldUserVector;
        _hyper = hyperParameters is null ? new() : new(hyperParameters);
        Report = report;
    }

    /// <inheritdoc />
    public string ModelType => TypeName;

    /// <inheritdoc />
    public IdMap Users { get; }

    /// <inheritdoc />
    public IdMap Items { get; }

    /// <inheritdoc />
    public int Dimension { get; }

    /// <inheritdoc />
    public ReadOnlyMemory<float> ItemVectors => _itemVectors;

    /// <summary>User vectors, row-major Users.Count × Dimension.</summary>
    public ReadOnlyMemory<float> UserVectors => _userVectors;

    /// <summary>The vector given to users unknown to the model.</summary>
    public ReadOnlyMemory<float> ColdUserVector => _coldUser;

    /// <summary>The training report (null when loaded from a file written without one).</summary>
    public TwoTowerQualityReport? Report { get; }

    /// <inheritdoc />
    public void EmbedUsers(ReadOnlySpan<int> userKeys, Span<float> vectors)
    {
        var d = Dimension;
        if (vectors.Length < userKeys.Length * d)
            throw new ArgumentException($"vectors has {vectors.Length} values; keys × dimension = {userKeys.Length * d} expected.", nameof(vectors));
        for (var r = 0; r < userKeys.Length; r++)
        {
            var k = userKeys[r];
            ReadOnlySpan<float> src = k == -1 ? _coldUser
                : (uint)k < (uint)Users.Count ? _userVectors.AsSpan(k * d, d)
                : throw new ArgumentOutOfRangeException(nameof(userKeys), k, $"User key at position {r} must be -1 (unknown user) or in [0, {Users.Count}).");
            src.CopyTo(vectors.Slice(r * d, d));
        }
    }

    /// <inheritdoc />
    public void Score(ReadOnlySpan<int> userKeys, Span<float> scores)
    {
        var n = userKeys.Length;
        var m = Items.Count;
        if (scores.Length < (long)n * m)
            throw new ArgumentException($"scores has {scores.Length} values; users × items = {n} × {m} expected.", nameof(scores));
        if (n == 0) return;
        var buffer = ArrayPool<float>.Shared.Rent(n * Dimension);
        try
        {
            EmbedUsers(userKeys, buffer);
            Gemm.MultiplyTransposedB(buffer.AsSpan(0, n * Dimension), _itemVectors, scores[..(n * m)], n, m, Dimension);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(buffer);
        }
    }

    /// <inheritdoc />
    public void Save(ModelContainerWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.AddJson("twotower.json", new Dictionary<string, object?> { ["layoutVersion"] = LayoutVersion, ["dimension"] = Dimension, ["hyperParameters"] = _hyper });
        writer.AddIdMap("users.txt", Users);
        writer.AddIdMap("items.txt", Items);
        writer.AddFloats("user_vectors", _userVectors, Users.Count, Dimension);
        writer.AddFloats("item_vectors", _itemVectors, Items.Count, Dimension);
        writer.AddFloats("cold_user_vector", _coldUser, Dimension);
        if (Report is not null) writer.AddJson("report.json", Report);
    }

    /// <summary>Loads a model written by <see cref="Save"/>; the container has already validated checksums.</summary>
    public static TwoTowerRecommender Load(ModelContainerReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        if (reader.ModelType != TypeName)
            throw new ModelFormatException(reader.Path, $"model type is '{reader.ModelType}', expected '{TypeName}'.");
        var header = reader.ReadJson<Dictionary<string, JsonElement>>("twotower.json");
        var layout = header.TryGetValue("layoutVersion", out var lv) ? lv.GetInt32() : 0;
        if (layout != LayoutVersion)
            throw new ModelFormatException(reader.Path, $"two-tower layout version {layout} is not supported (expected {LayoutVersion}).");
        var d = header["dimension"].GetInt32();
        var users = reader.ReadIdMap("users.txt", "user");
        var items = reader.ReadIdMap("items.txt", "item");
        var hyper = new Dictionary<string, object?>();
        if (header.TryGetValue("hyperParameters", out var hp) && hp.ValueKind == JsonValueKind.Object)
            foreach (var p in hp.EnumerateObject()) hyper[p.Name] = p.Value.ToString();
        var report = reader.Contains("report.json") ? reader.ReadJson<TwoTowerQualityReport>("report.json") : null;
        return new TwoTowerRecommender(users, items, d,
            reader.ReadFloats("user_vectors", users.Count, d),
            reader.ReadFloats("item_vectors", items.Count, d),
            reader.ReadFloats("cold_user_vector", d),
            hyper, report);
    }

    /// <inheritdoc />
    public IReadOnlyDictionary<string, object?> Describe()
    {
        var r = new Dictionary<string, object?>(_hyper)
        {
            ["model"] = TypeName,
            ["users"] = Users.Count,
            ["items"] = Items.Count,
            ["dimension"] = Dimension,
        };
        if (Report is not null)
        {
            r["epochs_run"] = Report.EpochsRun;
            r["best_epoch"] = Report.BestEpoch;
            r["final_loss"] = Report.LossCurve.Count > 0 ? Report.LossCurve[^1] : null;
            r["training_seconds"] = Report.TrainingSeconds;
            r["neighbour_genre_coherence"] = Report.NeighbourGenreCoherence;
            r["genre_base_rate"] = Report.GenreBaseRate;
            r["catalogue_coverage@10"] = Report.CatalogueCoverageAt10;
            r["loss_curve"] = Report.LossCurve.Select(l => Math.Round(l, 4)).ToArray();
            r["item_vector_norms"] = Report.ItemVectorNorms.Select(v => Math.Round(v, 4)).ToArray();
        }
        return r;
    }
}
