namespace TwoTower.MLNet.Features;

/// <summary>Builds a <see cref="BagFeature"/> from token lists, assigning token ids in sorted order (deterministic).</summary>
public static class BagFeatureBuilder
{
    /// <summary>Encodes one token list per entity (null = no tokens; null tokens are skipped); tokens seen fewer than <paramref name="minCount"/> times are dropped.</summary>
    public static BagFeature Build(string name, IReadOnlyList<IReadOnlyList<string>?> tokensPerEntity, int minCount = 1)
    {
        ArgumentNullException.ThrowIfNull(tokensPerEntity);
        if (minCount < 1) throw new ArgumentOutOfRangeException(nameof(minCount), minCount, "Must be ≥ 1.");
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var ts in tokensPerEntity)
            if (ts is not null)
                foreach (var t in ts)
                    // A null token is no token, as FeatureSchema.Encode reads it at inference.
                    if (t is not null) counts[t] = counts.GetValueOrDefault(t) + 1;
        var vocab = counts.Where(kv => kv.Value >= minCount).Select(kv => kv.Key).Order(StringComparer.Ordinal).ToArray();
        var ids = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < vocab.Length; i++) ids[vocab[i]] = i;
        var offsets = new int[tokensPerEntity.Count + 1];
        var tokens = new List<int>();
        for (var e = 0; e < tokensPerEntity.Count; e++)
        {
            var ts = tokensPerEntity[e];
            if (ts is not null)
                foreach (var t in ts.Distinct(StringComparer.Ordinal))
                    if (t is not null && ids.TryGetValue(t, out var id)) tokens.Add(id);
            offsets[e + 1] = tokens.Count;
        }
        // An empty vocabulary keeps one never-used token so the embedding table is not empty.
        return new BagFeature(name, Math.Max(vocab.Length, 1), offsets, tokens.ToArray(), vocab.Length > 0 ? vocab : [""]);
    }
}
