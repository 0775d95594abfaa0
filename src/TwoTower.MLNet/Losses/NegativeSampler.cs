namespace TwoTower.MLNet.Losses;

/// <summary>How extra negatives (shared by the whole batch, added to the in-batch ones) are drawn.</summary>
public enum NegativeSampling
{
    /// <summary>Uniformly over the catalogue.</summary>
    Uniform,
    /// <summary>In proportion to training frequency (what in-batch negatives already follow).</summary>
    Popularity,
}

/// <summary>Draws extra negative items for a batch (mixed negative sampling, Yang et al. 2020), seeded.</summary>
public sealed class NegativeSampler
{
    private readonly double[] _cumulative;
    private readonly int _itemCount;

    /// <summary>Creates a sampler over <paramref name="itemCounts"/>.Length items (counts ≥ 0, read by popularity sampling only).</summary>
    public NegativeSampler(ReadOnlySpan<int> itemCounts, NegativeSampling mode)
    {
        if (itemCounts.Length == 0) throw new ArgumentException("The catalogue is empty.", nameof(itemCounts));
        Mode = mode;
        _itemCount = itemCounts.Length;
        _cumulative = new double[itemCounts.Length];
        double s = 0;
        for (var i = 0; i < itemCounts.Length; i++)
        {
            // Falling cumulative counts would send the binary search to the wrong items.
            if (mode == NegativeSampling.Popularity && itemCounts[i] < 0)
                throw new ArgumentOutOfRangeException(nameof(itemCounts), itemCounts[i], $"The count of item {i} is negative; popularity sampling needs counts ≥ 0.");
            s += mode == NegativeSampling.Uniform ? 1 : itemCounts[i];
            _cumulative[i] = s;
        }
        if (s <= 0) throw new ArgumentException("Popularity sampling needs at least one item with a positive count.", nameof(itemCounts));
    }

    /// <summary>The sampling mode.</summary>
    public NegativeSampling Mode { get; }

    /// <summary>Probability of drawing item <paramref name="item"/>.</summary>
    public double Probability(int item) => (_cumulative[item] - (item > 0 ? _cumulative[item - 1] : 0)) / _cumulative[^1];

    /// <summary>Draws one item key.</summary>
    public int Sample(Random random)
    {
        if (Mode == NegativeSampling.Uniform) return random.Next(_itemCount);
        var u = random.NextDouble() * _cumulative[^1];
        var idx = Array.BinarySearch(_cumulative, u);
        idx = idx < 0 ? ~idx : idx + 1;
        return Math.Min(idx, _itemCount - 1);
    }
}
