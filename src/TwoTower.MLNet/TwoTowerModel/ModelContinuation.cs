using TwoTower.MLNet.Data;
using TwoTower.MLNet.Features;
using TwoTower.MLNet.Optimizers;
using TwoTower.MLNet.Towers;

namespace TwoTower.MLNet.TwoTowerModel;

/// <summary>How much of a tower a continued run took over from the earlier model.</summary>
/// <param name="Entities">This run's users or items that the earlier model knew (by raw id): their id rows were taken over, if the tower has ids.</param>
/// <param name="EntityCount">Users or items of this run.</param>
/// <param name="VocabularyRows">Feature-value rows found in the earlier model (by value).</param>
/// <param name="VocabularyCount">Feature-value rows of this run.</param>
internal sealed record ContinuationCounts(int Entities, int EntityCount, int VocabularyRows, int VocabularyCount);

/// <summary>
/// Starts a training run from an earlier two-tower model, for retraining on newer data: every parameter of the new tower
/// takes the earlier model's values, embedding rows matched by raw id (users, items) or by feature value (genres, tokens).
/// New ids and values keep their fresh initialisation; the MLP layers are copied whole, so the towers must have the same
/// architecture and read the same features in the same order. Numeric features are standardised on the new data.
/// </summary>
internal static class ModelContinuation
{
    /// <summary>Copies <paramref name="earlier"/>'s weights into the tower parameters named <paramref name="tower"/>.*; nothing is written when a check fails.</summary>
    /// <exception cref="ArgumentException">The architectures or the feature lists differ (the message says how).</exception>
    public static ContinuationCounts Apply(string tower, IReadOnlyList<Parameter> parameters, TowerArchitecture architecture, FeatureTable features, IdMap ids,
        TowerWeights earlier, IdMap earlierIds)
    {
        var was = earlier.Architecture;
        if (was.UseIdEmbedding != architecture.UseIdEmbedding || (architecture.UseIdEmbedding && was.IdEmbeddingDimension != architecture.IdEmbeddingDimension)
            || was.FeatureEmbeddingDimension != architecture.FeatureEmbeddingDimension || !was.HiddenLayers.SequenceEqual(architecture.HiddenLayers)
            || was.OutputDimension != architecture.OutputDimension || was.Normalize != architecture.Normalize)
            throw new ArgumentException($"The {tower} tower is {Describe(architecture)}; the initial model's is {Describe(was)}. Continue with the same tower options.", "InitialModel");
        var schema = FeatureSchema.Of(features);
        string Names(FeatureSchema s) => string.Join(", ", s.Categoricals.Select(c => c.Name).Concat(s.Bags.Select(b => b.Name + "[]")).Concat(s.Numerics.Select(n => n.Name + "#")));
        if (Names(schema) != Names(earlier.Features))
            throw new ArgumentException($"The {tower} tower reads [{Names(schema)}]; the initial model's reads [{Names(earlier.Features)}]. Continue with the same features.", "InitialModel");

        Parameter Find(string name) => parameters.Single(p => p.Name == $"{tower}.{name}");
        for (var l = 0; l < earlier.Layers.Count; l++)
            if (earlier.Layers[l].Weight.Length != Find($"layer{l}.weight").Value.Length)
                throw new ArgumentException($"The {tower} tower's layer {l} has {Find($"layer{l}.weight").Value.Length} weights; the initial model's has {earlier.Layers[l].Weight.Length} (numeric features of another width?).", "InitialModel");
        // Gather every row to copy first, then write: a failed check above leaves the fresh parameters whole.
        var copies = new List<(Parameter To, int ToRow, float[] From, int FromRow)>();
        var entities = 0;
        var id = architecture.UseIdEmbedding ? Find("id_embedding") : null;
        for (var k = 0; k < ids.Count; k++)
            if (EarlierKey(ids, k, earlierIds, earlier.EntityCount) is var old and >= 0)
            {
                if (id is not null) copies.Add((id, k, earlier.IdEmbedding!, old));
                entities++;
            }
        var vocabulary = 0;
        var vocabularyCount = 0;
        for (var c = 0; c < schema.Categoricals.Count; c++)
        {
            // Row 0 is the missing value; row v is Vocabulary[v − 1].
            var table = Find($"{schema.Categoricals[c].Name}_embedding");
            var rows = Rows(earlier.Features.Categoricals[c].Vocabulary, offset: 1);
            copies.Add((table, 0, earlier.CategoricalTables[c], 0));
            vocabularyCount += schema.Categoricals[c].Vocabulary.Count;
            for (var v = 0; v < schema.Categoricals[c].Vocabulary.Count; v++)
                if (rows.TryGetValue(schema.Categoricals[c].Vocabulary[v], out var old)) { copies.Add((table, v + 1, earlier.CategoricalTables[c], old)); vocabulary++; }
        }
        for (var b = 0; b < schema.Bags.Count; b++)
        {
            var table = Find($"{schema.Bags[b].Name}_embedding");
            var rows = Rows(earlier.Features.Bags[b].Vocabulary, offset: 0);
            vocabularyCount += schema.Bags[b].Vocabulary.Count;
            for (var t = 0; t < schema.Bags[b].Vocabulary.Count; t++)
                if (rows.TryGetValue(schema.Bags[b].Vocabulary[t], out var old)) { copies.Add((table, t, earlier.BagTables[b], old)); vocabulary++; }
        }
        foreach (var (to, toRow, from, fromRow) in copies)
            from.AsSpan(fromRow * to.Columns, to.Columns).CopyTo(to.ValueRow(toRow));
        for (var l = 0; l < earlier.Layers.Count; l++)
        {
            earlier.Layers[l].Weight.CopyTo(Find($"layer{l}.weight").Value, 0);
            earlier.Layers[l].Bias.CopyTo(Find($"layer{l}.bias").Value, 0);
        }
        return new ContinuationCounts(entities, ids.Count, vocabulary, vocabularyCount);
    }

    /// <summary>Per key of <paramref name="ids"/>: whether the earlier model had an id row for that raw id (as <see cref="Apply"/> matches them).</summary>
    public static bool[] KnownIds(IdMap ids, IdMap earlierIds, int earlierEntityCount)
    {
        var known = new bool[ids.Count];
        for (var k = 0; k < ids.Count; k++)
            known[k] = EarlierKey(ids, k, earlierIds, earlierEntityCount) >= 0;
        return known;
    }

    // The earlier model's key of key k's raw id when that model had an id row for it, else −1.
    private static int EarlierKey(IdMap ids, int k, IdMap earlierIds, int earlierEntityCount) =>
        earlierIds.TryGetKey(ids.GetRawId(k), out var old) && old < earlierEntityCount ? old : -1;

    private static Dictionary<string, int> Rows(IReadOnlyList<string> vocabulary, int offset)
    {
        var rows = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < vocabulary.Count; i++) rows.TryAdd(vocabulary[i], i + offset);
        return rows;
    }

    private static string Describe(TowerArchitecture a) =>
        $"id {(a.UseIdEmbedding ? a.IdEmbeddingDimension.ToString() : "off")}, features {a.FeatureEmbeddingDimension}, layers [{string.Join(",", a.HiddenLayers)}] → {a.OutputDimension}{(a.Normalize ? " normalised" : "")}";
}
