namespace TwoTower.MLNet.ColdStart;

/// <summary>How users with little or no history are served.</summary>
public sealed record ColdStartOptions
{
    /// <summary>Users with fewer history items than this are "cold" (default 5).</summary>
    public int FewInteractions { get; init; } = 5;

    /// <summary>
    /// Shrinkage s of the blend: with n history items, popularity weighs s / (n + s) and the personalised sources n / (n + s)
    /// (default 2: one item already gets a third of the weight).
    /// </summary>
    public float Shrinkage { get; init; } = 2f;

    /// <summary>Name of the popularity source whose weight the blend moves (default "popularity").</summary>
    public string PopularitySource { get; init; } = "popularity";

    /// <summary>Checks the options; throws naming the bad value.</summary>
    public void Validate()
    {
        if (FewInteractions < 0) throw new ArgumentOutOfRangeException(nameof(FewInteractions), FewInteractions, "ColdStartOptions.FewInteractions must be ≥ 0.");
        if (!(Shrinkage > 0) || float.IsInfinity(Shrinkage)) throw new ArgumentOutOfRangeException(nameof(Shrinkage), Shrinkage, "ColdStartOptions.Shrinkage must be a finite number > 0.");
        ArgumentException.ThrowIfNullOrWhiteSpace(PopularitySource, nameof(PopularitySource));
    }

    /// <summary>
    /// Weight scales per source for a user with <paramref name="historyLength"/> items: null when the user is warm;
    /// otherwise popularity × s/(n+s) and every other source × n/(n+s) (0 for n = 0: popularity alone).
    /// </summary>
    public IReadOnlyDictionary<string, float>? BlendFor(int historyLength, IEnumerable<string> sources)
    {
        if (historyLength < 0) throw new ArgumentOutOfRangeException(nameof(historyLength), historyLength, "historyLength must be ≥ 0.");
        if (historyLength >= FewInteractions) return null;
        var pop = Shrinkage / (historyLength + Shrinkage);
        return sources.ToDictionary(s => s, s => s == PopularitySource ? pop : 1f - pop, StringComparer.Ordinal);
    }
}
