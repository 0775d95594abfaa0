using TwoTower.MLNet.Data;
using TwoTower.MLNet.Index.Common;
using TwoTower.MLNet.Persistence;
using TwoTower.MLNet.Training;

namespace TwoTower.MLNet.Models.Baselines;

/// <summary>
/// Item-item co-occurrence model ("because you watched"): cosine similarity of items' user sets,
/// top-N neighbours per item; a user's score for an item is the sum of its similarities to the user's
/// history. A tiny popularity term breaks ties; users without history get pure popularity.
/// </summary>
public sealed class ItemItemRecommender : IRecommender
{
    /// <summary>Model type name.</summary>
    public const string TypeName = "itemknn";

    // Small enough never to reorder two items whose similarity sums differ.
    private const float TieBreakWeight = 1e-6f;

    private readonly SparseMatrix _history;
    private readonly SparseMatrix _neighbours;
    private readonly float[] _popularity;

    /// <summary>Creates the model from user histories (users × items), item neighbours (items × items) and normalised popularity.</summary>
    public ItemItemRecommender(IdMap users, IdMap items, SparseMatrix history, SparseMatrix neighbours, float[] popularity)
    {
        if (history.Rows != users.Count || history.Columns != items.Count)
            throw new ArgumentException($"history is {history.Rows}×{history.Columns}; expected {users.Count}×{items.Count}.", nameof(history));
        if (neighbours.Rows != items.Count || neighbours.Columns != items.Count)
            throw new ArgumentException($"neighbours is {neighbours.Rows}×{neighbours.Columns}; expected {items.Count}×{items.Count}.", nameof(neighbours));
        if (popularity.Length != items.Count)
            throw new ArgumentException($"popularity has {popularity.Length} entries; expected {items.Count}.", nameof(popularity));
        Users = users;
        Items = items;
        _history = history;
        _neighbours = neighbours;
        _popularity = popularity;
    }

    /// <inheritdoc/>
    public string ModelType => TypeName;

    /// <inheritdoc/>
    public IdMap Users { get; }

    /// <inheritdoc/>
    public IdMap Items { get; }

    /// <summary>Item neighbours with cosine similarities (items × items, top-N per row).</summary>
    public SparseMatrix Neighbours => _neighbours;

    /// <inheritdoc/>
    public void Score(ReadOnlySpan<int> userKeys, Span<float> scores)
    {
        ModelGuards.CheckScoreArgs(this, userKeys, scores);
        var n = Items.Count;
        for (var b = 0; b < userKeys.Length; b++)
        {
            var row = scores.Slice(b * n, n);
            var u = userKeys[b];
            var hist = u >= 0 ? _history.RowIndices(u) : ReadOnlySpan<int>.Empty;
            if (hist.IsEmpty)
            {
                _popularity.CopyTo(row);
                continue;
            }
            System.Numerics.Tensors.TensorPrimitives.Multiply(_popularity, TieBreakWeight, row);
            foreach (var i in hist)
            {
                var cols = _neighbours.RowIndices(i);
                var sims = _neighbours.RowValues(i);
                for (var p = 0; p < cols.Length; p++) row[cols[p]] += sims[p];
            }
        }
    }

    /// <inheritdoc/>
    public void Save(ModelContainerWriter writer)
    {
        writer.AddIdMap("users.ids", Users);
        writer.AddIdMap("items.ids", Items);
        WriteCsr(writer, "history", _history);
        WriteCsr(writer, "neighbours", _neighbours);
        writer.AddFloats("popularity", _popularity, _popularity.Length);
    }

    /// <summary>Loads the model from a validated container.</summary>
    public static ItemItemRecommender Load(ModelContainerReader reader)
    {
        var users = reader.ReadIdMap("users.ids", "user");
        var items = reader.ReadIdMap("items.ids", "item");
        return new ItemItemRecommender(users, items,
            ReadCsr(reader, "history", users.Count, items.Count),
            ReadCsr(reader, "neighbours", items.Count, items.Count),
            reader.ReadFloats("popularity", items.Count));
    }

    /// <inheritdoc/>
    public IReadOnlyDictionary<string, object?> Describe() => new Dictionary<string, object?>
    {
        ["model"] = TypeName,
        ["users"] = Users.Count,
        ["items"] = Items.Count,
        ["neighbour_entries"] = _neighbours.NonZeros,
    };

    private static void WriteCsr(ModelContainerWriter w, string name, SparseMatrix m)
    {
        w.AddInts(name + ".ptr", m.RowPointers, m.RowPointers.Length);
        w.AddInts(name + ".idx", m.ColumnIndices, m.ColumnIndices.Length);
        w.AddFloats(name + ".val", m.Values, m.Values.Length);
    }

    private static SparseMatrix ReadCsr(ModelContainerReader r, string name, int rows, int cols)
    {
        var ptr = r.ReadInts(name + ".ptr", out _);
        var idx = r.ReadInts(name + ".idx", out _);
        var val = r.ReadFloats(name + ".val", out _);
        if (ptr.Length != rows + 1 || ptr[0] != 0 || ptr[^1] != idx.Length)
            throw new ModelFormatException(r.Path, $"'{name}' row pointers do not match a {rows}×{cols} matrix with {idx.Length} entries.");
        for (var i = 0; i < rows; i++)
            if (ptr[i + 1] < ptr[i]) throw new ModelFormatException(r.Path, $"'{name}' row pointers decrease at row {i}.");
        foreach (var c in idx)
            if ((uint)c >= (uint)cols) throw new ModelFormatException(r.Path, $"'{name}' has column index {c} outside [0, {cols}).");
        return new SparseMatrix(rows, cols, ptr, idx, val);
    }
}

/// <summary>Options of <see cref="ItemItemTrainer"/>.</summary>
public sealed record ItemItemOptions
{
    /// <summary>Neighbours kept per item (default 200: beyond that, ML-100K quality no longer changes and memory grows).</summary>
    public int Neighbors { get; init; } = 200;

    /// <summary>Threads for the similarity computation (0 = all cores).</summary>
    public int Threads { get; init; }

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the first invalid option (its parameter name is the option's, as in the other options classes).</summary>
    public void Validate()
    {
        if (Neighbors < 1) throw new ArgumentOutOfRangeException(nameof(Neighbors), Neighbors, "ItemItemOptions.Neighbors must be ≥ 1.");
        if (Threads < 0) throw new ArgumentOutOfRangeException(nameof(Threads), Threads, "ItemItemOptions.Threads must be ≥ 0 (0 = all cores).");
    }
}

/// <summary>Fits <see cref="ItemItemRecommender"/>: binary co-occurrence counts, cosine-normalised, top-N per item.</summary>
public sealed class ItemItemTrainer : IRecommenderTrainer
{
    /// <summary>Creates the trainer.</summary>
    public ItemItemTrainer(ItemItemOptions? options = null)
    {
        Options = options ?? new ItemItemOptions();
        Options.Validate();
    }

    /// <summary>The options.</summary>
    public ItemItemOptions Options { get; }

    /// <inheritdoc/>
    public string ModelType => ItemItemRecommender.TypeName;

    /// <inheritdoc/>
    public IRecommender Fit(TrainingData data, IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(data);
        var x = data.Train.ToUserItemMatrix(binary: true);
        var xt = x.Transpose();
        var nItems = x.Columns;
        var degree = new float[nItems];
        for (var i = 0; i < nItems; i++) degree[i] = xt.RowLength(i);
        var keep = Math.Min(Options.Neighbors, Math.Max(1, nItems - 1));
        var rows = new (int[] Cols, float[] Vals)[nItems];
        // The caller takes items too: Parallel.For waited for a pool thread when a fit was called from outside a busy pool.
        CallerLedLoop.For(nItems, Options.Threads > 0 ? Options.Threads : Environment.ProcessorCount, () => new float[nItems], (i, co) =>
        {
            cancellationToken.ThrowIfCancellationRequested();
            Array.Clear(co);
            foreach (var u in xt.RowIndices(i))
                foreach (var j in x.RowIndices(u)) co[j]++;
            co[i] = 0;
            for (var j = 0; j < nItems; j++)
                co[j] = co[j] > 0 ? co[j] / MathF.Sqrt(degree[i] * degree[j]) : float.NegativeInfinity;
            var top = new int[keep];
            var got = Evaluation.ScoreRanking.TopK(co, keep, top);
            Array.Sort(top, 0, got);
            rows[i] = (top[..got], top[..got].Select(j => co[j]).ToArray());
        });
        var ptr = new int[nItems + 1];
        for (var i = 0; i < nItems; i++) ptr[i + 1] = ptr[i] + rows[i].Cols.Length;
        var cols = new int[ptr[nItems]];
        var vals = new float[ptr[nItems]];
        for (var i = 0; i < nItems; i++)
        {
            rows[i].Cols.CopyTo(cols, ptr[i]);
            rows[i].Vals.CopyTo(vals, ptr[i]);
        }
        var maxDeg = degree.Length == 0 ? 0 : degree.Max();
        var pop = degree.Select(d => d / (maxDeg + 1f)).ToArray();
        progress?.Report(new TrainingProgress("similarities", 1, 1));
        return new ItemItemRecommender(data.Users, data.Items, x, new SparseMatrix(nItems, nItems, ptr, cols, vals), pop);
    }
}
