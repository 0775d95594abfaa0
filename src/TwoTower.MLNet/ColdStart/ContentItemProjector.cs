using TwoTower.MLNet.Data;

namespace TwoTower.MLNet.ColdStart;

/// <summary>
/// Vectors for new items from their content (genres, release year), in the space of a trained model's item vectors:
/// a ridge regression from content features to the warm items' vectors, so a new item enters the index without retraining.
/// The fallback for models without an item tower (MF, ensembles); a two-tower model with one uses <see cref="ItemTowerEmbedder"/>.
/// </summary>
public sealed class ContentItemProjector : INewItemEmbedder
{
    /// <summary>First year of the release-year buckets (earlier years share the first bucket).</summary>
    public const int FirstYear = 1920;

    /// <summary>Width of a release-year bucket in years.</summary>
    public const int YearBucketWidth = 5;

    /// <summary>Number of release-year buckets (later years share the last).</summary>
    public const int YearBuckets = 18;

    private readonly Dictionary<string, int> _genreIndex;
    private readonly float[] _weights; // features × dimension

    private ContentItemProjector(IReadOnlyList<string> genres, int dimension, float[] weights, int fittedItems)
    {
        Genres = genres;
        _genreIndex = genres.Select((g, i) => (g, i)).ToDictionary(t => t.g, t => t.i, StringComparer.Ordinal);
        Dimension = dimension;
        _weights = weights;
        FittedItems = fittedItems;
    }

    /// <summary>Genre vocabulary of the features.</summary>
    public IReadOnlyList<string> Genres { get; }

    /// <summary>Output vector dimension.</summary>
    public int Dimension { get; }

    /// <summary>Items the regression was fitted on.</summary>
    public int FittedItems { get; }

    /// <summary>Feature count: genres, year buckets, "year unknown", bias.</summary>
    public int FeatureCount => Genres.Count + YearBuckets + 2;

    /// <summary>Writes the content features of an item into <paramref name="features"/> (length <see cref="FeatureCount"/>); unknown genres are ignored.</summary>
    public void Featurize(ItemRecord item, Span<float> features)
    {
        ArgumentNullException.ThrowIfNull(item);
        if (features.Length != FeatureCount) throw new ArgumentException($"features has {features.Length} slots, expected {FeatureCount}.", nameof(features));
        features.Clear();
        // Distinct: a genre listed twice must not count twice in the 1 / known share (the record comes from a client as is).
        var known = 0;
        foreach (var g in item.Genres.Distinct(StringComparer.Ordinal)) if (_genreIndex.ContainsKey(g)) known++;
        // Genre weights sum to 1, so multi-genre items are not pushed further out than single-genre ones.
        foreach (var g in item.Genres)
            if (_genreIndex.TryGetValue(g, out var gi)) features[gi] = 1f / known;
        var y = Genres.Count;
        if (item.ReleaseDate is { } d) features[y + Math.Clamp((d.Year - FirstYear) / YearBucketWidth, 0, YearBuckets - 1)] = 1f;
        else features[y + YearBuckets] = 1f;
        features[^1] = 1f;
    }

    /// <inheritdoc />
    public string Method => "content_projection";

    /// <inheritdoc />
    public float[] Embed(ItemRecord item) => Project(item);

    /// <summary>The vector of an item from its content.</summary>
    public float[] Project(ItemRecord item)
    {
        Span<float> x = stackalloc float[FeatureCount];
        Featurize(item, x);
        var v = new float[Dimension];
        for (var f = 0; f < x.Length; f++)
            if (x[f] != 0) System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(_weights.AsSpan(f * Dimension, Dimension), x[f], v, v);
        return v;
    }

    /// <summary>
    /// Fits the projection on items with vectors: minimises Σ‖W·x(item) − v(item)‖² + λ‖W‖² in closed form.
    /// </summary>
    /// <param name="items">Item records, one per vector row.</param>
    /// <param name="vectors">Row-major items.Count × dimension.</param>
    /// <param name="dimension">Vector dimension.</param>
    /// <param name="genres">Genre vocabulary.</param>
    /// <param name="use">Which rows to fit on (e.g. items with enough interactions); null = all.</param>
    /// <param name="ridge">λ &gt; 0.</param>
    public static ContentItemProjector Fit(IReadOnlyList<ItemRecord> items, ReadOnlySpan<float> vectors, int dimension, IReadOnlyList<string> genres, Func<int, bool>? use = null, float ridge = 1f)
    {
        ArgumentNullException.ThrowIfNull(items);
        ArgumentNullException.ThrowIfNull(genres);
        if (dimension < 1) throw new ArgumentOutOfRangeException(nameof(dimension), dimension, "dimension must be ≥ 1.");
        if (vectors.Length != items.Count * dimension)
            throw new ArgumentException($"vectors has {vectors.Length} values; expected items ({items.Count}) × dimension ({dimension}).", nameof(vectors));
        if (!(ridge > 0) || float.IsInfinity(ridge)) throw new ArgumentOutOfRangeException(nameof(ridge), ridge, "ridge must be a finite number > 0.");
        var shell = new ContentItemProjector(genres.ToArray(), dimension, Array.Empty<float>(), 0);
        var f = shell.FeatureCount;
        var xtx = new double[f * f];
        var xtv = new double[f * dimension];
        var x = new float[f];
        var fitted = 0;
        for (var r = 0; r < items.Count; r++)
        {
            if (use is not null && !use(r)) continue;
            shell.Featurize(items[r], x);
            var v = vectors.Slice(r * dimension, dimension);
            for (var a = 0; a < f; a++)
            {
                if (x[a] == 0) continue;
                for (var b = 0; b < f; b++) xtx[a * f + b] += x[a] * x[b];
                for (var j = 0; j < dimension; j++) xtv[a * dimension + j] += x[a] * v[j];
            }
            fitted++;
        }
        if (fitted == 0) throw new ArgumentException("No item was selected to fit the content projection; at least one is needed.", nameof(use));
        for (var a = 0; a < f; a++) xtx[a * f + a] += ridge;
        var l = Cholesky(xtx, f);
        var w = new float[f * dimension];
        var col = new double[f];
        for (var j = 0; j < dimension; j++)
        {
            for (var a = 0; a < f; a++) col[a] = xtv[a * dimension + j];
            Solve(l, f, col);
            for (var a = 0; a < f; a++) w[a * dimension + j] = (float)col[a];
        }
        return new ContentItemProjector(shell.Genres, dimension, w, fitted);
    }

    private static double[] Cholesky(double[] a, int n)
    {
        var l = new double[n * n];
        for (var i = 0; i < n; i++)
            for (var j = 0; j <= i; j++)
            {
                var s = a[i * n + j];
                for (var k = 0; k < j; k++) s -= l[i * n + k] * l[j * n + k];
                if (i == j)
                {
                    if (s <= 0) throw new InvalidOperationException($"The content feature matrix is not positive definite at row {i} (pivot {s}).");
                    l[i * n + i] = Math.Sqrt(s);
                }
                else l[i * n + j] = s / l[j * n + j];
            }
        return l;
    }

    private static void Solve(double[] l, int n, double[] b)
    {
        for (var i = 0; i < n; i++)
        {
            var s = b[i];
            for (var k = 0; k < i; k++) s -= l[i * n + k] * b[k];
            b[i] = s / l[i * n + i];
        }
        for (var i = n - 1; i >= 0; i--)
        {
            var s = b[i];
            for (var k = i + 1; k < n; k++) s -= l[k * n + i] * b[k];
            b[i] = s / l[i * n + i];
        }
    }
}
