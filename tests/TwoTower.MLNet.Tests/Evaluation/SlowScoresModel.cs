using TwoTower.MLNet.Data;
using TwoTower.MLNet.Models;
using TwoTower.MLNet.Persistence;

namespace TwoTower.MLNet.Tests.Evaluation;

/// <summary>
/// A test model of <paramref name="users"/> × <paramref name="items"/> hashed scores whose every <see cref="Score"/> call also
/// waits <paramref name="delayPerCall"/>: a whole-catalogue evaluation of it takes long by construction, however fast the machine.
/// </summary>
internal sealed class SlowScoresModel(int users, int items, TimeSpan delayPerCall) : IRecommender
{
    private int _calls;

    public string ModelType => "slow";
    public IdMap Users { get; } = new("user", Enumerable.Range(0, users).Select(u => $"u{u}"));
    public IdMap Items { get; } = new("item", Enumerable.Range(0, items).Select(i => $"i{i}"));

    /// <summary>How many <see cref="Score"/> calls have started.</summary>
    public int Calls => Volatile.Read(ref _calls);

    public void Score(ReadOnlySpan<int> userKeys, Span<float> output)
    {
        ModelGuards.CheckScoreArgs(this, userKeys, output);
        Interlocked.Increment(ref _calls);
        Thread.Sleep(delayPerCall);
        var n = Items.Count;
        for (var b = 0; b < userKeys.Length; b++)
            for (var i = 0; i < n; i++)
                output[b * n + i] = unchecked((uint)(userKeys[b] * 7919 + i) * 2654435761u) / (float)uint.MaxValue;
    }

    /// <summary>One history and one test item per user (both logs use the model's raw ids).</summary>
    public (InteractionLog History, InteractionLog Test) Logs()
    {
        var (history, test) = (new InteractionLog(), new InteractionLog());
        for (var u = 0; u < Users.Count; u++)
        {
            history.Add(Users.RawIds[u], Items.RawIds[u % Items.Count]);
            test.Add(Users.RawIds[u], Items.RawIds[(u * 7 + 1) % Items.Count]);
        }
        return (history, test);
    }

    public void Save(ModelContainerWriter writer) => throw new NotSupportedException();

    public IReadOnlyDictionary<string, object?> Describe() => new Dictionary<string, object?>();
}
