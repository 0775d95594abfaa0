namespace TwoTower.MLNet.ColdStart;

/// <summary>How users with little or no history are served.</summary>
public sealed record ColdStartOptions
{
    /// <summary>Users with fewer history items than this are "cold" (default 10, chosen on the tuning seed of bench/RetrievalBench).</summary>
    public int FewInteractions { get; init; } = 10;

    /// <summary>
    /// Shrinkage s of the blend: with n history items, popularity weighs s / (n + s) and the personalised sources n / (n + s)
    /// (default 5, chosen on the tuning seed of bench/RetrievalBench: one item gets a sixth of the weight).
    /// </summary>
    public float Shrinkage { get; init; } = 5f;

    /// <summary>
    /// Name of the popularity source whose weight the blend moves (default "popularity"). A retrieval engine refuses a name
    /// that is not one of its sources; a plan that leaves this source out serves every user without the blend.
    /// </summary>
    public string PopularitySource { get; init; } = "popularity";

    /// <summary>Checks the options; throws naming the bad value.</summary>
    public void Validate()
    {
        if (FewInteractions < 0) throw new ArgumentOutOfRangeException(nameof(FewInteractions), FewInteractions, "ColdStartOptions.FewInteractions must be ≥ 0.");
        if (!(Shrinkage > 0) || float.IsInfinity(Shrinkage)) throw new ArgumentOutOfRangeException(nameof(Shrinkage), Shrinkage, "ColdStartOptions.Shrinkage must be a finite number > 0.");
        ArgumentException.ThrowIfNullOrWhiteSpace(PopularitySource, nameof(PopularitySource));
    }

    /// <summary>
    /// Weight scales per source for a user with <paramref name="historyLength"/> items: null when the user is warm; otherwise
    /// scales that make the popularity source's effective weight s/(n+s) and every other source's n/(n+s), whatever their
    /// configured weights (n = 0: popularity alone).
    /// </summary>
    public IReadOnlyDictionary<string, float>? BlendFor(int historyLength, IEnumerable<Retrieval.Candidates.SourceQuota> sources)
    {
        ArgumentNullException.ThrowIfNull(sources);
        if (historyLength < 0) throw new ArgumentOutOfRangeException(nameof(historyLength), historyLength, "historyLength must be ≥ 0.");
        if (historyLength >= FewInteractions) return null;
        var pop = Shrinkage / (historyLength + Shrinkage);
        return sources.ToDictionary(s => s.Source, s => (s.Source == PopularitySource ? pop : 1f - pop) / s.Weight, StringComparer.Ordinal);
    }
}
