using TwoTower.MLNet.MatrixFactorization;
using TwoTower.MLNet.Optimizers;
using TwoTower.MLNet.Training;

namespace TwoTower.MLNet.TwoTowerModel;

/// <summary>Copies warm-start vectors (e.g. matrix-factorisation factors) into an id embedding, projecting when widths differ.</summary>
public static class WarmStart
{
    /// <summary>
    /// Writes <paramref name="initial"/> (rows × <paramref name="dimension"/>) into <paramref name="embedding"/>. When the widths
    /// differ, rows are multiplied by a seeded Gaussian matrix with variance 1/width, which preserves inner products in expectation.
    /// </summary>
    public static void Apply(Parameter embedding, float[] initial, int dimension, int seed, string what)
    {
        ArgumentNullException.ThrowIfNull(embedding);
        ArgumentNullException.ThrowIfNull(initial);
        if (dimension < 1) throw new ArgumentOutOfRangeException(nameof(dimension), dimension, "Must be ≥ 1.");
        if (initial.Length != (long)embedding.Rows * dimension)
            throw new ArgumentException($"{what} warm-start matrix has {initial.Length} values; expected {embedding.Rows} rows (the training map) × {dimension} (InitialEmbeddingDimension) = {(long)embedding.Rows * dimension}.", nameof(initial));
        foreach (var v in initial)
            if (!float.IsFinite(v)) throw new ArgumentException($"{what} warm-start matrix contains {v}; values must be finite.", nameof(initial));
        var width = embedding.Columns;
        if (dimension == width)
        {
            initial.CopyTo(embedding.Value, 0);
            return;
        }
        var rng = new Random(seed);
        var proj = new float[dimension * width];
        var sd = 1.0 / Math.Sqrt(width);
        for (var i = 0; i < proj.Length; i++)
        {
            // Box–Muller: a Gaussian from two uniforms.
            var u1 = 1.0 - rng.NextDouble();
            var u2 = rng.NextDouble();
            proj[i] = (float)(sd * Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2));
        }
        Index.Kernels.Gemm.Multiply(initial, proj, embedding.Value, embedding.Rows, width, dimension);
    }

    /// <summary>
    /// Sets <paramref name="options"/>' warm-start matrices from a matrix-factorisation model (trained here or imported),
    /// re-keyed by raw id onto <paramref name="data"/>'s maps: users and items the factors do not know start from zero rows.
    /// Item factors are used only when <paramref name="items"/> is true (they need an item id embedding). Returns how many
    /// training users and items got a factor row: known to the factor model and not all zero (a factor model keeps zero
    /// rows for catalogue entries without interactions).
    /// </summary>
    /// <exception cref="ArgumentException">No training user, or (with <paramref name="items"/>) no training item, has a factor row;
    /// <paramref name="options"/> are then left as they were.</exception>
    public static (int Users, int Items) UseFactors(TwoTowerTrainerOptions options, MatrixFactorizationModel factors, TrainingData data, bool items = true)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(factors);
        ArgumentNullException.ThrowIfNull(data);
        var k = factors.Factors;
        var (userRows, users) = Align(factors.UserFactors.Span, factors.Users, data.Users, k);
        // Check before touching the options, so a failed call leaves them as they were.
        if (users == 0)
            throw new ArgumentException($"None of the {data.Users.Count} training users is in the factor model ({factors.Users.Count} users): the ids do not match.", nameof(factors));
        var (itemRows, found) = items ? Align(factors.ItemFactors.Span, factors.Items, data.Items, k) : (null, 0);
        // All-zero item rows would train as if warm-started while only the users were: a mismatch of item ids, not a start.
        if (items && found == 0 && data.Items.Count > 0)
            throw new ArgumentException($"None of the {data.Items.Count} training items has factors in the factor model ({factors.Items.Count} items): the item ids do not match.", nameof(factors));
        options.InitialUserEmbeddings = userRows;
        if (itemRows is not null)
        {
            options.InitialItemEmbeddings = itemRows;
            options.UseItemIdEmbedding = true;
        }
        options.InitialEmbeddingDimension = k;
        return (users, found);
    }

    private static (float[] Rows, int Found) Align(ReadOnlySpan<float> source, Data.IdMap from, Data.IdMap to, int k)
    {
        var rows = new float[(long)to.Count * k];
        var found = 0;
        for (var key = 0; key < to.Count; key++)
        {
            if (!from.TryGetKey(to.GetRawId(key), out var src)) continue;
            var row = source.Slice(src * k, k);
            row.CopyTo(rows.AsSpan(key * k, k));
            if (row.ContainsAnyExcept(0f)) found++;
        }
        return (rows, found);
    }
}
