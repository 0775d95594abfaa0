using System.Buffers;
using System.Text.Json;
using TwoTower.MLNet.Data;
using TwoTower.MLNet.Features;
using TwoTower.MLNet.Index.Kernels;
using TwoTower.MLNet.Models;
using TwoTower.MLNet.Persistence;
using TwoTower.MLNet.Towers;

namespace TwoTower.MLNet.TwoTowerModel;

/// <summary>
/// A trained two-tower model: one vector per known user and per catalogue item (cold items embedded from
/// their features); score = user · item. An unknown user (key −1) gets the cold-start vector, the
/// normalised mean of the trained users' vectors. A model fresh from training also keeps both towers
/// (<see cref="UserTower"/>, <see cref="ItemTower"/>): new items and users are then embedded from their
/// features (<see cref="EmbedNewItem"/>, <see cref="EmbedNewUser"/>) and the towers export to ONNX. Thread-safe.
/// </summary>
public sealed class TwoTowerRecommender : IEmbeddingRecommender
{
    /// <summary>The model type written to model files.</summary>
    public const string TypeName = "twotower";

    // Layout 2 adds the towers (optional entries); layout 1 files (vectors only) still load.
    private const int LayoutVersion = 2;
    private readonly float[] _userVectors;
    private readonly float[] _itemVectors;
    private readonly float[] _coldUser;
    private readonly Dictionary<string, object?> _hyper;

    /// <summary>Creates a model from its vectors (row-major, not copied) and, optionally, the towers that computed them.</summary>
    /// <exception cref="ArgumentException">A size does not match, or a tower's output dimension or entity count differs from the model's.</exception>
    public TwoTowerRecommender(IdMap users, IdMap items, int dimension, float[] userVectors, float[] itemVectors, float[] coldUserVector, IReadOnlyDictionary<string, object?>? hyperParameters = null, TwoTowerQualityReport? report = null,
        TowerWeights? userTower = null, TowerWeights? itemTower = null)
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
        if (userTower is not null && (userTower.OutputDimension != dimension || userTower.EntityCount != users.Count))
            throw new ArgumentException($"userTower embeds {userTower.EntityCount} users into {userTower.OutputDimension} dimensions; the model has {users.Count} users and dimension {dimension}.", nameof(userTower));
        if (itemTower is not null && (itemTower.OutputDimension != dimension || itemTower.EntityCount != items.Count))
            throw new ArgumentException($"itemTower embeds {itemTower.EntityCount} items into {itemTower.OutputDimension} dimensions; the model has {items.Count} items and dimension {dimension}.", nameof(itemTower));
        UserTower = userTower;
        ItemTower = itemTower;
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

    /// <summary>The trained user (query) tower, or null (an ensemble, or a file of layout 1).</summary>
    public TowerWeights? UserTower { get; }

    /// <summary>The trained item tower, or null (an ensemble, or a file of layout 1).</summary>
    public TowerWeights? ItemTower { get; }

    /// <summary>
    /// The vector of an item the model has never seen, from its raw features through the item tower (no id embedding:
    /// it enters like an item without training interactions). No retraining; add the vector to an index to serve it.
    /// </summary>
    /// <exception cref="InvalidOperationException">The model has no item tower, or the item tower has no features to read.</exception>
    /// <exception cref="ArgumentException">A feature name is unknown to the tower or a numeric value is not finite.</exception>
    public float[] EmbedNewItem(RawFeatures features) => EmbedNew(ItemTower, "item", features);

    /// <summary>The vector of a user unknown to the model, from raw features through the user tower (zero id embedding).</summary>
    /// <exception cref="InvalidOperationException">The model has no user tower, or the user tower has no features to read.</exception>
    /// <exception cref="ArgumentException">A feature name is unknown to the tower or a numeric value is not finite.</exception>
    public float[] EmbedNewUser(RawFeatures features) => EmbedNew(UserTower, "user", features);

    private float[] EmbedNew(TowerWeights? tower, string kind, RawFeatures features)
    {
        ArgumentNullException.ThrowIfNull(features);
        if (tower is null)
            throw new InvalidOperationException($"This two-tower model has no {kind} tower (an ensemble, or a file saved before towers were kept): new {kind}s cannot be embedded from features. Retrain to get one.");
        var schema = tower.Features;
        if (schema.IsEmpty)
            throw new InvalidOperationException($"The {kind} tower was trained without {kind} features (ids only), so a new {kind} has nothing to be embedded from.");
        var vector = new float[Dimension];
        tower.Embed(-1, schema.Encode(features), vector);
        return vector;
    }

    /// <summary>The softmax temperature the model was trained with (scores / T are its logits), or null when the file does not say.</summary>
    public float? Temperature => Setting("temperature") is { } t ? (float)t : null;

    /// <summary>
    /// N when the user tower's "history" bag held the distinct items of each user's last N training interactions by time
    /// (0 = of all of them), or null when the model has no history bag or the file does not say. A history fed to the
    /// tower from outside should be cut the same way.
    /// </summary>
    public int? UserHistoryLength => UserTower?.Features.Bags.Any(b => b.Name == Features.UserHistoryFeature.BagName) == true
        && Setting("user_history_length") is { } n && n >= 0 && n <= int.MaxValue && n == Math.Floor(n) ? (int)n : null;

    // A numeric hyper-parameter as trained (a number) or as loaded from the file (a number or its text).
    private double? Setting(string name) => _hyper.TryGetValue(name, out var value)
        ? value switch
        {
            float f => f,
            double x => x,
            int i => i,
            long l => l,
            string s when double.TryParse(s, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var v) => v,
            _ => null,
        }
        : null;

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
        UserTower?.Save(writer, "user_tower");
        ItemTower?.Save(writer, "item_tower");
        if (Report is not null) writer.AddJson("report.json", Report);
    }

    /// <summary>Loads a model written by <see cref="Save"/>; the container has already validated checksums.</summary>
    public static TwoTowerRecommender Load(ModelContainerReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        if (reader.ModelType != TypeName)
            throw new ModelFormatException(reader.Path, $"model type is '{reader.ModelType}', expected '{TypeName}'.");
        var header = reader.ReadJson<Dictionary<string, JsonElement>>("twotower.json");
        var layout = header.ContainsKey("layoutVersion") ? HeaderNumber(reader, header, "layoutVersion") : 0;
        if (layout is < 1 or > LayoutVersion)
            throw new ModelFormatException(reader.Path, $"two-tower layout version {layout} is not supported (this library reads 1 to {LayoutVersion}){(layout > LayoutVersion ? "; the file is newer: upgrade TwoTower.MLNet" : "")}.");
        var dimension = HeaderNumber(reader, header, "dimension");
        if (dimension is < 1 or > int.MaxValue) throw new ModelFormatException(reader.Path, $"entry 'twotower.json' has dimension {dimension}; expected a positive vector width.");
        var d = (int)dimension;
        var users = reader.ReadIdMap("users.txt", "user");
        var items = reader.ReadIdMap("items.txt", "item");
        var hyper = new Dictionary<string, object?>();
        if (header.TryGetValue("hyperParameters", out var hp) && hp.ValueKind == JsonValueKind.Object)
            foreach (var p in hp.EnumerateObject()) hyper[p.Name] = p.Value.ToString();
        var report = reader.Contains("report.json") ? reader.ReadJson<TwoTowerQualityReport>("report.json") : null;
        var userTower = reader.Contains("user_tower.json") ? TowerWeights.Load(reader, "user_tower") : null;
        var itemTower = reader.Contains("item_tower.json") ? TowerWeights.Load(reader, "item_tower") : null;
        try
        {
            return new TwoTowerRecommender(users, items, d,
                reader.ReadFloats("user_vectors", users.Count, d),
                reader.ReadFloats("item_vectors", items.Count, d),
                reader.ReadFloats("cold_user_vector", d),
                hyper, report, userTower, itemTower);
        }
        catch (ArgumentException ex)
        {
            throw new ModelFormatException(reader.Path, ex.Message, ex);
        }
    }

    // A whole number of twotower.json; a missing or fractional one is a malformed file, a huge one a newer layout.
    private static long HeaderNumber(ModelContainerReader reader, Dictionary<string, JsonElement> header, string key) =>
        header.TryGetValue(key, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var number)
            ? number
            : throw new ModelFormatException(reader.Path, $"entry 'twotower.json' has {(header.ContainsKey(key) ? $"'{key}' = {value.GetRawText()}" : $"no '{key}'")}; expected a whole number.");

    /// <inheritdoc />
    public IReadOnlyDictionary<string, object?> Describe()
    {
        var r = new Dictionary<string, object?>(_hyper)
        {
            ["model"] = TypeName,
            ["users"] = Users.Count,
            ["items"] = Items.Count,
            ["dimension"] = Dimension,
            ["towers"] = UserTower is not null && ItemTower is not null,
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
            if (Report.ItemNormsBeforeNormalization.Length > 0) r["item_norms_before_normalization"] = Report.ItemNormsBeforeNormalization.Select(v => Math.Round(v, 4)).ToArray();
            if (Report.UserNormsBeforeNormalization.Length > 0) r["user_norms_before_normalization"] = Report.UserNormsBeforeNormalization.Select(v => Math.Round(v, 4)).ToArray();
        }
        return r;
    }
}
