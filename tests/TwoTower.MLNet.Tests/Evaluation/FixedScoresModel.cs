using TwoTower.MLNet.Data;
using TwoTower.MLNet.Models;
using TwoTower.MLNet.Persistence;

namespace TwoTower.MLNet.Tests.Evaluation;

/// <summary>A test model with a given users × items score matrix (unknown users score 0 everywhere).</summary>
internal sealed class FixedScoresModel(IdMap users, IdMap items, float[,] scores) : IRecommender
{
    public string ModelType => "fixed";
    public IdMap Users { get; } = users;
    public IdMap Items { get; } = items;

    public void Score(ReadOnlySpan<int> userKeys, Span<float> output)
    {
        ModelGuards.CheckScoreArgs(this, userKeys, output);
        for (var b = 0; b < userKeys.Length; b++)
            for (var i = 0; i < Items.Count; i++)
                output[b * Items.Count + i] = userKeys[b] < 0 ? 0 : scores[userKeys[b], i];
    }

    public void Save(ModelContainerWriter writer) => throw new NotSupportedException();

    public IReadOnlyDictionary<string, object?> Describe() => new Dictionary<string, object?>();
}
