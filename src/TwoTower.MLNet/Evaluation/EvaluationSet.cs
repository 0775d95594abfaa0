using TwoTower.MLNet.Data;
using TwoTower.MLNet.Models;

namespace TwoTower.MLNet.Evaluation;

/// <summary>
/// History (items excluded from ranking / the user's known past) and test interactions encoded for a
/// model. The id maps extend the model's maps: keys past the model's counts are users or items the
/// model does not know (cold users get the model's cold-start answer; unknown items count as misses).
/// </summary>
public sealed class EvaluationSet
{
    private EvaluationSet(Interactions history, Interactions test)
    {
        History = history;
        Test = test;
    }

    /// <summary>The history interactions.</summary>
    public Interactions History { get; }

    /// <summary>The test interactions.</summary>
    public Interactions Test { get; }

    /// <summary>Encodes raw logs against a model's id maps (which are not modified).</summary>
    public static EvaluationSet Create(IRecommender model, InteractionLog history, InteractionLog test)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(history);
        ArgumentNullException.ThrowIfNull(test);
        if (test.Count == 0) throw new ArgumentException($"The test data is empty ({test.Source}).", nameof(test));
        var users = model.Users.Clone();
        var items = model.Items.Clone();
        return new EvaluationSet(
            Interactions.Encode(history, users, items, UnknownIdPolicy.Add),
            Interactions.Encode(test, users, items, UnknownIdPolicy.Add));
    }
}
