using System.Buffers;
using System.Numerics.Tensors;
using System.Text.Json.Serialization;
using TwoTower.MLNet.Data;
using TwoTower.MLNet.Index.Kernels;
using TwoTower.MLNet.Models;
using TwoTower.MLNet.Persistence;

namespace TwoTower.MLNet.MatrixFactorization;

/// <summary>
/// A factor model: score(u, i) = x_u · y_i (+ μ + b_u + b_i when it has biases, i.e. an explicit rating model).
/// Produced by <see cref="ImplicitAlsTrainer"/> (type "ials"), <see cref="ExplicitMatrixFactorizationTrainer"/> (type "mf")
/// and <see cref="FactorImporter"/>; its factors warm-start the two-tower id embeddings.
/// </summary>
/// <remarks>
/// Unknown users (key -1) get the <see cref="ColdUser"/> vector: the mean of the user factors
/// (<see cref="ColdUserStrategy.MeanUser"/>, default) or zero, with user bias 0. For retrieval through a vector index the
/// model is an <see cref="IEmbeddingRecommender"/>; with biases the vectors are augmented to
/// [x_u, 1, μ + b_u] · [y_i, b_i, 1] so the inner product equals the predicted rating.
/// </remarks>
public sealed class MatrixFactorizationModel : IEmbeddingRecommender
{
    /// <summary>Model type of implicit-feedback ALS models.</summary>
    public const string ImplicitModelType = "ials";

    /// <summary>Model type of explicit (rating) and imported factor models.</summary>
    public const string ExplicitModelType = "mf";

    private const string MetaEntry = "mf.json";
    private readonly float[] _x;
    private readonly float[] _y;
    private readonly float[]? _userBias;
    private readonly float[]? _itemBias;
    private readonly float[] _itemVectors; // y or [y, b_i, 1]
    private readonly float[] _coldUserVector; // in the (augmented) vector space
    private readonly IReadOnlyDictionary<string, object?> _summary;

    /// <summary>
    /// Creates a model from factor matrices (row-major users × factors and items × factors; not copied).
    /// Biases are both given (explicit model) or both null.
    /// </summary>
    public MatrixFactorizationModel(string modelType, IdMap users, IdMap items, float[] userFactors, float[] itemFactors, int factors,
        float[]? userBiases = null, float[]? itemBiases = null, float globalMean = 0f,
        ColdUserStrategy coldUser = ColdUserStrategy.MeanUser, IReadOnlyDictionary<string, object?>? trainingSummary = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(modelType);
        ArgumentNullException.ThrowIfNull(users);
        ArgumentNullException.ThrowIfNull(items);
        ArgumentNullException.ThrowIfNull(userFactors);
        ArgumentNullException.ThrowIfNull(itemFactors);
        if (factors < 1) throw new ArgumentOutOfRangeException(nameof(factors), factors, "factors must be ≥ 1.");
        if (userFactors.Length != (long)users.Count * factors)
            throw new ArgumentException($"userFactors has {userFactors.Length} values; expected users × factors = {users.Count} × {factors}.", nameof(userFactors));
        if (itemFactors.Length != (long)items.Count * factors)
            throw new ArgumentException($"itemFactors has {itemFactors.Length} values; expected items × factors = {items.Count} × {factors}.", nameof(itemFactors));
        if ((userBiases is null) != (itemBiases is null))
            throw new ArgumentException("userBiases and itemBiases must both be given or both be null.", userBiases is null ? nameof(userBiases) : nameof(itemBiases));
        if (userBiases is not null && userBiases.Length != users.Count)
            throw new ArgumentException($"userBiases has {userBiases.Length} values; expected {users.Count}.", nameof(userBiases));
        if (itemBiases is not null && itemBiases.Length != items.Count)
            throw new ArgumentException($"itemBiases has {itemBiases.Length} values; expected {items.Count}.", nameof(itemBiases));
        if (!Enum.IsDefined(coldUser)) throw new ArgumentOutOfRangeException(nameof(coldUser), coldUser, "Unknown cold-user strategy.");
        CheckFinite(userFactors, nameof(userFactors));
        CheckFinite(itemFactors, nameof(itemFactors));
        if (userBiases is not null) CheckFinite(userBiases, nameof(userBiases));
        if (itemBiases is not null) CheckFinite(itemBiases, nameof(itemBiases));
        if (!float.IsFinite(globalMean)) throw new ArgumentOutOfRangeException(nameof(globalMean), globalMean, "globalMean must be finite.");

        ModelType = modelType;
        Users = users;
        Items = items;
        Factors = factors;
        _x = userFactors;
        _y = itemFactors;
        _userBias = userBiases;
        _itemBias = itemBiases;
        GlobalMean = globalMean;
        ColdUser = coldUser;
        _summary = trainingSummary ?? new Dictionary<string, object?>();
        Dimension = HasBiases ? factors + 2 : factors;

        if (HasBiases)
        {
            _itemVectors = new float[items.Count * Dimension];
            for (var i = 0; i < items.Count; i++)
            {
                itemFactors.AsSpan(i * factors, factors).CopyTo(_itemVectors.AsSpan(i * Dimension));
                _itemVectors[i * Dimension + factors] = itemBiases![i];
                _itemVectors[i * Dimension + factors + 1] = 1f;
            }
        }
        else _itemVectors = itemFactors;

        _coldUserVector = new float[Dimension];
        if (coldUser == ColdUserStrategy.MeanUser && users.Count > 0)
        {
            var mean = new double[factors];
            for (var u = 0; u < users.Count; u++)
                for (var d = 0; d < factors; d++) mean[d] += userFactors[u * factors + d];
            for (var d = 0; d < factors; d++) _coldUserVector[d] = (float)(mean[d] / users.Count);
        }
        if (HasBiases)
        {
            _coldUserVector[factors] = 1f;
            _coldUserVector[factors + 1] = globalMean;
        }
    }

    /// <inheritdoc />
    public string ModelType { get; }

    /// <inheritdoc />
    public IdMap Users { get; }

    /// <inheritdoc />
    public IdMap Items { get; }

    /// <summary>Number of latent factors k (without the two bias columns).</summary>
    public int Factors { get; }

    /// <summary>Inner-product dimension: <see cref="Factors"/>, or <see cref="Factors"/> + 2 with biases.</summary>
    public int Dimension { get; }

    /// <summary>Whether the model has user/item biases and a global mean (explicit rating model).</summary>
    public bool HasBiases => _userBias is not null;

    /// <summary>Global mean rating μ (0 without biases).</summary>
    public float GlobalMean { get; }

    /// <summary>What unknown users get.</summary>
    public ColdUserStrategy ColdUser { get; }

    /// <summary>User factors, row-major Users.Count × Factors (for the two-tower warm start).</summary>
    public ReadOnlyMemory<float> UserFactors => _x;

    /// <summary>Item factors, row-major Items.Count × Factors (for the two-tower warm start).</summary>
    public ReadOnlyMemory<float> ItemFactors => _y;

    /// <summary>User biases b_u (empty without biases).</summary>
    public ReadOnlyMemory<float> UserBiases => _userBias ?? Array.Empty<float>();

    /// <summary>Item biases b_i (empty without biases).</summary>
    public ReadOnlyMemory<float> ItemBiases => _itemBias ?? Array.Empty<float>();

    /// <inheritdoc />
    public ReadOnlyMemory<float> ItemVectors => _itemVectors;

    /// <summary>Predicted score (rating, for explicit models) of one user-item pair; user key -1 = unknown user.</summary>
    public float Predict(int userKey, int itemKey)
    {
        CheckUserKey(userKey, nameof(userKey));
        if ((uint)itemKey >= (uint)Items.Count)
            throw new ArgumentOutOfRangeException(nameof(itemKey), itemKey, $"Item key must be in [0, {Items.Count}).");
        Span<float> u = Dimension <= 512 ? stackalloc float[Dimension] : new float[Dimension];
        UserVector(userKey, u);
        return TensorPrimitives.Dot(u, _itemVectors.AsSpan(itemKey * Dimension, Dimension));
    }

    /// <inheritdoc />
    public void EmbedUsers(ReadOnlySpan<int> userKeys, Span<float> vectors)
    {
        if (vectors.Length < userKeys.Length * Dimension)
            throw new ArgumentException($"vectors has {vectors.Length} elements; {userKeys.Length} users × {Dimension} are needed.", nameof(vectors));
        for (var q = 0; q < userKeys.Length; q++)
        {
            CheckUserKey(userKeys[q], nameof(userKeys));
            UserVector(userKeys[q], vectors.Slice(q * Dimension, Dimension));
        }
    }

    /// <inheritdoc />
    public void Score(ReadOnlySpan<int> userKeys, Span<float> scores)
    {
        var n = Items.Count;
        if (scores.Length < (long)userKeys.Length * n)
            throw new ArgumentException($"scores has {scores.Length} elements; {userKeys.Length} users × {n} items are needed.", nameof(scores));
        if (userKeys.IsEmpty) return;
        var buf = ArrayPool<float>.Shared.Rent(userKeys.Length * Dimension);
        try
        {
            var u = buf.AsSpan(0, userKeys.Length * Dimension);
            EmbedUsers(userKeys, u);
            Gemm.MultiplyTransposedB(u, _itemVectors, scores[..(userKeys.Length * n)], userKeys.Length, n, Dimension);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(buf);
        }
    }

    /// <summary>
    /// Factors resized to <paramref name="targetDim"/> for the two-tower warm start (biases and maps kept). Same
    /// dimension: a copy. Otherwise per <paramref name="method"/>; the Gaussian projection is seeded by <paramref name="seed"/>.
    /// </summary>
    public MatrixFactorizationModel ProjectFactors(int targetDim, int seed, FactorProjection method = FactorProjection.Auto)
    {
        if (targetDim < 1) throw new ArgumentOutOfRangeException(nameof(targetDim), targetDim, "targetDim must be ≥ 1.");
        if (!Enum.IsDefined(method)) throw new ArgumentOutOfRangeException(nameof(method), method, "Unknown projection.");
        var k = Factors;
        float[] px, py;
        var gaussian = method == FactorProjection.Gaussian || (method == FactorProjection.Auto && targetDim < k);
        if (targetDim == k && method != FactorProjection.Gaussian)
        {
            px = (float[])_x.Clone();
            py = (float[])_y.Clone();
        }
        else if (!gaussian)
        {
            px = Resize(_x, Users.Count, k, targetDim);
            py = Resize(_y, Items.Count, k, targetDim);
        }
        else
        {
            var rng = new Random(seed);
            var r = new float[k * targetDim];
            var scale = (float)(1.0 / Math.Sqrt(targetDim));
            for (var i = 0; i < r.Length; i++) r[i] = scale * ImplicitAlsTrainer.Gaussian(rng);
            px = new float[Users.Count * targetDim];
            py = new float[Items.Count * targetDim];
            Gemm.Multiply(_x, r, px, Users.Count, targetDim, k);
            Gemm.Multiply(_y, r, py, Items.Count, targetDim, k);
        }
        var summary = new Dictionary<string, object?>(_summary) { ["projectedFrom"] = k, ["projection"] = gaussian ? "Gaussian" : "TruncateOrPad" };
        return new MatrixFactorizationModel(ModelType, Users, Items, px, py, targetDim,
            (float[]?)_userBias?.Clone(), (float[]?)_itemBias?.Clone(), GlobalMean, ColdUser, summary);
    }

    /// <inheritdoc />
    public void Save(ModelContainerWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.AddJson(MetaEntry, new Meta
        {
            Factors = Factors,
            HasBiases = HasBiases,
            GlobalMean = GlobalMean,
            ColdUser = ColdUser.ToString(),
            Summary = _summary.Where(kv => kv.Value is not null).ToDictionary(kv => kv.Key, kv => Convert.ToString(kv.Value, System.Globalization.CultureInfo.InvariantCulture) ?? ""),
        });
        writer.AddIdMap("users.txt", Users);
        writer.AddIdMap("items.txt", Items);
        writer.AddFloats("user_factors", _x, Users.Count, Factors);
        writer.AddFloats("item_factors", _y, Items.Count, Factors);
        if (HasBiases)
        {
            writer.AddFloats("user_biases", _userBias!, Users.Count);
            writer.AddFloats("item_biases", _itemBias!, Items.Count);
        }
    }

    /// <summary>Reads a model written by <see cref="Save"/> (model types "ials" and "mf").</summary>
    public static MatrixFactorizationModel Load(ModelContainerReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        if (reader.ModelType is not (ImplicitModelType or ExplicitModelType))
            throw new ModelFormatException(reader.Path, $"model type is '{reader.ModelType}', expected '{ImplicitModelType}' or '{ExplicitModelType}'.");
        var meta = reader.ReadJson<Meta>(MetaEntry);
        if (meta.Factors < 1) throw new ModelFormatException(reader.Path, $"{MetaEntry} has factors = {meta.Factors}, expected ≥ 1.");
        if (!Enum.TryParse<ColdUserStrategy>(meta.ColdUser, out var cold))
            throw new ModelFormatException(reader.Path, $"{MetaEntry} has unknown coldUser '{meta.ColdUser}'.");
        var users = reader.ReadIdMap("users.txt", "user");
        var items = reader.ReadIdMap("items.txt", "item");
        var x = reader.ReadFloats("user_factors", users.Count, meta.Factors);
        var y = reader.ReadFloats("item_factors", items.Count, meta.Factors);
        float[]? ub = null, ib = null;
        if (meta.HasBiases)
        {
            ub = reader.ReadFloats("user_biases", users.Count);
            ib = reader.ReadFloats("item_biases", items.Count);
        }
        var summary = meta.Summary.ToDictionary(kv => kv.Key, kv => (object?)kv.Value);
        return new MatrixFactorizationModel(reader.ModelType, users, items, x, y, meta.Factors, ub, ib, meta.GlobalMean, cold, summary);
    }

    /// <inheritdoc />
    public IReadOnlyDictionary<string, object?> Describe()
    {
        var d = new Dictionary<string, object?>(_summary)
        {
            ["modelType"] = ModelType,
            ["users"] = Users.Count,
            ["items"] = Items.Count,
            ["factors"] = Factors,
            ["biases"] = HasBiases,
            ["coldUser"] = ColdUser.ToString(),
        };
        if (HasBiases) d["globalMean"] = GlobalMean;
        return d;
    }

    private void UserVector(int userKey, Span<float> dst)
    {
        if (userKey < 0)
        {
            _coldUserVector.CopyTo(dst);
            return;
        }
        _x.AsSpan(userKey * Factors, Factors).CopyTo(dst);
        if (HasBiases)
        {
            dst[Factors] = 1f;
            dst[Factors + 1] = GlobalMean + _userBias![userKey];
        }
    }

    private void CheckUserKey(int userKey, string name)
    {
        if (userKey < -1 || userKey >= Users.Count)
            throw new ArgumentOutOfRangeException(name, userKey, $"User key must be -1 (unknown user) or in [0, {Users.Count}).");
    }

    private static float[] Resize(float[] src, int rows, int k, int target)
    {
        var dst = new float[rows * target];
        var copy = Math.Min(k, target);
        for (var r = 0; r < rows; r++) src.AsSpan(r * k, copy).CopyTo(dst.AsSpan(r * target));
        return dst;
    }

    private static void CheckFinite(float[] v, string name)
    {
        var bad = Array.FindIndex(v, f => !float.IsFinite(f));
        if (bad >= 0) throw new ArgumentException($"{name}[{bad}] is {v[bad]}; factors must be finite.", name);
    }

    private sealed class Meta
    {
        [JsonPropertyName("factors")] public int Factors { get; set; }
        [JsonPropertyName("hasBiases")] public bool HasBiases { get; set; }
        [JsonPropertyName("globalMean")] public float GlobalMean { get; set; }
        [JsonPropertyName("coldUser")] public string ColdUser { get; set; } = nameof(ColdUserStrategy.MeanUser);
        [JsonPropertyName("summary")] public Dictionary<string, string> Summary { get; set; } = new();
    }
}
