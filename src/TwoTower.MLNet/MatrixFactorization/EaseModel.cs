using System.Numerics.Tensors;
using TwoTower.MLNet.Data;
using TwoTower.MLNet.Models;
using TwoTower.MLNet.Persistence;

namespace TwoTower.MLNet.MatrixFactorization;

/// <summary>
/// A fitted EASE model: score(u, ·) = x_u B, the sum of the B rows of the user's training items. Model type "ease".
/// </summary>
/// <remarks>
/// The model keeps the training history of every known user (scores need it). Users without history, and unknown
/// users (key -1), get item popularity in the training data scaled to [0, 1], the natural fallback of an item-item model.
/// </remarks>
public sealed class EaseModel : IRecommender
{
    /// <summary>Model type written to the model file.</summary>
    public const string EaseModelType = "ease";

    private readonly float[] _b;
    private readonly int[] _historyPointers;
    private readonly int[] _historyItems;
    private readonly float[] _popularity;
    private readonly IReadOnlyDictionary<string, object?> _summary;

    /// <summary>Creates a model from the item weights B (items × items, row-major; not copied) and the users' histories (CSR).</summary>
    public EaseModel(IdMap users, IdMap items, float[] weights, int[] historyPointers, int[] historyItems, float lambda,
        IReadOnlyDictionary<string, object?>? trainingSummary = null)
    {
        ArgumentNullException.ThrowIfNull(users);
        ArgumentNullException.ThrowIfNull(items);
        ArgumentNullException.ThrowIfNull(weights);
        ArgumentNullException.ThrowIfNull(historyPointers);
        ArgumentNullException.ThrowIfNull(historyItems);
        var n = items.Count;
        if (weights.Length != (long)n * n)
            throw new ArgumentException($"weights has {weights.Length} values; expected items² = {(long)n * n}.", nameof(weights));
        if (historyPointers.Length != users.Count + 1 || historyPointers[0] != 0 || historyPointers[^1] != historyItems.Length)
            throw new ArgumentException($"historyPointers must have users + 1 = {users.Count + 1} entries from 0 to historyItems.Length = {historyItems.Length}.", nameof(historyPointers));
        for (var u = 0; u < users.Count; u++)
            if (historyPointers[u + 1] < historyPointers[u])
                throw new ArgumentException($"historyPointers decreases at user key {u}.", nameof(historyPointers));
        foreach (var i in historyItems)
            if ((uint)i >= (uint)n) throw new ArgumentException($"historyItems holds item key {i}; expected [0, {n}).", nameof(historyItems));
        var bad = Array.FindIndex(weights, f => !float.IsFinite(f));
        if (bad >= 0) throw new ArgumentException($"weights[{bad}] is {weights[bad]}; weights must be finite.", nameof(weights));
        Users = users;
        Items = items;
        Lambda = lambda;
        _b = weights;
        _historyPointers = historyPointers;
        _historyItems = historyItems;
        _summary = trainingSummary ?? new Dictionary<string, object?>();
        _popularity = new float[n];
        foreach (var i in historyItems) _popularity[i]++;
        var max = n == 0 ? 0f : TensorPrimitives.Max(_popularity);
        if (max > 0) TensorPrimitives.Divide(_popularity, max, _popularity);
    }

    /// <inheritdoc />
    public string ModelType => EaseModelType;

    /// <inheritdoc />
    public IdMap Users { get; }

    /// <inheritdoc />
    public IdMap Items { get; }

    /// <summary>The L2 weight the model was fitted with.</summary>
    public float Lambda { get; }

    /// <summary>The item-item weights B, row-major Items.Count × Items.Count, zero diagonal.</summary>
    public ReadOnlyMemory<float> Weights => _b;

    /// <inheritdoc />
    public void Score(ReadOnlySpan<int> userKeys, Span<float> scores)
    {
        var n = Items.Count;
        if (scores.Length < (long)userKeys.Length * n)
            throw new ArgumentException($"scores has {scores.Length} elements; {userKeys.Length} users × {n} items are needed.", nameof(scores));
        for (var q = 0; q < userKeys.Length; q++)
        {
            var u = userKeys[q];
            if (u < -1 || u >= Users.Count)
                throw new ArgumentOutOfRangeException(nameof(userKeys), u, $"User key must be -1 (unknown user) or in [0, {Users.Count}).");
            var dst = scores.Slice(q * n, n);
            if (u < 0 || _historyPointers[u + 1] == _historyPointers[u])
            {
                _popularity.CopyTo(dst);
                continue;
            }
            // Sparse row × dense matrix: add the B rows of the user's items.
            dst.Clear();
            for (var p = _historyPointers[u]; p < _historyPointers[u + 1]; p++)
                TensorPrimitives.Add(dst, _b.AsSpan(_historyItems[p] * n, n), dst);
        }
    }

    /// <inheritdoc />
    public void Save(ModelContainerWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.AddJson("ease.json", new Dictionary<string, double> { ["lambda"] = Lambda });
        writer.AddIdMap("users.txt", Users);
        writer.AddIdMap("items.txt", Items);
        writer.AddFloats("weights", _b, Items.Count, Items.Count);
        writer.AddInts("history_pointers", _historyPointers, _historyPointers.Length);
        writer.AddInts("history_items", _historyItems, _historyItems.Length);
    }

    /// <summary>Reads a model written by <see cref="Save"/>.</summary>
    public static EaseModel Load(ModelContainerReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        if (reader.ModelType != EaseModelType)
            throw new ModelFormatException(reader.Path, $"model type is '{reader.ModelType}', expected '{EaseModelType}'.");
        var meta = reader.ReadJson<Dictionary<string, double>>("ease.json");
        if (!meta.TryGetValue("lambda", out var lambda)) throw new ModelFormatException(reader.Path, "ease.json has no lambda.");
        var users = reader.ReadIdMap("users.txt", "user");
        var items = reader.ReadIdMap("items.txt", "item");
        var b = reader.ReadFloats("weights", items.Count, items.Count);
        var ptr = reader.ReadInts("history_pointers", out _);
        var hist = reader.ReadInts("history_items", out _);
        return new EaseModel(users, items, b, ptr, hist, (float)lambda);
    }

    /// <inheritdoc />
    public IReadOnlyDictionary<string, object?> Describe() => new Dictionary<string, object?>(_summary)
    {
        ["modelType"] = ModelType,
        ["users"] = Users.Count,
        ["items"] = Items.Count,
        ["lambda"] = Lambda,
    };
}
