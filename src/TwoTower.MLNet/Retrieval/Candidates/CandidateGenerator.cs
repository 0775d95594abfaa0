namespace TwoTower.MLNet.Retrieval.Candidates;

/// <summary>
/// Multi-source candidate generation: asks every configured source for up to its quota of allowed items
/// (rules, liveness and exclude-seen are applied inside each source, so the ANN search is filtered),
/// then merges with <see cref="CandidateMerger"/>.
/// </summary>
public sealed class CandidateGenerator
{
    private readonly (ICandidateSource Source, SourceQuota Quota)[] _plan;

    /// <summary>Creates the generator; throws when the options name a missing source or hold a bad quota or weight.</summary>
    public CandidateGenerator(IEnumerable<ICandidateSource> sources, CandidateGeneratorOptions options)
    {
        ArgumentNullException.ThrowIfNull(sources);
        ArgumentNullException.ThrowIfNull(options);
        var byName = new Dictionary<string, ICandidateSource>(StringComparer.Ordinal);
        foreach (var s in sources)
            if (!byName.TryAdd(s.Name, s)) throw new ArgumentException($"Two candidate sources are named '{s.Name}'.", nameof(sources));
        options.Validate(byName.Keys);
        Options = options;
        _plan = options.Sources.Select(q => (byName[q.Source], q)).ToArray();
    }

    /// <summary>The options.</summary>
    public CandidateGeneratorOptions Options { get; }

    /// <summary>Names of the configured sources, in order.</summary>
    public IEnumerable<string> SourceNames => _plan.Select(p => p.Quota.Source);

    /// <summary>
    /// Generates merged candidates. <paramref name="weightScale"/> multiplies configured weights per source name
    /// (cold-start blending uses it); a source whose scaled weight is 0 is not asked. Each source is asked for at least
    /// <paramref name="k"/> candidates (the answer's size), so that a source alone (popularity for a new user) can fill it.
    /// </summary>
    public List<MergedCandidate> Generate(CandidateQuery query, IReadOnlyDictionary<string, float>? weightScale = null, int k = 0)
    {
        ArgumentNullException.ThrowIfNull(query);
        if (k < 0) throw new ArgumentOutOfRangeException(nameof(k), k, "k must be ≥ 0.");
        var lists = new List<CandidateMerger.SourceList>(_plan.Length);
        foreach (var (source, quota) in _plan)
        {
            var weight = quota.Weight;
            if (weightScale is not null && weightScale.TryGetValue(quota.Source, out var scale))
            {
                if (!(scale >= 0) || float.IsInfinity(scale))
                    throw new ArgumentOutOfRangeException(nameof(weightScale), scale, $"Weight scale of source '{quota.Source}' must be a finite number ≥ 0.");
                weight *= scale;
            }
            if (weight == 0) continue;
            var size = Math.Max(quota.Quota, k);
            // The list grows as needed: a huge k must not allocate for candidates a source does not have.
            var output = new List<Candidate>(Math.Min(size, 1024));
            source.Generate(query, size, output);
            if (output.Count > size)
                throw new InvalidOperationException($"Candidate source '{quota.Source}' returned {output.Count} candidates for a quota of {size}.");
            lists.Add(new CandidateMerger.SourceList(quota.Source, weight, output));
        }
        return CandidateMerger.Merge(lists, Options.Normalization);
    }
}
